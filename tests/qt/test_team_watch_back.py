"""The team's database server gone and back, as the window's watch for teammates' changes
sees it: the line named the driver's reason inside a second wording of the same thing
("cannot be reached (the connection to the database server failed (...); try again when
it can )", cut at 200 characters mid-word), and when the server was back nothing said so:
the line had gone after 15 s, and the reviewer could not tell an outage still going on
from one over."""
from __future__ import annotations

import psycopg
from sqlalchemy.exc import OperationalError

from qthelpers import PG_GONE_REASON, open_and_index

REASON = PG_GONE_REASON


def test_the_server_gone_and_back_is_said_plainly(qtbot, window, image_folder, monkeypatch):
    project = open_and_index(qtbot, window, image_folder)
    watch = window.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)
    real = project.events_since

    def down(*args):
        raise OperationalError(None, None, psycopg.OperationalError(REASON + "\n\tIs the server running?"))

    monkeypatch.setattr(project, "events_since", down)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: "cannot be reached" in bar.currentMessage(), timeout=10000)
    assert bar.currentMessage() == (f"The project database cannot be reached ({REASON}); other reviewers' "
                                    f"changes will show when it can")
    bar.clearMessage()
    monkeypatch.setattr(project, "events_since", real)  # the server is back
    qtbot.waitUntil(lambda: not watch._failing, timeout=10000)
    assert bar.currentMessage() == "The project database can be reached again"
