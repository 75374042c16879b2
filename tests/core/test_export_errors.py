"""Exports and imports that meet an unreadable source image or a full disk.

One source image that could not be opened (permission denied) aborted the whole yolo /
jsonl export with "[Errno 13] Permission denied: '.../b.png'"; a full disk gave
"[Errno 28] No space left on device" with no path (jsonl), raw Python text naming the
source and the hidden staging folder (yolo), or claimed sidecars were kept that had
been removed with the staging folder (txt); an import on a full disk said "failed:
OperationalError: ..." and named no database file.
"""
from __future__ import annotations

import builtins
import errno
import shutil
import sqlite3

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.interchange.files import WriteError

from interchange_helpers import annotate, make_files, open_scanned

DENIED = "img1.png"


def _deny(monkeypatch, name: str = DENIED) -> None:
    """Opening the source image ``name`` for reading fails as a mode-000 file does for a
    user without root's capabilities (the test may run as root: chmod would not do)."""
    real_open = builtins.open

    def opening(path, mode="r", *a, **k):
        if str(path).endswith("/" + name) and "imgs" in str(path) and "w" not in mode:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(builtins, "open", opening)


@pytest.mark.parametrize("fmt", ["yolo", "jsonl"])
@pytest.mark.parametrize("link", [False, True])
def test_an_unreadable_source_image_is_skipped_with_a_warning(proj, tmp_path, monkeypatch, fmt, link):
    out = tmp_path / f"out_{fmt}"
    _deny(monkeypatch)
    report = export_project(proj, fmt, out, ExportOptions(link=link))
    monkeypatch.undo()
    assert f"{DENIED}: permission denied, not copied" in report.warnings, report.warnings
    names = {p.name for p in out.rglob("*.png")}
    assert DENIED not in names and "img0.png" in names  # the others are exported
    if fmt == "jsonl":
        assert DENIED not in "".join(p.read_text() for p in out.rglob("metadata.jsonl"))


def test_the_cli_export_warns_of_an_unreadable_source_and_goes_on(proj, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    _deny(monkeypatch)
    code = main(["export", str(proj.root), "--format", "jsonl", "--out", str(out)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"warning: {DENIED}: permission denied, not copied" in err.splitlines()
    assert "Errno" not in err
