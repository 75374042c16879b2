"""Names that are not valid UTF-8: left out and reported, never the whole index failed."""
import os
import shutil

import pytest
from PIL import Image

from llmvis_desktop.core.project import Project, ProjectError


def _bad(folder, name: bytes) -> bytes:
    """``folder/name`` as bytes; skips the test where the file system refuses such names."""
    path = os.fsencode(folder) + b"/" + name
    try:
        os.mkdir(path + b".probe")
        os.rmdir(path + b".probe")
    except (OSError, ValueError):
        pytest.skip("this file system refuses names that are not UTF-8")
    return path


def test_a_name_that_is_not_utf8_is_left_out_and_the_rest_indexed(tmp_path):
    Image.new("RGB", (8, 6)).save(tmp_path / "ok.png")
    shutil.copy(tmp_path / "ok.png", _bad(tmp_path, b"bad\xff.png"))
    os.mkdir(_bad(tmp_path, b"dir\xfe"))
    shutil.copy(tmp_path / "ok.png", os.fsencode(tmp_path) + b"/dir\xfe/inside.png")
    (tmp_path / "sub").mkdir()
    shutil.copy(tmp_path / "ok.png", tmp_path / "sub" / "fine.png")
    for _ in range(2):  # and again: the rerun fails neither
        with Project.open(tmp_path) as p:
            result = p.index()
            assert sorted(r.relpath for r in p.images(p.image_ids())) == ["ok.png", "sub/fine.png"]
            assert p.counts_by_status().get("error", 0) == 0
        (skipped,) = result.skipped
        assert skipped.count == 2
        assert sorted(skipped.examples) == ["bad\\xff.png", "dir\\xfe"]  # printable, as typed back
        assert "not valid UTF-8" in skipped.reason and "rename" in skipped.reason
        line = result.skipped_lines()[0]
        line.encode("utf-8")  # a terminal or the status bar can show it


def test_a_project_folder_whose_path_is_not_utf8_is_a_clear_error(tmp_path):
    root = _bad(tmp_path, b"proj\xff")
    os.mkdir(root)
    with pytest.raises(ProjectError) as err:
        Project.open(os.fsdecode(root))
    text = str(err.value)
    text.encode("utf-8")
    assert "proj\\xff" in text and "not valid UTF-8" in text
