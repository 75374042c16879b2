"""A change of the label list refused (a teammate holds the taxonomy lock, the name is
taken, the database is locked) says which change and which label: the window's message
was the lock's words alone ("Ana is importing labels; nothing was changed: ..."), the
user left to guess which of their changes it meant."""
from __future__ import annotations

import pytest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.taxonomy_lock import TaxonomyTaken

TAKEN = "Ana is importing labels; nothing was changed: rename it again when it has finished."


@pytest.fixture
def refused(qtbot, window, labelled_folder, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    errors = []
    monkeypatch.setattr(win, "show_error", lambda text, *a, **k: errors.append(text))
    return win, errors


def test_a_change_refused_for_the_taxonomy_lock_names_the_label(qtbot, refused, monkeypatch):
    win, errors = refused

    def held(self, *args, **kwargs):
        raise TaxonomyTaken(TAKEN)

    monkeypatch.setattr(Project, "update_label", held)
    win.panel_ctl.labels.renameRequested.emit("dent", "dent-x")
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == [f"Renaming \u201cdent\u201d was refused. {TAKEN}"]
    assert win.panel_ctl.labels.chip("dent") is not None and win.panel_ctl.taxonomy_running is None


def test_a_name_taken_is_refused_naming_both_labels(qtbot, refused):
    win, errors = refused
    win.panel_ctl.labels.renameRequested.emit("dent", "scratch")
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == ["Renaming \u201cdent\u201d was refused. Label 'scratch' already exists"]
    win.panel_ctl.labels.addRequested.emit("dent", "")
    qtbot.waitUntil(lambda: len(errors) == 2, timeout=5000)
    assert errors[1] == "Adding \u201cdent\u201d was refused. Label 'dent' already exists"
    assert {d.name for d in win.project.labels()} >= {"dent", "scratch"}
