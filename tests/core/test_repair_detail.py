"""Texture detail (core.repair.detail): pixels outside the dilated mask untouched,
deterministic given a seed (also across a checkpoint save/reload), more texture as the
strength grows, recorded in the provenance, settable from the CLI."""
import argparse

import numpy as np
import pytest
from PIL import Image

import torch  # noqa: E402,F401 - a runtime dependency: missing means a broken install
import cv2  # noqa: E402,F401 - a runtime dependency

from llmvis_desktop.core.repair import DEFAULT_DETAIL, RepairError  # noqa: E402
from llmvis_desktop.core.repair import apply as apply_mod  # noqa: E402
from llmvis_desktop.core.repair.checkpoint import load_generator, save_checkpoint  # noqa: E402
from llmvis_desktop.core.repair.detail import detail_field  # noqa: E402
from llmvis_desktop.core.repair.inference import dilate, inpaint  # noqa: E402

from repair_helpers import SMALL, gen_fixture, one_torch_thread  # noqa: E402,F401 - fixtures


def _texture(shape, seed=1, dtype=np.uint8):
    rng = np.random.default_rng(seed)
    hi = 255 if dtype == np.uint8 else 4000
    return rng.integers(0, hi, shape).astype(dtype)


def _mask(h, w):
    m = np.zeros((h, w), bool)
    m[20:44, 25:60] = True
    m[h - 12:h - 9, 5:w - 5] = True
    return m


def _local_std(a, mask):
    from scipy import ndimage as ndi

    a = a.astype(np.float64)
    mu = ndi.uniform_filter(a, 5)
    return float(np.sqrt(np.maximum(ndi.uniform_filter(a * a, 5) - mu * mu, 0))[mask].mean())


@pytest.mark.parametrize("dtype,shape", [(np.uint8, (72, 90)), (np.uint8, (72, 90, 3)), (np.uint16, (72, 90)),
                                         (np.int16, (72, 90)), (np.uint8, (72, 90, 4)), (np.float32, (72, 90))])
@pytest.mark.parametrize("method", ["gan", "telea", "ns"])
def test_detail_leaves_outside_identical(gen, dtype, shape, method):
    img = _texture(shape, dtype=dtype)
    m = _mask(*shape[:2])
    out = inpaint(img, m, method=method, generator=gen, dilate_px=2, detail=1.5, seed=7)
    assert out.dtype == img.dtype and out.shape == img.shape
    hole = dilate(m, 2)
    assert np.array_equal(out[~hole], img[~hole])
    if img.ndim == 3 and img.shape[2] == 4:
        assert np.array_equal(out[..., 3], img[..., 3])
    plain = inpaint(img, m, method=method, generator=gen, dilate_px=2, detail=0.0)
    assert not np.array_equal(out[m], plain[m])


def test_detail_zero_is_the_plain_fill(gen):
    img = _texture((72, 90))
    m = _mask(72, 90)
    assert np.array_equal(inpaint(img, m, generator=gen), inpaint(img, m, generator=gen, detail=0.0, seed=5))


def test_detail_is_deterministic_given_seed_and_reloaded_checkpoint(gen, tmp_path):
    img = _texture((90, 120, 3), seed=3)
    m = _mask(90, 120)
    a = inpaint(img, m, generator=gen, detail=1.0, seed=11)
    b = inpaint(img, m, generator=gen, detail=1.0, seed=11)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, inpaint(img, m, generator=gen, detail=1.0, seed=12))
    p = save_checkpoint(tmp_path / "d.safetensors", SMALL, gen.state_dict(), step=1)
    g2, _ = load_generator(p)
    assert np.array_equal(a, inpaint(img, m, generator=g2.eval(), detail=1.0, seed=11))
    # tiled (banded) work is deterministic too
    t1 = inpaint(img, m, generator=gen, detail=1.0, seed=11, tile=64, overlap=16)
    assert np.array_equal(t1, inpaint(img, m, generator=g2.eval(), detail=1.0, seed=11, tile=64, overlap=16))


def test_detail_adds_texture_from_the_surround():
    from skimage import data as sd

    img = sd.gravel()[:160, 256:416].copy()
    m = np.zeros(img.shape, bool)
    m[50:110, 40:120] = True
    stds = [_local_std(inpaint(img, m, method="telea", detail=d), m) for d in (0.0, 0.5, 1.0)]
    truth = _local_std(img, m)
    assert stds[0] < stds[1] < stds[2]
    assert stds[0] < 0.7 * truth and 0.7 * truth < stds[2] < 1.3 * truth


