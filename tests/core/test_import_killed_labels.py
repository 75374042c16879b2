"""An import killed (kill -9) after it made its labels, before its rows committed, left
those labels in the taxonomy on no image, holding number keys; the README says the labels
of an import that fails are removed again. The import records them, in the transaction
that makes them, as provisional (project settings: host, pid, start time); the commit
clears the record; the next import or the next open of the project takes back those of
a gone process that nobody used meanwhile (hunt-crash: repro_import_labels.sh)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import llmvis_desktop
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project

REPO = Path(llmvis_desktop.__file__).resolve().parent.parent
KEY = "import_labels_in_progress"
ROWS = "file_name,labels,caption,status\nimg0.png,rust;crack,imported 0,reviewed\nimg1.png,crack,imported 1,reviewed\n"


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "imp.csv"
    path.write_text(ROWS)
    return path


def _killed_import(folder: Path, db_url, csv_path: Path) -> None:
    """An import in a child process that dies (os._exit, as kill -9: no cleanup) once its
    labels are made, while the rows are applied."""
    code = "\n".join([
        "import os, sys",
        "from llmvis_desktop.core.interchange import apply, import_file",
        "from llmvis_desktop.core.project import Project",
        "apply._apply = lambda *a, **k: os._exit(137)",
        f"p = Project.open({str(folder)!r}, {db_url!r})",
        f"import_file(p, 'csv', {str(csv_path)!r})",
    ])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 137, proc.stderr


def _names(p: Project) -> list[str]:
    return [lbl.name for lbl in p.labels()]


def _raw_labels(folder: Path, db_url) -> list[str]:
    """The label names in the database, read without Project.open (which takes them back)."""
    from sqlalchemy import create_engine, text

    from llmvis_desktop.core.store.engine import sqlite_url

    url = db_url or sqlite_url(folder / ".llmvis" / "project.sqlite")
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return sorted(c.execute(text("select name from labels")).scalars())
    finally:
        engine.dispose()


def test_a_killed_imports_labels_are_taken_back_when_the_project_opens(project, tmp_path):
    folder, url = project.root, project.store.engine.url.render_as_string(hide_password=False)
    url = None if url.startswith("sqlite") else url
    project.close()
    _killed_import(folder, url, _csv(tmp_path))
    assert _raw_labels(folder, url) == ["crack", "dent", "rust", "scratch"]  # what the kill left
    with Project.open(folder, url) as p:
        assert _names(p) == ["scratch", "dent"]
        assert KEY not in p.settings()
        assert sorted(lbl.shortcut for lbl in p.labels()) == ["1", "2"]
        report = import_file(p, "csv", _csv(tmp_path))  # run again: it makes them anew
        assert report.labels_created == 2 and _names(p) == ["scratch", "dent", "rust", "crack"]
        assert KEY not in p.settings()  # the commit cleared its record


def test_a_killed_imports_labels_are_taken_back_by_the_next_import(project, tmp_path, monkeypatch):
    from llmvis_desktop.core.store import provisional_labels as provisional

    folder, url = project.root, project.store.engine.url.render_as_string(hide_password=False)
    url = None if url.startswith("sqlite") else url
    project.close()
    monkeypatch.setattr(provisional, "take_back_abandoned", lambda p: [])  # not at open
    with Project.open(folder, url) as p:
        _killed_import(folder, url, _csv(tmp_path))
        assert _names(p) == ["scratch", "dent", "rust", "crack"]
        monkeypatch.undo()
        other = tmp_path / "other.csv"
        other.write_text("file_name,caption\nimg2.png,another\n")
        import_file(p, "csv", other)
        assert _names(p) == ["scratch", "dent"] and KEY not in p.settings()


@pytest.mark.parametrize("use", ["image", "suggestion", "rename", "key"])
def test_labels_used_since_the_kill_are_kept(png_folder, tmp_path, use):
    from llmvis_desktop.core.store.records import NewSuggestion

    with Project.open(png_folder) as p:
        p.scan()
        p.add_label("scratch")
    _killed_import(png_folder, None, _csv(tmp_path))
    from llmvis_desktop.core.store import provisional_labels as provisional

    real = provisional.take_back_abandoned
    provisional.take_back_abandoned = lambda p: []  # open without taking back, to use one first
    try:
        p = Project.open(png_folder)
    finally:
        provisional.take_back_abandoned = real
    with p:
        img = p.image_by_path("img2.png").id
        if use == "image":
            p.set_labels(img, ["rust"], "alice")
        elif use == "suggestion":
            p.add_suggestions([NewSuggestion(img, "label", "rust", "m1", 0.9, "r1", None)])
        elif use == "rename":
            p.update_label("rust", new_name="rust-red", actor="alice")
        else:
            p.update_label("rust", shortcut="7")
        removed = real(p.store)
        assert removed == ["crack"]
        assert "crack" not in _names(p) and ("rust-red" if use == "rename" else "rust") in _names(p)
        assert KEY not in p.settings()


def test_a_live_or_recent_other_host_import_is_left_alone(png_folder):
    from llmvis_desktop.core import owner
    from llmvis_desktop.core.store import provisional_labels as provisional

    with Project.open(png_folder) as p:
        p.scan()
        p.add_label("mine")
        p.add_label("theirs")
        p.add_label("old")
        with p.store.write() as s:
            lbl = {x.name: x.id for x in p.labels()}
            now = time.time()
            provisional.record(s, {**owner.this_process(), "file": "a.csv"}, [(lbl["mine"], "mine")])
            provisional.record(s, {"host": "elsewhere", "pid": 1, "started": now - 60, "file": "b.csv"},
                               [(lbl["theirs"], "theirs")])
            provisional.record(s, {"host": "elsewhere", "pid": 2, "started": now - owner.OTHER_HOST_AGE - 60,
                                   "file": "c.csv"}, [(lbl["old"], "old")])
        assert provisional.take_back_abandoned(p.store) == ["old"]
        assert _names(p) == ["mine", "theirs"]
        assert sorted(json.dumps(r["file"]) for r in p.settings()[KEY].values()) == ['"a.csv"', '"b.csv"']


def test_an_import_that_fails_in_process_clears_its_record(png_folder, tmp_path, monkeypatch):
    from llmvis_desktop.core.interchange import apply as apply_mod

    with Project.open(png_folder) as p:
        p.scan()

        def broken(*a, **k):
            raise RuntimeError("disk gone")

        monkeypatch.setattr(apply_mod, "_apply", broken)
        with pytest.raises(RuntimeError):
            import_file(p, "csv", _csv(tmp_path))
        assert _names(p) == [] and KEY not in p.settings()
