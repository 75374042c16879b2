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


# --- a full disk under the export ------------------------------------------------------

NO_SPACE = "No space left on device"


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


class _ClosesFull:
    """A file whose buffered lines fail to reach the disk when it is closed (what
    hf_jsonl's fh.close() met on a tmpfs): the OSError names no file."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, text):
        return len(text)

    def close(self):
        self.fh.close()
        raise OSError(errno.ENOSPC, NO_SPACE)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _fill(monkeypatch, fmt: str) -> None:
    """The disk fills while ``fmt`` writes its output, in the way each format met it."""
    if fmt == "jsonl":
        real_open = builtins.open

        def opening(path, mode="r", *a, **k):
            fh = real_open(path, mode, *a, **k)
            return _ClosesFull(fh) if "w" in mode and str(path).endswith("metadata.jsonl") else fh

        monkeypatch.setattr(builtins, "open", opening)
    elif fmt == "yolo":  # shutil's sendfile names the source and the (hidden) copy
        real_copy = shutil.copyfile

        def copying(src, dst, *a, **k):
            if "img1" in str(src):
                raise OSError(errno.ENOSPC, NO_SPACE, str(src), None, str(dst))
            return real_copy(src, dst, *a, **k)

        monkeypatch.setattr(shutil, "copyfile", copying)
    else:  # txt, csv: the temporary file's write
        real_open = builtins.open

        def opening(path, mode="r", *a, **k):
            if "w" in mode and (str(path).endswith("img2.txt.part") or str(path).endswith(".csv.part")):
                raise OSError(errno.ENOSPC, NO_SPACE, str(path))
            return real_open(path, mode, *a, **k)

        monkeypatch.setattr(builtins, "open", opening)


@pytest.mark.parametrize("fmt", ["jsonl", "yolo", "txt"])
def test_a_folder_export_onto_a_full_disk_names_the_folder_and_keeps_nothing(proj, tmp_path, monkeypatch, fmt):
    out = tmp_path / "full" / f"o_{fmt}"
    out.parent.mkdir()
    _fill(monkeypatch, fmt)
    with pytest.raises(OSError) as info:
        export_project(proj, fmt, out)
    monkeypatch.undo()
    text = str(info.value)
    assert text == f"cannot write {out}: the disk is full ({NO_SPACE}); nothing was kept (what the export " \
                   f"had written was removed)", text
    assert info.value.errno == errno.ENOSPC
    assert not out.exists() and _leftovers(out.parent) == []


def test_a_sidecar_export_into_an_existing_folder_says_what_stays(proj, tmp_path, monkeypatch):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "notes.md").write_text("the dataset's own file")  # not empty: written in place
    _fill(monkeypatch, "txt")
    with pytest.raises(OSError) as info:
        export_project(proj, "txt", dataset)
    monkeypatch.undo()
    kept = sorted(p.name for p in dataset.glob("*.txt"))
    assert kept == ["img0.txt"]
    assert str(info.value) == (f"cannot write {dataset}: the disk is full ({NO_SPACE}); 1 sidecar(s) were "
                               f"written before it, each whole, and stay"), str(info.value)


def test_a_file_export_onto_a_full_disk_says_nothing_was_written(proj, tmp_path, monkeypatch):
    out = tmp_path / "x.csv"
    _fill(monkeypatch, "csv")
    with pytest.raises(OSError) as info:
        export_project(proj, "csv", out)
    monkeypatch.undo()
    assert str(info.value) == f"cannot write {out}: the disk is full ({NO_SPACE}); nothing was written"
    assert not out.exists()


def test_the_cli_says_a_full_disk_whole_however_deep_the_folder(proj, tmp_path, monkeypatch, capsys):
    """The message was cut at 500 characters: with a deep --out, before the reason."""
    deep = tmp_path.joinpath(*["d" * 60] * 10)
    deep.mkdir(parents=True)
    out = deep / "o_jsonl"
    _fill(monkeypatch, "jsonl")
    code = main(["export", str(proj.root), "--format", "jsonl", "--out", str(out)])
    monkeypatch.undo()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1] == (f"llmvis export: cannot write {out}: the disk is full ({NO_SPACE}); nothing was kept "
                       f"(what the export had written was removed)"), err


# --- a full disk under the project database during an import ----------------------------

def test_an_import_on_a_full_disk_names_the_database_file(proj, tmp_path, monkeypatch, capsys):
    """It said "failed: OperationalError: the disk holding the project database is full"
    (the exception's type, no file), where index and suggest name the file."""
    from sqlalchemy.exc import OperationalError

    import llmvis_desktop.core.interchange as interchange

    csv = tmp_path / "in.csv"
    csv.write_text("file_name,caption\nimg5.png,new caption\n")

    def full(*a, **k):
        raise OperationalError("UPDATE images ...", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(interchange, "apply_import", full)
    assert main(["import", str(proj.root), "--format", "csv", str(csv)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    db = proj.root.resolve() / ".llmvis" / "project.sqlite"
    assert err[-1] == (f"llmvis import: the disk holding {db} is full; nothing was saved; free some space there "
                       f"and try again (nothing was imported)"), err
