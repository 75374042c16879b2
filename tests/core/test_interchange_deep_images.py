"""16-bit and float images in the training-layout exports (YOLO folders, imagefolder jsonl).

Copied as they are, PIL's ``.convert("RGB")`` (torchvision's ImageFolder loader, many
Hugging Face pipelines) reads a 16-bit TIFF as pure white: the export warns, and with
``images_8bit`` writes them as 8-bit PNG rendered through their display window, named
``<name>.png`` so that an import of the export matches them back.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop import cli_interchange
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project

from interchange_helpers import copy_files, export_all as _export, run_cli, written as _written


def _folder(tmp_path):
    root = tmp_path / "imgs"
    (root / "sub").mkdir(parents=True)
    rng = np.random.default_rng(0)
    a = rng.normal(20000, 3000, (64, 96)).clip(0, 65535).astype(np.uint16)
    Image.fromarray(a).save(root / "sub" / "scan.tif")
    Image.fromarray(rng.normal(0.3, 0.05, (40, 50)).astype(np.float32)).save(root / "depth.tif")
    Image.fromarray(rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)).save(root / "plain.png")
    with Project.open(root) as p:
        p.scan()
        p.add_label("scratch")
        p.add_label("dent")
        for rel, labels in (("sub/scan.tif", ["scratch", "dent"]), ("depth.tif", ["dent"]),
                            ("plain.png", ["scratch"])):
            image_id = p.image_by_path(rel).id
            p.set_labels(image_id, labels, "alice")
            p.set_caption(image_id, f"caption of {rel}", "alice")
            p.set_status(image_id, "reviewed", "alice")
    return root


@pytest.mark.parametrize("fmt", ["yolo", "jsonl"])
def test_deep_images_copied_as_they_are_are_warned_about(fmt, tmp_path):
    root = _folder(tmp_path)
    out = tmp_path / "out"
    report = _export(root, fmt, out)
    deep = [w for w in report.warnings if "16-bit or float" in w]
    assert len(deep) == 1, report.warnings
    assert deep[0].startswith("2 ") and "white" in deep[0] and "8-bit PNG" in deep[0]
    # the default still copies them byte for byte: bit depth is never lost silently
    copies = [f for f in out.rglob("scan.tif")]
    assert copies and all(f.read_bytes() == (root / "sub" / "scan.tif").read_bytes() for f in copies)
    assert not list(out.rglob("*.tif.png"))


@pytest.mark.parametrize("fmt", ["coco", "csv"])
def test_formats_that_copy_no_image_do_not_warn(fmt, tmp_path):
    root = _folder(tmp_path)
    report = _export(root, fmt, tmp_path / f"out.{fmt}")
    assert not [w for w in report.warnings if "16-bit" in w]


@pytest.mark.parametrize("fmt", ["yolo", "jsonl"])
def test_images_8bit_writes_png_renderings_that_import_back(fmt, tmp_path):
    root = _folder(tmp_path)
    out = tmp_path / "out"
    report = _export(root, fmt, out, images_8bit=True)
    assert not [w for w in report.warnings if "copied as they are" in w]
    assert any(w.startswith("2 ") and "written as 8-bit PNG" in w for w in report.warnings), report.warnings
    files = _written(out)
    if fmt == "yolo":
        assert "train/scratch/sub/scan.tif.png" in files and "train/dent/sub/scan.tif.png" in files
        assert "train/dent/depth.tif.png" in files and "train/scratch/plain.png" in files
    else:
        assert {"train/sub/scan.tif.png", "train/depth.tif.png", "train/plain.png"} <= set(files)
        names = [json.loads(line)["file_name"] for line in (out / "train" / "metadata.jsonl").open()]
        assert sorted(names) == ["depth.tif.png", "plain.png", "sub/scan.tif.png"]
        assert all((out / "train" / n).is_file() for n in names)
    assert not [f for f in files if f.endswith(".tif")]
    # an 8-bit image is copied as it is
    assert next(out.rglob("plain.png")).read_bytes() == (root / "plain.png").read_bytes()
    for name in ("scan.tif.png", "depth.tif.png"):
        im = Image.open(next(out.rglob(name)))
        assert im.format == "PNG" and im.mode == "L"
        rgb = np.asarray(im.convert("RGB"))  # what a training loader sees
        assert rgb.std() > 10 and (rgb == 255).mean() < 0.05 and len(np.unique(rgb)) > 50
    # the viewer's own rendering, pixel for pixel
    from llmvis_desktop.core.imaging.reader import read_image

    shown = read_image(root / "sub" / "scan.tif").display
    assert np.array_equal(np.asarray(Image.open(next(out.rglob("scan.tif.png")))), shown)

    # an import of the export matches each file back to the project's own image
    fresh = copy_files(root, tmp_path / "fresh")
    with Project.open(fresh) as p:
        p.scan()
        rep = import_file(p, fmt, out)
        assert rep.matched == 3 and not rep.unmatched, rep.summary()
        got = {r.relpath: (sorted(r.labels), r.caption) for r in p.images(p.image_ids())}
    want_labels = {"sub/scan.tif": ["dent", "scratch"], "depth.tif": ["dent"], "plain.png": ["scratch"]}
    assert {rel: labels for rel, (labels, _) in got.items()} == want_labels
    if fmt == "jsonl":
        assert all(caption == f"caption of {rel}" for rel, (_, caption) in got.items())


@pytest.mark.parametrize("fmt", ["yolo", "jsonl"])
def test_images_8bit_refuses_a_name_another_image_already_has(fmt, tmp_path):
    """sub/scan.tif written as sub/scan.tif.png beside a real sub/scan.tif.png: one file
    overwrote the other under two records (and --link stopped on a raw "File exists")."""
    from llmvis_desktop.core.interchange import InterchangeError

    root = _folder(tmp_path)
    Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(root / "sub" / "scan.tif.png")
    with Project.open(root) as p:
        p.scan()
    out = tmp_path / "out"
    with pytest.raises(InterchangeError, match=r"sub/scan\.tif -> sub/scan\.tif\.png"):
        _export(root, fmt, out, images_8bit=True)
    assert not out.exists() or not _written(out)
    _export(root, fmt, out)  # as they are: no clash
    assert any(w.endswith("sub/scan.tif") for w in _written(out))


def test_the_cli_flag(tmp_path, capsys):
    root = _folder(tmp_path)

    run = run_cli

    assert run(["export", str(root), "--format", "yolo", "--out", str(tmp_path / "a"), "--split", "1,0"]) == 0
    assert "2 16-bit or float image(s) copied as they are" in capsys.readouterr().err
    assert run(["export", str(root), "--format", "yolo", "--out", str(tmp_path / "b"), "--split", "1,0",
                "--images-8bit"]) == 0
    assert "written as 8-bit PNG" in capsys.readouterr().err
    assert (tmp_path / "b" / "train" / "dent" / "depth.tif.png").is_file()


def test_linked_deep_images_are_said_to_be_linked_not_copied(tmp_path):
    """With --link the closing warning said the images were 'copied as they are', and
    --link's and --images-8bit's help spoke only of copying."""
    root = _folder(tmp_path)
    out = tmp_path / "out"
    report = _export(root, "yolo", out, link=True)
    deep = [w for w in report.warnings if "16-bit or float" in w]
    assert len(deep) == 1 and deep[0].startswith("2 16-bit or float image(s) linked as they are"), deep
    assert (out / "train" / "dent" / "depth.tif").stat().st_ino == (root / "depth.tif").stat().st_ino
    parser = argparse.ArgumentParser(prog="llmvis")
    cli_interchange.add_parsers(parser.add_subparsers(dest="command"))
    export = parser._subparsers._group_actions[0].choices["export"]
    helps = {a.dest: " ".join(a.help.split()) for a in export._actions if a.help}
    assert "hard-link" in helps["link"] and "de-identified" in helps["link"], helps["link"]
    assert "linking) them as they are" in helps["images_8bit"], helps["images_8bit"]
