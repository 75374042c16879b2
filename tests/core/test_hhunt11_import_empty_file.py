"""Importing an empty COCO, Label Studio or CVAT file (an export that never finished
writing, a file made by mistake) said "not valid JSON at line 1, column 1: Expecting
value" or "malformed XML at line 1, column 0", as if the file held something broken; a
CSV import already said "empty file". Each now says the file is empty, naming it."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("fmt,name,content", [
    ("coco", "labels.json", b""),
    ("labelstudio", "tasks.json", b"\n  \n"),
    ("cvat", "annotations.xml", b""),
])
def test_an_empty_import_file_is_called_empty(small, tmp_path, capsys, fmt, name, content):
    from llmvis_desktop.cli import main

    project, _ids = small
    path = tmp_path / name
    path.write_bytes(content)
    code = main(["import", str(project.root), str(path), "--format", fmt])
    err = capsys.readouterr().err
    assert code == 1
    want = "empty file (0 bytes)" if not content else f"empty file (only white space, {len(content)} bytes)"
    assert f"{name}: {want}" in err, err
    assert "not valid JSON" not in err and "malformed XML" not in err
