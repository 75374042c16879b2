"""Compressed and deflated DICOM files cut short (a copy from a disc or a PACS export
that stopped part-way).

A deflated one raised zlib's own error from the header read: ``llmvis export`` of the
whole project failed on it ("failed: error: Error -5 while decompressing data").
A compressed one (JPEG, RLE, JPEG 2000) had a whole header, so the index listed it as
fine; pydicom reads such a file as an empty dataset, so the viewer called it "DICOM has no
pixel data: MR Image object, its image is missing (no rows, columns or pixel data)", and
the export wrote a "de-identified" DICOM of three attributes, no rows and no pixels, and
listed it in metadata.jsonl as a training image."""
from __future__ import annotations

import shutil

import pydicom.data
import pytest

from llmvis_desktop.core.imaging import ImageReadError, read_header, read_image
from llmvis_desktop.core.interchange import export_project

from interchange_helpers import open_scanned


def _cut(tmp_path, name: str, keep: float, as_name: str | None = None):
    data = open(pydicom.data.get_testdata_file(name, download=False), "rb").read()
    path = tmp_path / (as_name or f"cut_{name}")
    path.write_bytes(data[:int(len(data) * keep)])
    return path


@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "SC_rgb_jpeg_dcmtk.dcm",
                                  "examples_ybr_color.dcm", "SC_rgb_rle_2frame.dcm"])
@pytest.mark.parametrize("keep", [0.6, 0.97])
def test_a_cut_compressed_file_is_truncated_from_its_header(tmp_path, name, keep):
    path = _cut(tmp_path, name, keep)
    for read in (read_header, read_image):
        with pytest.raises(ImageReadError) as exc:
            read(path)
        assert exc.value.reason.startswith("truncated or corrupt image data"), exc.value.reason
        assert "compressed" in exc.value.reason and "cut short" in exc.value.reason


@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "SC_rgb_rle_2frame.dcm", "examples_ybr_color.dcm",
                                  "JPEG2000-embedded-sequence-delimiter.dcm"])
def test_whole_compressed_files_pass_the_check(name):
    """(a delimiter's bytes inside a fragment, as in the last file, end no walk early)"""
    path = pydicom.data.get_testdata_file(name, download=False)
    meta = read_header(path)
    assert meta.width > 0 and meta.frames >= 1


def test_a_cut_deflated_file_is_truncated_not_a_zlib_error(tmp_path):
    path = _cut(tmp_path, "image_dfl.dcm", 0.97)
    for read in (read_header, read_image):
        with pytest.raises(ImageReadError) as exc:
            read(path)
        assert exc.value.reason.startswith("truncated or corrupt image data"), exc.value.reason


def test_the_export_skips_cut_files_and_writes_the_rest(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    _cut(folder, "image_dfl.dcm", 0.97, "deflated.dcm")
    _cut(folder, "MR_small_RLE.dcm", 0.97, "mr_rle.dcm")
    shutil.copyfile(pydicom.data.get_testdata_file("MR_small.dcm", download=False), folder / "mr.dcm")
    p = open_scanned(folder)
    try:
        p.read_headers()
        report = export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    written = sorted((tmp_path / "out").rglob("*.dcm"))
    assert len(written) == 1, written
    ds = pydicom.dcmread(written[0])
    assert ds.Rows == 64 and len(ds.PixelData) == 64 * 64 * 2
    unread = [w for w in report.warnings if "the index could not read it" in w]
    assert len(unread) == 2, report.warnings
