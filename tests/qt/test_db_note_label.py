"""The database note in the status bar (a read-only folder's database kept elsewhere, a
moved folder's old database named): a long note is cut in the label, whole in its
tooltip. As a plain label, the note naming a moved folder's database made the window's
minimum width about 4,800 px."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.core import project as project_mod


def test_a_long_database_note_does_not_widen_the_window(qtbot, window, image_folder, monkeypatch):
    note = "folder X is read-only; " + "the user data folder holds a database of a moved folder " * 20
    real_open = project_mod.Project.open.__func__

    def open_with_note(cls, *a, **k):
        p = real_open(cls, *a, **k)
        p.db_note = note
        return p

    monkeypatch.setattr(project_mod.Project, "open", classmethod(open_with_note))
    open_and_index(qtbot, window, image_folder)
    assert window.db_label.toolTip() == note
    assert window.db_label.text().endswith(note)
    assert window.minimumSizeHint().width() < 1280


def test_a_moved_folder_s_old_database_is_said_in_a_box(qtbot, window, image_folder, monkeypatch):
    """The note naming a moved read-only folder's old database was only in the status bar
    label (cut, its point at the end) and a 10-second message."""
    from llmvis_desktop.core.store.moved_copies import MOVED_MARK

    note = f"folder X is read-only; the project database is kept at Y; {MOVED_MARK} and whose files match X: Z"
    real_open = project_mod.Project.open.__func__

    def open_with_note(cls, *a, **k):
        p = real_open(cls, *a, **k)
        p.db_note = note
        return p

    monkeypatch.setattr(project_mod.Project, "open", classmethod(open_with_note))
    open_and_index(qtbot, window, image_folder)
    box = getattr(window, "notice_box", None)
    assert box is not None and box.isVisible() and MOVED_MARK in box.text() and "Z" in box.text()
