"""`llmvis suggest` whose batch waited its limit for a database another process held said
"llmvis suggest: failed: OperationalError: the project database is busy: ...": a type name
no other command prints, and no file named. Its stages now wait for such a lock and go
on, naming the file: the model's batches (test_h4_suggest_waits_for_busy_db) and, here,
the index before them, which has a file added since the last index to write. Held by a
real other process (its lock on the file), with the wait made short."""
from __future__ import annotations

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from db_holder import cli_while_held

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng


def test_the_index_before_suggest_waits_for_a_busy_database_naming_it(tiny, tmp_path, monkeypatch):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    tiny_models.labelled_project(folder, ("scratch", "dent")).close()
    db = folder.resolve() / ".llmvis" / "project.sqlite"
    tiny_models.image_folder(tmp_path / "more", 1)
    (tmp_path / "more" / "img000.png").rename(folder / "new.png")  # the index has one to write
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 200)
    lines = cli_while_held(["suggest", str(folder), "--captioner", str(tiny["blip"])], db, monkeypatch, stage="scan",
                           who="the index")
    assert not any("failed" in ln or "OperationalError" in ln for ln in lines), lines
    with Project.open(folder) as p:  # the new file indexed, and every image given its caption
        assert len(p.image_ids()) == 3
        assert all(any(s.kind == "caption" for s in p.suggestions(i)) for i in p.image_ids())
