"""Repair GAN: short seeded CPU training, checkpoints (save/reload/resume/refusals)."""
import json

import numpy as np
import pytest

import torch  # noqa: E402 - a runtime dependency: missing means a broken install

from llmvis_desktop.core.repair import RepairError  # noqa: E402
from llmvis_desktop.core.repair.checkpoint import (CheckpointError, checkpoint_hash, load_checkpoint,  # noqa: E402
                                                   load_generator, save_checkpoint)
from llmvis_desktop.core.repair.masks import KINDS, random_mask  # noqa: E402
from llmvis_desktop.core.repair.networks import build_generator  # noqa: E402
from llmvis_desktop.core.repair.train import TrainData, data_from_arrays, train  # noqa: E402
from llmvis_desktop.core.tasks import Cancelled, CancelToken  # noqa: E402

from repair_helpers import one_torch_thread  # noqa: E402,F401 - autouse fixture

SMALL = {"width": 8, "dilations": [2, 1]}


def _texture(seed=0, size=96):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    img = 120 + 60 * np.sin(xx / 3.0) * np.cos(yy / 5.0) + rng.normal(0, 8, (size, size))
    return np.clip(img, 0, 255).astype(np.uint8)


def test_masks_cover_up_to_half_and_all_kinds():
    rng = np.random.default_rng(0)
    for kind in KINDS:
        fr = [random_mask(64, rng, kinds=(kind,)).mean() for _ in range(20)]
        assert 0 < min(fr) and max(fr) <= 0.5, kind
    m = random_mask((48, 80), rng)
    assert m.shape == (48, 80) and set(np.unique(m)) <= {0.0, 1.0}


def test_losses_finite_and_falling(tmp_path):
    out = tmp_path / "ck.safetensors"
    reports = []
    res = train([_texture(0), _texture(1)], steps=30, out=out, device="cpu", tile=32, batch=4, seed=0,
                config=SMALL, lr_g=2e-3, report=reports.append, report_every=10, preview_every=10, save_every=0)
    hist = res.metrics["history"]
    assert len(hist) == 30 and res.step == 30
    for h in hist:
        assert all(np.isfinite(v) for v in h.values())
    first = np.mean([h["l1_hole"] for h in hist[:6]])
    last = np.mean([h["l1_hole"] for h in hist[-6:]])
    assert last < first
    assert reports and reports[-1].eta_s == 0.0 and reports[-1].preview is not None
    assert any(r.preview is not None for r in reports[:-1])
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["steps"] == 30 and card["architecture"]["arch"] == "gated-unet-v1"
    assert card["sha256"] == checkpoint_hash(out)
    assert out.with_suffix(".preview.png").is_file()


def test_prefetched_batches_train_exactly_like_inline_ones(tmp_path):
    """The helper thread used on a GPU draws the same tiles and masks, in order."""
    runs = []
    for pf in (False, True):
        res = train([_texture(0)], steps=6, out=tmp_path / f"p{pf}.safetensors", device="cpu", tile=32, batch=3,
                    seed=5, config=SMALL, save_every=0, prefetch=pf)
        runs.append([h["l1_hole"] for h in res.metrics["history"]])
    assert runs[0] == runs[1]


def test_prefetch_hands_on_errors_and_stops():
    from llmvis_desktop.core.repair.train import _Prefetch

    seq = iter([1, 2])

    def make():
        return next(seq)  # the third call raises StopIteration, which the consumer sees

    pf = _Prefetch(make, depth=1)
    assert next(pf) == 1 and next(pf) == 2
    with pytest.raises(StopIteration):
        next(pf)
    pf.close()
    assert not pf._t.is_alive()


def test_checkpoint_reload_gives_identical_output(tmp_path):
    torch.manual_seed(0)
    g = build_generator(SMALL).eval()
    p = save_checkpoint(tmp_path / "a.safetensors", {"arch": "gated-unet-v1", **SMALL}, g.state_dict(), step=3)
    g2, ck = load_generator(p)
    assert ck.step == 3 and len(ck.sha256) == 64
    x = torch.randn(2, 1, 32, 32)
    m = (torch.rand(2, 1, 32, 32) > 0.7).float()
    with torch.no_grad():
        assert torch.equal(g(x, m), g2(x, m))