def test_detail_field_is_zero_outside_hole_and_box_independent():
    img = _texture((80, 80))
    hole = np.zeros((80, 80), bool)
    hole[30:50, 30:50] = True
    whole = detail_field(img, hole, (0, 80, 0, 80), 1.0, seed=2)
    assert whole.shape == (1, 80, 80) and not whole[0][~hole].any() and whole[0][hole].std() > 0
    top = detail_field(img, hole, (0, 40, 0, 80), 1.0, seed=2)
    bottom = detail_field(img, hole, (40, 80, 0, 80), 1.0, seed=2)
    assert np.array_equal(np.concatenate([top, bottom], axis=1), whole)  # no dependence on banding


def test_bad_detail_refused(gen):
    img = _texture((40, 40))
    m = _mask(40, 40)
    for bad in (-0.5, float("nan")):
        with pytest.raises(RepairError, match="detail"):
            inpaint(img, m, method="telea", detail=bad)


def test_detail_in_provenance_and_cli(tmp_path):
    from llmvis_desktop import cli_repair
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(_texture((60, 60, 3), seed=4)).save(root / "part.png")
    m = np.zeros((60, 60), np.uint8)
    m[15:35, 15:40] = 255
    Image.fromarray(m).save(tmp_path / "mask.png")
    with Project.open(root) as p:
        p.index()
        res = apply_mod.repair_file(root / "part.png", tmp_path / "mask.png", method="telea", project=p,
                                    actor="tester")
        assert res.params["detail"] == DEFAULT_DETAIL and res.params["seed"] == 0
        res2 = apply_mod.repair_file(root / "part.png", tmp_path / "mask.png", method="ns", project=p,
                                     actor="tester", detail=0.25, seed=9)
        src = p.image_by_path("part.png")
        params = {r.id: r.params for r in p.repairs(src.id)}
        assert params[res.repair_id]["detail"] == DEFAULT_DETAIL
        assert params[res2.repair_id]["detail"] == 0.25 and params[res2.repair_id]["seed"] == 9

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli_repair.add_parsers(sub)
    outs = []
    for seed in ("3", "3", "4"):
        o = tmp_path / f"o{len(outs)}.png"
        args = parser.parse_args(["repair", "apply", str(root / "part.png"), "--mask", str(tmp_path / "mask.png"),
                                  "--method", "telea", "--detail", "0.8", "--seed", seed, "--out", str(o)])
        assert args.detail == 0.8 and args.func(args) == 0
        outs.append(np.asarray(Image.open(o)))
    assert np.array_equal(outs[0], outs[1]) and not np.array_equal(outs[0], outs[2])
    for bad in ("-1", "100", "nan"):  # outside 0-1.5 is a usage error (100 filled the hole with noise)
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(["repair", "apply", str(root / "part.png"), "--mask", str(tmp_path / "mask.png"),
                               "--method", "telea", "--detail", bad, "--out", str(tmp_path / "bad.png")])
        assert exc.value.code == 2
    assert not (tmp_path / "bad.png").exists()


def test_fast_blur_and_known_block_lookup_match_the_direct_computations():
    from scipy import ndimage as ndi

    from llmvis_desktop.core.repair.detail import BLOCK, SIGMA, _blur_matrix, _KnownBlocks

    rng = np.random.default_rng(0)
    for n, m in ((32, 32), (19, 32), (32, 11)):
        x = rng.random((n, m)).astype(np.float32)
        ref = ndi.gaussian_filter(x, SIGMA, mode="constant")
        assert np.abs(_blur_matrix(n) @ x @ _blur_matrix(m).T - ref).max() < 1e-5
    hole = rng.random((120, 90)) > 0.995
    kb = _KnownBlocks(hole, 10, 110, 5, 85)
    ys = rng.integers(10, 110 - BLOCK + 1, 400)
    xs = rng.integers(5, 85 - BLOCK + 1, 400)
    direct = np.array([not hole[y:y + BLOCK, x:x + BLOCK].any() for y, x in zip(ys, xs)])
    assert direct.any() and not direct.all()
    assert np.array_equal(kb.known(ys, xs), direct)
