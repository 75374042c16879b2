"""DICOM files in the training-layout exports with 8-bit PNG images (``images_8bit``).

A medical team exporting for training with ``--images-8bit`` got its DICOM files as
de-identified ``.dcm`` still: neither Hugging Face's imagefolder loader nor a YOLO trainer
reads them. Now each is written as an 8-bit PNG rendered as the viewer shows it "As
loaded" (its own window, else min/max with the Pixel Padding Value left out), under its
de-identified name plus ``.png``; the annotation files name the PNG; no tag survives.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pydicom
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, import_file
from llmvis_desktop.core.imaging.reader import read_image
from llmvis_desktop.core.project import Project

from imagegen import bundled_dicom, write_dicom_multiframe
from interchange_helpers import copy_files, export_all as _export, written as _written

PATIENT = "DOE^JOHN"
ANON_PNG = re.compile(r"^anon/[0-9a-f]{20}\.dcm\.png$")


def _folder(tmp_path):
    root = tmp_path / "imgs"
    (root / "p1").mkdir(parents=True)
    ds = pydicom.dcmread(bundled_dicom("CT_small.dcm"))  # 16-bit CT, padding -2000, no window
    ds.PatientName, ds.PatientID = PATIENT, "ID-4711"
    stored = ds.pixel_array.copy()
    stored[:20, :20] = -2000  # outside the field of view: the Pixel Padding Value
    ds.PixelData = stored.astype("<i2").tobytes()
    ds.save_as(root / "p1" / "DOE_JOHN.dcm")
    us = pydicom.dcmread(bundled_dicom("CT_small.dcm"))
    us.Modality, us.PatientName = "US", PATIENT  # ultrasound: text often burned into the pixels
    us.save_as(root / "p1" / "us.dcm")
    write_dicom_multiframe(root / "p1", "cine.dcm", frames=3)
    Image.fromarray(np.full((20, 30, 3), 90, np.uint8)).save(root / "plain.png")
    with Project.open(root) as p:
        p.scan()
        p.add_label("nodule")
        for rel in ("p1/DOE_JOHN.dcm", "p1/us.dcm", "p1/cine.dcm", "plain.png"):
            image_id = p.image_by_path(rel).id
            p.set_labels(image_id, ["nodule"], "alice")
            p.set_caption(image_id, f"caption of {rel.rsplit('/', 1)[-1][:3]}", "alice")
            p.set_status(image_id, "reviewed", "alice")
    return root


@pytest.mark.parametrize("fmt", ["yolo", "jsonl"])
def test_dicom_is_written_as_a_de_identified_png_the_annotations_name(fmt, tmp_path):
    root = _folder(tmp_path)
    out = tmp_path / "out"
    report = _export(root, fmt, out, images_8bit=True)
    files = _written(out)
    assert not [f for f in files if f.endswith(".dcm")], files
    base = "train/nodule/" if fmt == "yolo" else "train/"
    pngs = [f[len(base):] for f in files if f.startswith(base + "anon/")]
    assert len(pngs) == 3 and all(ANON_PNG.match(n) for n in pngs), pngs
    assert not [f for f in files if "DOE" in f or "cine" in f or "us.dcm" in f]
    if fmt == "jsonl":
        names = sorted(json.loads(line)["file_name"] for line in (out / "train" / "metadata.jsonl").open())
        assert names == sorted(pngs + ["plain.png"])
    for name in pngs:
        raw = (out / base / name).read_bytes()
        assert PATIENT.encode() not in raw and b"DOE" not in raw and b"4711" not in raw and b"DICM" not in raw
        im = Image.open(out / base / name)
        assert im.format == "PNG" and im.mode == "L" and not im.info.get("dpi") and not getattr(im, "text", {})
    # the viewer's "As loaded", pixel for pixel: min/max of the CT with its -2000 padding left out
    with Project.open(root) as p:
        from llmvis_desktop.core.interchange.export_context import ExportContext, export_name

        ctx = ExportContext(p, fmt, out, ExportOptions(), None, lambda _p: None)
        ct_name = export_name(ctx, "p1/DOE_JOHN.dcm", True) + ".png"
    shown = read_image(root / "p1" / "DOE_JOHN.dcm")
    assert shown.meta.padding is not None  # (the sample has padding: the window leaves it out)
    png = np.asarray(Image.open(out / base / ct_name))
    assert np.array_equal(png, shown.display)
    assert png.max() == 255 and len(np.unique(png)) > 100  # not the third of the range padding took

    text = "\n".join(report.warnings)
    assert "3 DICOM image(s) written as 8-bit PNG under de-identified names" in text, report.warnings
    assert "written as DICOM files" not in text
    assert "multi-frame: only the first frame was written as 8-bit PNG" in text
    assert "BurnedInAnnotation is absent and US images" in text  # the pixels still may show text
    assert PATIENT not in text and "DOE" not in text

    # an import of the export matches each PNG back to its DICOM file
    fresh = copy_files(root, tmp_path / "fresh")
    with Project.open(root) as p:
        secret = p.settings()["interchange_secret"]
    with Project.open(fresh) as p:
        p.scan()
        p.set_setting("interchange_secret", secret)
        rep = import_file(p, fmt, out)
        assert rep.matched == 4 and not rep.unmatched, rep.summary()
        got = {r.relpath: sorted(r.labels) for r in p.images(p.image_ids())}
    assert got == {"p1/DOE_JOHN.dcm": ["nodule"], "p1/us.dcm": ["nodule"], "p1/cine.dcm": ["nodule"],
                   "plain.png": ["nodule"]}


@pytest.mark.parametrize("fmt", ["yolo", "jsonl"])
def test_without_the_option_dicom_copied_as_dicom_is_said_with_the_way_out(fmt, tmp_path):
    root = _folder(tmp_path)
    out = tmp_path / "out"
    report = _export(root, fmt, out)
    assert len([f for f in _written(out) if f.endswith(".dcm")]) == 3
    said = [w for w in report.warnings if "written as DICOM files" in w]
    assert len(said) == 1 and said[0].startswith("3 DICOM image(s)") and "--images-8bit" in said[0], said


def test_kept_identifiers_write_name_png_and_refuse_a_clash(tmp_path):
    root = _folder(tmp_path)
    out = tmp_path / "out"
    _export(root, "jsonl", out, images_8bit=True, anonymize=False)
    assert "train/p1/DOE_JOHN.dcm.png" in _written(out)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "p1" / "cine.dcm.png")
    with Project.open(root) as p:
        p.scan()
    with pytest.raises(InterchangeError, match=r"p1/cine\.dcm -> p1/cine\.dcm\.png"):
        _export(root, "jsonl", tmp_path / "out2", images_8bit=True, anonymize=False)
    _export(root, "jsonl", tmp_path / "out3", images_8bit=True)  # de-identified: anon/<hash>.dcm.png, no clash
