"""A label renamed or removed in the window while another writer holds the project: it
waits the window's short wait (not the batch jobs' 15 s, the window frozen meanwhile),
then says nothing was changed, in words (it showed the raw SQL error)."""
from __future__ import annotations

import sqlite3

import pytest

from qthelpers import open_and_index, write_waits

from llmvis_desktop.core import project as project_mod
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng


@pytest.mark.parametrize("how", ["rename", "remove"])
def test_a_label_change_while_another_writer_holds_the_database_waits_briefly(
        qtbot, window, labelled_folder, monkeypatch, how):
    monkeypatch.setattr(eng, "INTERACTIVE_WAIT_MS", 200)
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    waits = write_waits(project)  # the busy timeout each write of the window began with

    errors = []
    monkeypatch.setattr(win, "show_error", lambda text, *a, **k: errors.append(text))
    other = sqlite3.connect(project.db_url[len("sqlite:///"):], timeout=0.1)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        if how == "rename":
            win.panel_ctl.labels.renameRequested.emit("dent", "dent-x")
        else:
            win.panel_ctl.labels.removeRequested.emit("dent")
        qtbot.waitUntil(lambda: bool(errors), timeout=5000)  # (run off the GUI thread)
        assert waits and set(waits) == {200}  # the short wait, not 15 s
        doing = "Renaming" if how == "rename" else "Removing"
        assert errors == [f"{doing} \u201cdent\u201d was refused. The project database is locked: another program "
                          "or job is writing to it. Nothing was changed; try again in a moment."]
    finally:
        other.rollback()
        other.close()
    with Project.open(labelled_folder) as p:
        assert "dent" in {d.name for d in p.labels()}
    # the writer done: the same change goes through
    errors.clear()
    if how == "rename":
        win.panel_ctl.labels.renameRequested.emit("dent", "dent-x")
    else:
        win.panel_ctl.labels.removeRequested.emit("dent")
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=5000)
    assert errors == []
    with Project.open(labelled_folder) as p:
        assert "dent" not in {d.name for d in p.labels()}


def test_the_window_opens_its_project_as_its_reviewer(qtbot, window, labelled_folder, monkeypatch):
    """A teammate told who holds a lock was told the configuration file's reviewer (or the
    user name), not the window's reviewer (PostgreSQL's application name)."""
    seen = []
    real = project_mod.Project.open.__func__

    def spy(cls, *args, **kwargs):
        seen.append(kwargs.get("who"))
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(project_mod.Project, "open", classmethod(spy))
    open_and_index(qtbot, window, labelled_folder)
    assert seen == ["tester"]
