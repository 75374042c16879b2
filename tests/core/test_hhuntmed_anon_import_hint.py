"""A de-identified export (the default for DICOM: ``anon/<hex>.dcm`` names, keyed by the
exporting project's secret) imported into another project matched none of its DICOM
records and said only "13 record(s) name no image of this project (e.g. anon/...)"
(/tmp/hunt-hhuntmed: a study exported to CSV and imported into a teammate's fresh
project of the same files; the TIFFs came back, every DICOM annotation silently not).
It now says why and what to do: only the exporting project maps those names back, an
export with --keep-dicom-identifiers carries them to another project."""
from __future__ import annotations

import shutil

import pytest

from llmvis_desktop.core.interchange import InterchangeError, export_project, import_file

from interchange_helpers import ct_small, make_files, open_scanned

HINT = "de-identified DICOM name"


def _study(folder):
    make_files(folder)
    (folder / "series").mkdir()
    shutil.copy(ct_small(), folder / "series" / "ct.dcm")
    return folder


def test_an_anonymized_export_into_another_project_says_why_its_dicom_names_match_nothing(tmp_path):
    src = _study(tmp_path / "a")
    with open_scanned(src) as p:
        [ct] = [r.id for r in p.images(p.image_ids()) if r.relpath == "series/ct.dcm"]
        [png] = [r.id for r in p.images(p.image_ids()) if r.relpath == "img0.png"]
        p.add_label("normal")
        for image_id in (ct, png):
            p.set_labels(image_id, ["normal"], "dr_a")
        export_project(p, "csv", tmp_path / "out.csv")
    other = _study(tmp_path / "b")
    with open_scanned(other) as p:
        report = import_file(p, "csv", tmp_path / "out.csv")
    said = " ".join(report.warnings)
    assert "2 record(s) name no image of this project" in said
    assert f"2 of them are {HINT}s" in said and "--keep-dicom-identifiers" in said, said


def test_an_all_dicom_anonymized_export_into_another_project_is_refused_saying_why(tmp_path):
    src = tmp_path / "a"
    (src / "series").mkdir(parents=True)
    shutil.copy(ct_small(), src / "series" / "ct.dcm")
    with open_scanned(src) as p:
        p.add_label("normal")
        p.set_labels(p.image_ids()[0], ["normal"], "dr_a")
        export_project(p, "csv", tmp_path / "out.csv")
    other = tmp_path / "b"
    shutil.copytree(src / "series", other / "series")
    with open_scanned(other) as p, pytest.raises(InterchangeError) as refused:
        import_file(p, "csv", tmp_path / "out.csv")
    assert HINT in str(refused.value) and "--keep-dicom-identifiers" in str(refused.value), refused.value
