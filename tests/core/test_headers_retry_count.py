"""`llmvis info` after a complete index said "(1 headers pending)" for good for a broken
symbolic link (its header is read again at every index, in case the link's target comes
back), while the index summary said every header was read."""
from __future__ import annotations

import os

from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project


def test_a_broken_link_is_counted_as_read_again_not_as_pending(tmp_path, capsys):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("RGB", (8, 6)).save(folder / "a.png")
    os.symlink(tmp_path / "gone" / "b.png", folder / "b.png")
    assert main(["index", str(folder), "-q"]) == 0
    with Project.open(folder) as p:
        info = p.info()
    assert info["headers_pending"] == 1 and info["headers_retry"] == 1  # (still read at each index)
    capsys.readouterr()
    assert main(["info", str(folder)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("images"))
    assert "0 headers pending" in line and "1 unreadable file read again at every index" in line, line
    (tmp_path / "gone").mkdir()
    Image.new("RGB", (8, 6)).save(tmp_path / "gone" / "b.png")  # the link's target is back
    assert main(["index", str(folder), "-q"]) == 0
    with Project.open(folder) as p:
        assert (p.info()["headers_pending"], p.info()["headers_retry"]) == (0, 0)
    capsys.readouterr()
    assert main(["info", str(folder)]) == 0
    assert "images    2 (0 headers pending)" in capsys.readouterr().out
