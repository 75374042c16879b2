"""A DICOM file damaged after it was indexed (its copy was still running, or it was copied
again and stopped part-way) is skipped by a de-identifying export, named in a warning,
and the rest is exported.

A deflated one failed the whole export with zlib's words and no file named ("llmvis
export: failed: error: Error -5 while decompressing data"); a compressed one, which pydicom
reads as an empty dataset, was written as a "de-identified" DICOM of three attributes, no
rows and no pixels, and listed in metadata.jsonl as a training image."""
from __future__ import annotations

import json
import shutil

import pydicom
import pydicom.data

from llmvis_desktop.core.interchange import export_project

from interchange_helpers import open_scanned


def _testdata(name: str) -> str:
    return pydicom.data.get_testdata_file(name, download=False)


def test_files_cut_after_indexing_are_skipped_and_named(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    for name, as_name in (("MR_small_RLE.dcm", "rle.dcm"), ("image_dfl.dcm", "deflated.dcm"),
                          ("CT_small.dcm", "ct.dcm")):
        shutil.copyfile(_testdata(name), folder / as_name)
    p = open_scanned(folder)
    try:
        p.read_headers()
        assert p.counts_by_status().get("error", 0) == 0
        for name in ("rle.dcm", "deflated.dcm"):  # cut short since
            data = (folder / name).read_bytes()
            (folder / name).write_bytes(data[:len(data) * 2 // 3])
        report = export_project(p, "jsonl", tmp_path / "out")
    finally:
        p.close()
    written = sorted((tmp_path / "out").rglob("*.dcm"))
    assert len(written) == 1, written
    ds = pydicom.dcmread(written[0])
    assert ds.Rows == 128 and len(ds.PixelData) == 128 * 128 * 2
    rows = [json.loads(line) for meta in (tmp_path / "out").rglob("metadata.jsonl")
            for line in meta.read_text().splitlines()]
    assert [r["file_name"] for r in rows] == [written[0].relative_to(written[0].parents[1]).as_posix()]
    skipped = [w for w in report.warnings if "not exported" in w and "could not be read" in w]
    assert len(skipped) == 2, report.warnings
    assert all(w.startswith("anon/") for w in skipped), skipped  # its neutral name, not its path
