"""An exported CSV opened and saved again in a spreadsheet whose locale writes a comma as
the decimal mark (Excel in German, French, Italian...) comes back with semicolons between
its fields: its import was refused, "no 'file_name' column in the header
['file_name;labels;caption;...']". The separator is now told from the header (a comma,
else the semicolon or tab that makes ``file_name`` a column), and the file imports as the
comma one does: captions with semicolons, quotes and line breaks, ``;``-separated labels."""
from __future__ import annotations

import csv

import pytest

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, export_project, import_file

from interchange_helpers import copy_files, open_scanned, state


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_csv_saved_with_another_separator_imports_as_the_comma_one(proj, tmp_path, sep):
    out = tmp_path / "team.csv"
    export_project(proj, "csv", out, ExportOptions(include_suggestions=True, anonymize=False))
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert any(";" in cell for row in rows for cell in row)  # labels and a caption hold the separator
    resaved = tmp_path / "resaved.csv"
    with open(resaved, "w", encoding="utf-8-sig", newline="") as fh:  # as Excel's "CSV UTF-8" saves it
        csv.writer(fh, delimiter=sep, lineterminator="\r\n").writerows(rows)
    resaved.with_name("resaved.labels.txt").write_bytes(out.with_name("team.labels.txt").read_bytes())

    want = open_scanned(copy_files(proj.root, tmp_path / "a"))
    got = open_scanned(copy_files(proj.root, tmp_path / "b"))
    try:
        import_file(want, "csv", out)
        report = import_file(got, "csv", resaved)
        assert not report.unmatched and not report.conflicts and report.matched == len(rows) - 1, report.summary()
        assert state(got) == state(want)
        assert [lbl.name for lbl in got.labels()] == [lbl.name for lbl in want.labels()]
    finally:
        want.close()
        got.close()


def test_a_header_with_no_file_name_column_is_still_refused(small, tmp_path):
    project, _ids = small
    path = tmp_path / "x.csv"
    path.write_text("name;labels\nimg1.png;a\n", encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"x.csv line 1: no 'file_name' column"):
        import_file(project, "csv", path)
