"""The grid's rows after the database was gone a moment: a window of rows whose read
failed (the team's server stopped while a job's progress re-read the grid) was read again
only when the view painted it again, and nothing made it paint: after the server was back
the grid stayed grey placeholders with no names until the reviewer scrolled or hovered
over it ("The project database can be reached again" meanwhile; /tmp/hunt-hteam3/jobcut.py,
jobcut-1.png, 4 s after the server came back). A failed read is now tried again a moment
later while its rows are on screen."""
from __future__ import annotations

from qthelpers import Emissions, open_and_index

from llmvis_desktop.qt.models import grid_model


def test_rows_whose_read_failed_are_read_again_when_the_database_answers(qtbot, window, image_folder,
                                                                         monkeypatch):
    monkeypatch.setattr(grid_model, "RETRY_MS", 50)
    win = window
    project = open_and_index(qtbot, win, image_folder)
    model = win.model
    qtbot.waitUntil(lambda: 0 in model._windows, timeout=10000)
    real = project.images
    down = {"on": True, "calls": 0}

    def images(ids):
        if down["on"]:
            down["calls"] += 1
            raise OSError('connection is bad: connection to server on socket "/tmp/.s.PGSQL.5432" failed')
        return real(ids)

    monkeypatch.setattr(project, "images", images)
    with Emissions(model._fetch_signals.fetched) as fetched:
        model.refresh_all()  # (a job's progress, a teammate's many changes): the rows are read again...
        win.grid.viewport().repaint()  # ...when painted: the server is gone
        qtbot.waitUntil(lambda: bool(fetched), timeout=10000)
    # (its rows stay drawn as they were, marked stale, until read again)
    assert down["calls"] >= 1 and (0 not in model._windows or 0 in model._stale)
    down["on"] = False  # the server is back; nobody touches the window
    qtbot.waitUntil(lambda: 0 in model._windows and 0 not in model._stale, timeout=10000)
    assert model.cached_record(0) is not None
