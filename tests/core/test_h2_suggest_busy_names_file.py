"""`llmvis suggest` whose batch waited its limit for a database another process held said
"llmvis suggest: failed: OperationalError: the project database is busy: ...": a type name
no other command prints, and no file named, where every other command says "llmvis CMD:
the project database /path/project.sqlite is busy: ..." (and --json's "error" the same).
Held by a real other process here (its lock on the file), with the wait made short.

(The model's batches now wait for such a lock and go on: test_h4_suggest_waits_for_busy_db.
The index stage before them still fails with the line: a file added since the last index
is a change it must write.)"""
from __future__ import annotations

import json

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from db_holder import Holder

from llmvis_desktop.cli import main
from llmvis_desktop.core.store import engine as eng


def test_a_busy_database_is_named_by_suggest(tiny, tmp_path, capsys, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    tiny_models.labelled_project(folder, ("scratch", "dent")).close()
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    tiny_models.image_folder(tmp_path / "more", 1)
    (tmp_path / "more" / "img000.png").rename(folder / "new.png")  # the index has one to write
    with Holder(db):
        monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)
        assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--json"]) == 1
        said = capsys.readouterr()
        err = said.err.strip().splitlines()[-1]
        assert err.startswith(f"llmvis suggest: the project database {db} is busy: another process"), err
        assert json.loads(said.out)["error"].startswith(f"the project database {db} is busy"), said.out
    assert main(["suggest", str(folder), "--captioner", str(tiny["blip"]), "--no-index"]) == 0  # free again
