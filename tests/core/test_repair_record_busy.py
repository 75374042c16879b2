"""A repair whose record could not be written (another process holding the project
database's write lock past the busy timeout) failed with "the database is busy ... try
again", yet left its output and mask in repaired/: an unrecorded synthetic image that the
next index listed as an ordinary image (exported with no derived_from), and the retry
the user was told to make wrote NAME.repaired-2.png beside it."""
import sqlite3

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair.apply import repair_file
from llmvis_desktop.core.store import engine as engine_mod


def test_a_repair_that_cannot_be_recorded_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_mod, "SQLITE_BUSY_TIMEOUT_MS", 100)  # the wait, short
    root = tmp_path / "lot"
    root.mkdir()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(root / "a.png")
    mask = np.zeros((24, 32), bool)
    mask[8:14, 10:20] = True
    with Project.open(root) as p:
        p.index()
        other = sqlite3.connect(root / ".llmvis" / "project.sqlite", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer (an import, an index)
            other.execute("UPDATE images SET caption = 'x'")
            with pytest.raises(Exception, match="(?i)locked|busy"):
                repair_file(root / "a.png", mask, method="telea", project=p, actor="tester")
        finally:
            other.execute("ROLLBACK")
            other.close()
        left = sorted(f.relative_to(root).as_posix() for f in root.rglob("*") if f.is_file()
                      and ".llmvis" not in f.parts)
        assert left == ["a.png"]
        assert p.repairs(p.image_by_path("a.png").id) == []
        res = repair_file(root / "a.png", mask, method="telea", project=p, actor="tester")  # the retry
        assert res.output_path == root / "repaired" / "a.repaired.png" and res.repair_id is not None
