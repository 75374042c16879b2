"""Qt test set-up: offscreen platform, isolated config/data/cache dirs, sample folders.

The platform must be chosen before any QApplication exists, hence at import time.
"""
from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from qthelpers import make_images  # noqa: E402,F401

SHOTS = Path(__file__).resolve().parents[2] / "shots"
LABELS = [("scratch", "#e6194b"), ("dent", "#4363d8"), ("crack", "#f58231"), ("ok", "#3cb44b")]


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path):
    """A patcher of its own, not the test's ``monkeypatch``: a test that calls
    ``monkeypatch.undo()`` (a database "back" after an outage) undid these too, and the
    window's config saves after it went to the real ~/.config/llmvis_desktop/config.json
    (reviewer "tester", a pytest folder as the last project: the developer's next
    ``llmvis`` command recorded its changes as "tester")."""
    with pytest.MonkeyPatch.context() as mp:
        for kind in ("config", "data", "cache", "log"):
            d = tmp_path / f"_{kind}"
            d.mkdir()
            mp.setenv(f"LLMVIS_{kind.upper()}_DIR", str(d))
        # QSettings (window geometry, dock layout) too; Qt caches its path, so set it
        from PySide6.QtCore import QSettings

        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "_qsettings"))
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path / "_xdg"))
        yield


@pytest.fixture(autouse=True)
def review_writes_awaited():
    """Enter and Delete write on the review writer's thread and the window waits for the
    write only briefly (``review_writes.WRITE_WAIT_S``): a test checking the database right
    after the key would race it on a loaded machine. Here the window waits for the write's
    end (its event, not a sleep), so the result is handled by the same code as a fast
    SQLite write; the tests of the background path (test_review_writes.py) set 0.
    A patcher of its own, not the test's ``monkeypatch``: a test that calls
    ``monkeypatch.undo()`` to end its own patches (a database "back" after an outage) had
    this undone too, and its next write raced the check after it (test_keep_note_undo
    failed 2 runs in 4 on a loaded machine)."""
    from llmvis_desktop.qt import review_writes

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(review_writes, "WRITE_WAIT_S", None)
        mp.setattr(review_writes, "WRITE_WAIT_SERVER_S", None)
        yield


@pytest.fixture(autouse=True)
def cards_awaited():
    """A move shows the image's suggestion cards at once when their read (off the GUI
    thread) answers within ``suggestion_actions.CARDS_WAIT_S`` (30 ms), else "Loading
    suggestions…" until it does: a test checking the panel right after a move passed or
    failed with the machine's load (7 tests failed with reads made 80 ms slow:
    /tmp/hunt-htests4/slow_cards.py). Here a move waits for the read's end (its event,
    not a sleep), so the cards are shown by the same code as a fast SQLite read; the
    tests of the loading path (test_cards_off_thread.py) set the real waits back."""
    from llmvis_desktop.qt import suggestion_actions

    with pytest.MonkeyPatch.context() as mp:  # (not ``monkeypatch``: see review_writes_awaited)
        mp.setattr(suggestion_actions, "CARDS_WAIT_S", suggestion_actions.CARDS_AWAIT_S)
        mp.setattr(suggestion_actions, "CARDS_GLANCE_S", suggestion_actions.CARDS_AWAIT_S)
        yield


@pytest.fixture(autouse=True)
def next_awaited():
    """N moves at once when the unreviewed ids (read off the GUI thread) come within
    ``review_next.NEXT_WAIT_S`` (30 ms), else when they come: a test checking the row
    right after N raced it (test_review_flow::test_next_unreviewed_and_filter failed with
    the read made 80 ms slow: /tmp/hunt-htests4/slow_next.py). Here N waits for the
    read's end (its event); test_next_unreviewed_off_thread.py sets the real wait back."""
    from llmvis_desktop.qt import review_next

    with pytest.MonkeyPatch.context() as mp:  # (not ``monkeypatch``: see review_writes_awaited)
        mp.setattr(review_next, "NEXT_WAIT_S", 15.0)
        yield


@pytest.fixture
def image_folder(tmp_path) -> Path:
    folder = tmp_path / "images"
    make_images(folder)
    return folder


@pytest.fixture
def labelled_folder(image_folder) -> Path:
    """The sample folder with a taxonomy already in its database."""
    from llmvis_desktop.core.project import Project

    with Project.open(image_folder) as p:
        for name, color in LABELS:
            p.add_label(name, color=color)
    return image_folder


@pytest.fixture
def config():
    from llmvis_desktop.core.config import Config

    return Config(reviewer="tester", thumbnail_size=96)


@pytest.fixture
def window(qtbot, config):
    """The real main window (welcome page attached), torn down with every thread joined."""
    from llmvis_desktop.qt.app import build_window

    win = build_window(config=config)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    win.shutdown()
    assert win.jobs.pool.activeThreadCount() == 0
    assert win.thumbs.pool.activeThreadCount() == 0


@pytest.fixture
def viewer(qtbot):
    """A lone image viewer, 640x480, shown; its window/level renderer stopped after."""
    from llmvis_desktop.qt.widgets.viewer import ImageViewer

    v = ImageViewer()
    qtbot.addWidget(v)
    v.resize(640, 480)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


@pytest.fixture
def shots_dir() -> Path:
    SHOTS.mkdir(exist_ok=True)
    return SHOTS


@pytest.fixture
def gated(monkeypatch):
    """(gate, names): the window's reads of a file whose name is in ``names`` wait for
    ``gate`` (a slow read: the viewer is still on the last image meanwhile)."""
    import threading

    from llmvis_desktop.qt import image_shown as mw

    gate, names = threading.Event(), set()
    real = mw._read_image

    def slow(path, *rest):
        if str(path).rsplit("/", 1)[-1] in names:
            gate.wait(20)
        return real(path, *rest)

    monkeypatch.setattr(mw, "_read_image", slow)
    yield gate, names
    gate.set()  # never leave the loader thread waiting
