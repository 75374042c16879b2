"""A repair of an image reached through a link the project follows (proj/shared ->
store/shared), dropped there after the last index: the save walked the whole project
again to find it (a long rescan in a large project). Now only its folder is listed when
an index listed that folder before; a folder never listed (a link the walk may not
follow) still takes the whole walk, so such a link is still refused."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair import apply as apply_mod

pytestmark = pytest.mark.skipif(os.sep != "/", reason="POSIX symbolic links")


def _png(path, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (32, 32, 3)).astype(np.uint8)).save(path)
    return path


def _spy(monkeypatch) -> list:
    from llmvis_desktop.core.imaging import scan as scan_mod

    listed, walk = [], scan_mod.walk_folders

    def spy(*a, **kw):
        for folder in walk(*a, **kw):
            listed.append(folder.relpath)
            yield folder

    monkeypatch.setattr("llmvis_desktop.core.index_listing.walk_folders", spy)
    return listed


def test_a_new_file_in_a_linked_folder_lists_that_folder_only(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    _png(root / "own.png")
    _png(root / "cam" / "c.png", 3)
    _png(tmp_path / "store" / "shared" / "s.png", 2)
    os.symlink(tmp_path / "store" / "shared", root / "shared")
    mask = np.zeros((32, 32), bool)
    mask[2:7, 2:7] = True
    with Project.open(root) as p:
        p.index()
        _png(tmp_path / "store" / "shared" / "new.png", 5)  # dropped after the index
        listed = _spy(monkeypatch)
        res = apply_mod.repair_file(root / "shared" / "new.png", mask, method="telea", project=p, actor="ann")
        assert "" not in listed and "cam" not in listed, listed  # (the whole project walked)
        assert set(listed) == {"shared", "shared/repaired"}
        src = p.image_by_path("shared/new.png")
        out = p.image_by_path("shared/repaired/new.repaired.png")
        assert src is not None and out is not None
        [rep] = p.repairs(src.id)
        assert rep.id == res.repair_id and rep.output_image_id == out.id


def test_a_folder_never_listed_still_takes_the_whole_walk(tmp_path, monkeypatch):
    """A second link to the same folder (the walk does not follow it): still refused."""
    root = tmp_path / "proj"
    _png(root / "own.png")
    _png(tmp_path / "store" / "shared" / "s.png", 2)
    os.symlink(tmp_path / "store" / "shared", root / "shared")
    with Project.open(root) as p:
        p.index()
        os.symlink(tmp_path / "store" / "shared", root / "again")
        listed = _spy(monkeypatch)
        mask = np.zeros((32, 32), bool)
        mask[2:7, 2:7] = True
        with pytest.raises(RepairError, match="not inside the project folder"):
            apply_mod.repair_file(root / "again" / "s.png", mask, method="telea", project=p)
        assert "" in listed  # the walk decides which links it follows
    assert not (tmp_path / "store" / "shared" / "repaired").exists()
