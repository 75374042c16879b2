"""A change of the label list (a rename, a removal, a label added) made while the team's
server was gone said the driver's raw text: 'Renaming “corrosion” was refused.
(psycopg.OperationalError) connection is bad: connection to server on socket ... failed:
No such file or directory\\n\\tIs the server running locally ...\\n(Background on this
error at: https://sqlalche.me/e/21/e3q8)', not that nothing was changed or what to do, as
a review action refused so says (/tmp/hunt-hteam3/renamecut.py). It now says it as they
do: "The project database cannot be reached. Nothing was changed; try again when it is
back." with the driver's first line."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project

GONE = ('connection is bad: connection to server on socket "/tmp/pg/.s.PGSQL.5432" failed: No such file or '
        'directory\n\tIs the server running locally and accepting connections on that socket?')


@pytest.mark.parametrize("change", ["rename", "remove", "add"])
def test_a_label_change_with_the_server_gone_says_nothing_was_changed(qtbot, window, labelled_folder,
                                                                      monkeypatch, change):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    errors = []
    monkeypatch.setattr(win, "show_error", lambda text, *a, **k: errors.append(text))

    def gone(self, *args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception(GONE))

    for name in ("update_label", "remove_label", "add_label"):
        monkeypatch.setattr(Project, name, gone)
    labels = win.panel_ctl.labels
    if change == "rename":
        labels.renameRequested.emit("dent", "dent mark")
        what = "Renaming \u201cdent\u201d"
    elif change == "remove":
        win.panel_ctl._remove_label("dent")
        what = "Removing \u201cdent\u201d"
    else:
        labels.addRequested.emit("rust", "")
        what = "Adding \u201crust\u201d"
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors[0].startswith(f"{what} was refused. The project database cannot be reached. Nothing was "
                                "changed; try again when it is back. (connection is bad:"), errors
    assert "Background on this error" not in errors[0] and "\n" not in errors[0]
    assert win.panel_ctl.taxonomy_running is None