def test_resume_and_cancel(tmp_path):
    out = tmp_path / "r.safetensors"
    data = data_from_arrays([_texture(2)])
    train(data, steps=4, out=out, device="cpu", tile=32, batch=2, config=SMALL, save_every=0)
    res = train(data, steps=3, out=out, device="cpu", tile=32, batch=2, resume=True, save_every=0)
    assert res.step == 7 and load_checkpoint(out).step == 7
    assert any(k.startswith("opt_g.") for k in load_checkpoint(out, with_train_state=True).train_state)

    token = CancelToken()
    calls = []

    def prog(p):
        calls.append(p.done)
        if p.done >= 2:
            token.cancel()

    out2 = tmp_path / "c.safetensors"
    with pytest.raises(Cancelled):
        train(data, steps=100, out=out2, device="cpu", tile=32, batch=2, config=SMALL, token=token,
              progress=prog, report_every=1, save_every=0)
    assert load_checkpoint(out2).step == 2  # saved on cancel, resumable


def test_checkpoint_refusals(tmp_path):
    bad = tmp_path / "corrupt.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(bad)
    g = build_generator(SMALL)
    good = save_checkpoint(tmp_path / "g.safetensors", {"arch": "gated-unet-v1", **SMALL}, g.state_dict())
    trunc = tmp_path / "trunc.safetensors"
    trunc.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(CheckpointError):
        load_checkpoint(trunc)
    pick = tmp_path / "model.pt"
    torch.save(g.state_dict(), pick)
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(pick)
    other = save_checkpoint(tmp_path / "o.safetensors", {"arch": "lama-ffc"}, g.state_dict())
    with pytest.raises(CheckpointError, match="architecture"):
        load_checkpoint(other)
    # right arch name, wrong weights
    g4 = build_generator({"width": 4, "dilations": [2, 1]})
    lied = save_checkpoint(tmp_path / "l.safetensors", {"arch": "gated-unet-v1", **SMALL}, g4.state_dict())
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint(lied)
    with pytest.raises(CheckpointError, match="no such"):
        load_checkpoint(tmp_path / "missing.safetensors")
    assert isinstance(CheckpointError("x"), RepairError)


def test_training_excludes_marked_defects():
    from llmvis_desktop.core.repair.train import TileSampler

    img = np.zeros((64, 64), np.float32)
    img[:, 32:] = 1.0  # right half is the "defect"
    ex = np.zeros((64, 64), bool)
    ex[:, 30:] = True
    s = TileSampler(TrainData([img], [ex]), 16, seed=0, augment=False)
    rng = np.random.default_rng(0)
    assert all(s.tile_at(rng).max() == 0 for _ in range(50))


