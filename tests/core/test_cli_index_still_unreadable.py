"""`llmvis index` counted a file read again that failed again the same way (still locked,
a DICOM still without a decoder) among its "headers read": a second index of an unchanged
folder with one locked file said "1 headers read", as if something had been read. Now the
headers read are those read to a new result, and the files failing again as before are
said apart, by name and why: "1 still unreadable (permission denied): locked.png" (text),
"still_unreadable" and "still_unreadable_files" (--json)."""
from __future__ import annotations

import json

import pytest
from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core.imaging import reader
from llmvis_desktop.core.imaging.errors import ImageReadError


@pytest.fixture
def locked(tmp_path, monkeypatch):
    """A folder of a.png and locked.png, the latter denied to the header reader."""
    for name in ("a.png", "locked.png"):
        Image.new("RGB", (8, 6), (40, 80, 120)).save(tmp_path / name)
    real = reader.read_header

    def read_header(path, *a, **k):
        if str(path).endswith("locked.png"):
            raise ImageReadError(path, "permission denied")
        return real(path, *a, **k)

    monkeypatch.setattr(reader, "read_header", read_header)
    return tmp_path


def test_index_says_a_file_still_unreadable_apart(locked, capsys):
    assert main(["index", str(locked), "--quiet"]) == 0
    first = capsys.readouterr().out
    assert "2 headers read" in first and "still unreadable" not in first, first  # (new: not "as before")
    assert main(["index", str(locked), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "0 headers read" in lines[0], lines
    assert "1 still unreadable (permission denied): locked.png" in lines, lines


def test_index_json_says_a_file_still_unreadable_apart(locked, capsys):
    assert main(["index", str(locked), "--quiet", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["headers_read"], first["still_unreadable"], first["still_unreadable_files"]) == (2, 0, [])
    assert main(["index", str(locked), "--quiet", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["headers_read"], again["still_unreadable"]) == (0, 1), again
    assert again["still_unreadable_files"] == [{"path": "locked.png", "error": "permission denied"}]
    assert again["errors"] == 1
