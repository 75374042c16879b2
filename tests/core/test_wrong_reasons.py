"""Reasons that named the wrong cause: a DICOM without pixel data called truncated, a PNG
cut right after its header called "not an image", and a symbolic link loop the index had
named called "missing" by an export."""
from __future__ import annotations

import io
import os

import pydicom
import pytest
from PIL import Image

from llmvis_desktop.core.imaging import ImageReadError, read_header, read_image
from llmvis_desktop.core.imaging.errors import NO_PIXEL_DATA, TRUNCATED
from llmvis_desktop.core.interchange import export_project

from interchange_helpers import ct_small, open_scanned


def _reason(path, fn=read_header) -> str:
    with pytest.raises(ImageReadError) as info:
        fn(path)
    return info.value.reason


def test_a_dicom_without_pixel_data_says_so_in_the_index_as_in_the_viewer(tmp_path):
    ds = pydicom.dcmread(ct_small())
    del ds.PixelData
    path = tmp_path / "nopixels.dcm"
    ds.save_as(path)
    assert _reason(path) == NO_PIXEL_DATA  # was: "... (DICOM pixel data needs 32768 bytes, the file holds 0)"
    assert _reason(path, read_image) == NO_PIXEL_DATA


def test_a_dicom_cut_inside_its_pixel_data_is_still_truncated(tmp_path):
    data = ct_small().read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[: len(data) - 1000])
    assert _reason(path).startswith(TRUNCATED)


@pytest.mark.parametrize("fmt,keep", [("PNG", 40), ("PNG", 33), ("JPEG", 20), ("WEBP", 16), ("BMP", 20)])
def test_an_image_cut_inside_its_header_is_truncated_not_not_an_image(tmp_path, fmt, keep):
    b = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(b, fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(b.getvalue()[:keep])
    reason = _reason(path)
    assert reason.startswith(TRUNCATED), reason


def test_text_named_like_an_image_is_still_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are my notes\n" * 5)
    assert _reason(path) == "not an image (content does not match .png)"


def test_an_export_names_a_symbolic_link_loop_as_the_index_did(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("RGB", (8, 8)).save(folder / "ok.png")
    os.symlink("loop_b.png", folder / "loop_a.png")
    os.symlink("loop_a.png", folder / "loop_b.png")
    p = open_scanned(folder)
    try:
        p.read_headers()
        report = export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    said = [w for w in report.warnings if w.startswith("loop_a.png")]
    assert said and all("missing" not in w for w in said) and "symbolic link loop" in said[0], report.warnings