def test_cli_train_from_project(tmp_path, capsys):
    import argparse

    from PIL import Image

    from llmvis_desktop import cli_repair
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    for i in range(2):
        Image.fromarray(_texture(i, 64)).save(root / f"t{i}.png")
    Image.fromarray(_texture(5, 64)).save(root / "defect.png")
    with Project.open(root) as p:
        p.index()
        d = p.image_by_path("defect.png")
        (root / "repaired").mkdir()
        mask = np.zeros((64, 64), np.uint8)
        mask[:, :40] = 255
        Image.fromarray(mask).save(root / "m.png")
        p.add_repair(d.id, mask_path="m.png", output_path="repaired/x.png", engine="telea", actor="t")
        from llmvis_desktop.core.repair.train import data_from_project

        data = data_from_project(p)
        assert data.summary["images"] == 3 and data.summary["excluded_defect_pixels"] == 64 * 40
    parser = argparse.ArgumentParser()
    cli_repair.add_parsers(parser.add_subparsers())
    out = tmp_path / "ck.safetensors"
    args = parser.parse_args(["repair", "train", str(root), "--from", "scratch", "--steps", "2", "--tile", "32",
                              "--batch", "2", "--out", str(out), "--device", "cpu", "--json"])
    assert args.func(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["steps"] == 2 and out.is_file()
    args = parser.parse_args(["repair", "train", str(root), "--from", str(tmp_path / "nope.safetensors"),
                              "--steps", "1", "--out", str(out), "--force"])
    assert args.func(args) == 1 and "nope.safetensors" in capsys.readouterr().err
    # a trained checkpoint is not replaced without being asked (it was, silently)
    before = out.read_bytes()
    args = parser.parse_args(["repair", "train", str(root), "--from", "scratch", "--steps", "1", "--out", str(out)])
    assert args.func(args) == 1 and "--resume continues it" in capsys.readouterr().err
    assert out.read_bytes() == before
    # images added since the first run are trained on (only an empty project was indexed)
    Image.fromarray(_texture(7, 64)).save(root / "added.png")
    args = parser.parse_args(["repair", "train", str(root), "--steps", "3", "--tile", "32", "--batch", "2",
                              "--out", str(out), "--device", "cpu", "--resume", "--json"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["data"]["images"] == first["data"]["images"] + 1


def test_generator_on_another_device_is_a_kept_copy_and_never_moves_the_original():
    from llmvis_desktop.core.repair.inference import generator_on

    g = build_generator(SMALL).eval()
    assert generator_on(g, "cpu") is g
    other = generator_on(g, "meta")  # a device every torch build has: stands in for a GPU here
    assert other is not g and next(other.parameters()).device.type == "meta"
    assert next(g.parameters()).device.type == "cpu"  # the cached original stays where it was
    assert generator_on(g, "meta") is other  # made once


def test_cli_train_in_a_read_only_folder_fails_before_training(tmp_path, capsys, monkeypatch):
    """It trained to the end, then failed to save with a bare "[Errno 30]". (The suite
    runs as root, where chmod stops no write: the read-only file system is simulated.)"""
    import argparse
    import errno

    from PIL import Image

    from llmvis_desktop import cli_repair
    from llmvis_desktop.core.repair import checkpoint, train as train_mod

    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(_texture(0, 64)).save(root / "t0.png")
    real = checkpoint.tempfile.mkstemp

    def read_only(*a, dir=None, **k):
        if ".llmvis" in str(dir):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(checkpoint.tempfile, "mkstemp", read_only)
    trained = []
    monkeypatch.setattr(train_mod, "data_from_project", lambda *a, **k: trained.append(1) or 1 / 0)
    parser = argparse.ArgumentParser()
    cli_repair.add_parsers(parser.add_subparsers())
    args = parser.parse_args(["repair", "train", str(root), "--from", "scratch", "--steps", "2", "--tile", "32",
                              "--batch", "2", "--device", "cpu"])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert "read-only file system" in err and ".llmvis" in err and "--out" in err
    assert not trained  # refused before any image was read


def test_a_save_interrupted_between_weights_and_card_still_loads(tmp_path, monkeypatch):
    """Weights and card were two renames: a second Ctrl-C or a kill between them left a
    checkpoint that --resume, apply and the GUI refused as "damaged or replaced", while
    the CLI had called it resumable."""
    from llmvis_desktop.core.repair import checkpoint

    cfg = {"arch": "gated-unet-v1", **SMALL}
    out = tmp_path / "r.safetensors"
    torch.manual_seed(0)
    g = build_generator(SMALL)
    save_checkpoint(out, cfg, g.state_dict(), step=3, card={"metrics": {"x": 1}})
    real = checkpoint._atomic_write_bytes

    def killed_before_card(path, data):
        if path.suffix == ".json":
            raise KeyboardInterrupt  # the second Ctrl-C, just after the weights were renamed
        real(path, data)

    monkeypatch.setattr(checkpoint, "_atomic_write_bytes", killed_before_card)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(out, cfg, g.state_dict(), step=7, card={"metrics": {"x": 2}})
    monkeypatch.setattr(checkpoint, "_atomic_write_bytes", real)
    ck = load_checkpoint(out)
    assert ck.step == 7 and ck.card["steps"] == 7 and ck.card["metrics"] == {"x": 2}
    assert ck.card["sha256"] == checkpoint_hash(out)
    # saving again over it (the card still one save behind) leaves a matching pair
    save_checkpoint(out, cfg, g.state_dict(), step=9)
    assert json.loads(out.with_suffix(".json").read_text())["sha256"] == checkpoint_hash(out)
    assert load_checkpoint(out).step == 9
    # a checkpoint whose card is gone carries its own
    out.with_suffix(".json").unlink()
    assert load_checkpoint(out).card["steps"] == 9
    # the GUI's move of a finished training run, interrupted after the weights
    from llmvis_desktop.core.repair.checkpoint import move_checkpoint

    new = save_checkpoint(tmp_path / "training.safetensors", cfg, g.state_dict(), step=20)
    save_checkpoint(out, cfg, g.state_dict(), step=10)
    real_replace = checkpoint.os.replace

    def die_after_weights(a, b):
        real_replace(a, b)
        if str(b).endswith(".safetensors"):
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.os, "replace", die_after_weights)
    with pytest.raises(KeyboardInterrupt):
        move_checkpoint(new, out)
    monkeypatch.setattr(checkpoint.os, "replace", real_replace)
    assert load_checkpoint(out).step == 20 and load_checkpoint(out).card["steps"] == 20


def _cli_parser():
    import argparse

    from llmvis_desktop import cli_repair

    parser = argparse.ArgumentParser()
    cli_repair.add_parsers(parser.add_subparsers())
    return parser


def _project(tmp_path, n=2):
    from PIL import Image

    root = tmp_path / "proj"
    root.mkdir()
    for i in range(n):
        Image.fromarray(_texture(i, 64)).save(root / f"t{i}.png")
    return root


def test_cli_train_saves_on_sigterm_and_says_only_what_is_true(tmp_path, capsys, monkeypatch):
    """SIGTERM killed the run (up to 199 steps lost); after a cancel the CLI called any file
    at --out "resumable", even one that would not load."""
    import os
    import signal

    from llmvis_desktop.core.repair import train as train_mod

    class Killed(Exception):
        pass

    def killed(signum, frame):
        raise Killed

    old = signal.signal(signal.SIGTERM, killed)  # without the fix: a clean failure, not a dead test run
    real = train_mod.train

    def term_at_step_2(*a, **k):
        shown = k["progress"]

        def prog(p):
            shown(p)
            if p.stage == "train" and p.done >= 2:
                os.kill(os.getpid(), signal.SIGTERM)
        return real(*a, **dict(k, progress=prog, report_every=1, save_every=0))

    monkeypatch.setattr(train_mod, "train", term_at_step_2)
    root = _project(tmp_path)
    out = tmp_path / "ck.safetensors"
    try:
        args = _cli_parser().parse_args(["repair", "train", str(root), "--from", "scratch", "--steps", "50",
                                         "--tile", "32", "--batch", "2", "--out", str(out), "--device", "cpu"])
        assert args.func(args) == 130
        assert signal.getsignal(signal.SIGTERM) is killed  # put back
    finally:
        signal.signal(signal.SIGTERM, old)
    err = capsys.readouterr().err
    assert load_checkpoint(out).step == 2 and "resumable checkpoint" in err and "step 2" in err
    # a file that does not load is not called resumable
    from llmvis_desktop import cli_repair

    out.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    said = cli_repair._resumable(out)
    assert "cannot be resumed" in said and "use --resume" not in said


def test_cli_train_refuses_a_folder_or_a_pickle_name_as_out_before_training(tmp_path, capsys, monkeypatch):
    """--out EXISTING_DIR --force trained to the end, then failed "Is a directory" (without
    --force it said the folder "already holds a trained checkpoint"); --out ck.pt trained and
    saved a file every loader then refused as pickle-based."""
    from llmvis_desktop.core.repair import train as train_mod

    trained = []
    monkeypatch.setattr(train_mod, "data_from_project", lambda *a, **k: trained.append(1) or 1 / 0)
    root = _project(tmp_path, n=1)
    (tmp_path / "somedir").mkdir()
    for out, extra in ((tmp_path / "somedir", ["--force"]), (tmp_path / "somedir", []),
                       (tmp_path / "ck.pt", []), (tmp_path / "ck", [])):
        args = _cli_parser().parse_args(["repair", "train", str(root), "--from", "scratch", "--steps", "2",
                                         "--out", str(out), "--device", "cpu", *extra])
        assert args.func(args) == 1
        err = capsys.readouterr().err
        assert str(out) in err and "already holds" not in err
        assert ("is a folder" in err) if out.name == "somedir" else (".safetensors" in err)
    assert not trained and not (tmp_path / "ck.pt").exists()
    with pytest.raises(RepairError, match="is a folder"):
        train([_texture(0)], steps=1, out=tmp_path / "somedir", device="cpu", tile=32, batch=2, config=SMALL)


def test_an_undone_repair_kept_outside_repaired_is_not_trained_on(tmp_path):
    """Undone with its file kept (saved by --out or the repair_output setting, outside
    repaired/), a repair was trained on as a real image and its source's defect was no
    longer excluded."""
    from PIL import Image

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair.apply import repair_file
    from llmvis_desktop.core.repair.train_data import data_from_project

    root = _project(tmp_path, n=2)
    mask = np.zeros((64, 64), np.uint8)
    mask[:, :40] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    with Project.open(root) as p:
        p.index()
        res = repair_file(root / "t0.png", tmp_path / "m.png", method="telea", project=p, out=root / "fixed" / "t0.png")
        linked = data_from_project(p).summary
        assert linked["images"] == 2 and linked["excluded_defect_pixels"] == 64 * 40
        p.unlink_repair(res.repair_id, "tester", delete_file=False)
        assert (root / "fixed" / "t0.png").is_file()
        assert data_from_project(p).summary == linked


def test_cli_train_resume_steps_label_and_force(tmp_path, capsys):
    """--resume --force was taken (contradictory); --label matching no image said only "no
    readable training images"; re-running `--steps N --resume` after Ctrl-C trained N more
    steps, past the N asked for."""
    root = _project(tmp_path, n=1)
    out = tmp_path / "ck.safetensors"
    base = ["repair", "train", str(root), "--from", "scratch", "--tile", "32", "--batch", "2", "--out", str(out),
            "--device", "cpu"]
    parser = _cli_parser()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(base + ["--resume", "--force"])
    assert exc.value.code == 2 and "--force" in capsys.readouterr().err
    args = parser.parse_args(base + ["--steps", "2", "--label", "defect-free"])
    assert args.func(args) == 1
    assert "no image has label 'defect-free'" in capsys.readouterr().err and not out.exists()
    args = parser.parse_args(base + ["--steps", "2"])
    assert args.func(args) == 0 and load_checkpoint(out).step == 2
    capsys.readouterr()
    args = parser.parse_args(base + ["--steps", "3", "--resume", "--json"])  # the total to reach
    assert args.func(args) == 0 and json.loads(capsys.readouterr().out)["steps"] == 3
    assert load_checkpoint(out).step == 3
    args = parser.parse_args(base + ["--steps", "3", "--resume"])  # reached already: nothing to do
    assert args.func(args) == 0 and load_checkpoint(out).step == 3
    assert "nothing to train" in capsys.readouterr().err


def test_unrecorded_repair_outputs_in_any_repaired_folder_are_not_trained_on(tmp_path):
    """Only a top-level repaired/ folder was left out: an older output with no repair record
    (from `repair apply` without --project) in line1/repaired/ was trained on as a real image."""
    from PIL import Image

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair.train_data import data_from_project

    root = _project(tmp_path, n=1)
    (root / "line1" / "repaired").mkdir(parents=True)
    Image.fromarray(_texture(5, 64)).save(root / "line1" / "t5.png")
    Image.fromarray(_texture(5, 64)).save(root / "line1" / "repaired" / "t5.repaired.png")
    Image.fromarray(_texture(5, 64)).save(root / "line1" / "repaired" / "t5.repaired-2.png")
    Image.fromarray(_texture(6, 64)).save(root / "line1" / "repaired" / "photo.png")  # not our name: an image
    with Project.open(root) as p:
        p.index()
        assert data_from_project(p).summary["images"] == 3  # t0, line1/t5, line1/repaired/photo


def test_progress_is_saved_by_time_as_well_as_by_steps(tmp_path, monkeypatch):
    """The window's training saved every 200 steps only: minutes of CPU training that a crash
    lost. ``save_every_s`` saves once that much time passed since the last save."""
    from llmvis_desktop.core.repair import checkpoint, train as train_mod

    clock = [1000.0]

    def tick():  # each look at the clock is 10 s later: every step passes 5 s
        clock[0] += 10.0
        return clock[0]

    monkeypatch.setattr(train_mod.time, "monotonic", tick)
    saves = []
    real = checkpoint.save_checkpoint
    monkeypatch.setattr(checkpoint, "save_checkpoint", lambda *a, **k: (saves.append(1), real(*a, **k))[1])
    data = data_from_arrays([_texture(2)])
    out = tmp_path / "t.safetensors"
    train(data, steps=4, out=out, device="cpu", tile=32, batch=2, config=SMALL, save_every=0,
          save_every_s=15.0, preview_every=0)
    assert len(saves) >= 3  # saved during the run, not only at its end
    saves.clear()
    train(data, steps=4, out=tmp_path / "u.safetensors", device="cpu", tile=32, batch=2, config=SMALL,
          save_every=0, preview_every=0)
    assert len(saves) == 1  # the end only
