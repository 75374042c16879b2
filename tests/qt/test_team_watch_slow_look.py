"""A look for teammates' changes that takes longer than the time between two looks (a
slow server or network path, or a window thread holding Python's lock meanwhile) was
never shown: each tick of the watch's timer asked again while the look was under way,
and the worker delivers only the newest request's answer, so every answer arrived
already replaced and was dropped. The window then never said the database could not
be reached, nor that it could be reached again, and teammates' changes never showed up
(seen after a PostgreSQL restart, with the window's thread starving the look)."""
from __future__ import annotations

import threading

import psycopg
from sqlalchemy.exc import OperationalError

from qthelpers import PG_GONE_REASON, open_and_index

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project

REASON = PG_GONE_REASON


def test_looks_slower_than_the_interval_are_still_shown(qtbot, window, image_folder, monkeypatch):
    project = open_and_index(qtbot, window, image_folder)
    watch = window.team_watch
    watch.timer.setInterval(50)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)
    ticks = [0]
    watch.timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    state = {"down": True, "free": threading.Event()}
    real = project.events_since

    def slow(*args):  # each look ends only after the watch's timer ticked twice more
        seen = ticks[0]
        while ticks[0] < seen + 2 and not state["free"].wait(0.01):
            pass
        if state["down"]:
            raise OperationalError(None, None, psycopg.OperationalError(REASON))
        return real(*args)

    said = []
    window.statusBar().messageChanged.connect(said.append)
    monkeypatch.setattr(project, "events_since", slow)
    try:
        qtbot.waitUntil(lambda: any("cannot be reached" in m for m in said), timeout=15000)
        state["down"] = False  # the server is back, as slow
        current = window.review.current
        with Project.open(image_folder, project.db_url) as alice:
            ra.set_caption(alice, current.id, "seen after the outage", "alice")
        qtbot.waitUntil(lambda: any("alice changed 1 image" in m for m in said), timeout=15000)
        assert "The project database can be reached again" in said
        assert window.review.current.caption == "seen after the outage"
    finally:
        state["free"].set()
