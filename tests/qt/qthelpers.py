"""Helpers shared by the Qt tests (a unique module name: tests/core has a conftest too)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def make_images(folder: Path, n: int = 12, size=(96, 72)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        sub = folder / ("a" if i % 2 == 0 else "b")
        sub.mkdir(exist_ok=True)
        h, w = size[1], size[0]
        y, x = np.mgrid[0:h, 0:w]
        base = np.dstack([(x * 255 // w), (y * 255 // h), np.full((h, w), (i * 37) % 255)]).astype(np.uint8)
        base[rng.integers(0, h, 40), rng.integers(0, w, 40)] = 255
        p = sub / f"img_{i:03d}.png"
        Image.fromarray(base).save(p)
        paths.append(p)
    return paths


def open_and_index(qtbot, win, folder, timeout=20000):
    with qtbot.waitSignal(win.index_finished, timeout=timeout) as blocker:
        assert win.open_project(folder)
    assert not isinstance(blocker.args[0], BaseException), blocker.args
    qtbot.waitUntil(lambda: win.model.rowCount() > 0, timeout=timeout)
    return win.project


def distinct_colors(img) -> int:
    """Number of distinct colours in a QImage/QPixmap (sampled)."""
    from PySide6.QtGui import QPixmap

    if isinstance(img, QPixmap):
        img = img.toImage()
    seen = set()
    step = max(1, min(img.width(), img.height()) // 80)
    for y in range(0, img.height(), step):
        for x in range(0, img.width(), step):
            seen.add(img.pixel(x, y))
    return len(seen)


def write_waits(project) -> list:
    """The busy timeout (ms) each of the project's SQLite writes begins with, appended as
    they begin (the window's short waits, or the long ones of a batch job)."""
    from sqlalchemy import event

    waits: list = []

    @event.listens_for(project.store.engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement, *_):
        if statement == "BEGIN IMMEDIATE":
            waits.append(conn.connection.dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0])

    return waits


def settle(qtbot, turns: int = 4, ms: int = 30) -> None:
    """A few turns of the event loop: docks and layouts size themselves on later turns."""
    from PySide6.QtWidgets import QApplication

    for _ in range(turns):
        QApplication.processEvents()
        qtbot.wait(ms)


def answers_delivered(*loaders, timeout_ms: int = 20000) -> None:
    """Each :class:`~llmvis_desktop.qt.workers.LatestOnly`'s thread is idle and the
    answers it posted were handled on the GUI thread (shown, or dropped as stale): what a
    fixed wait ("a late answer would have come by now") hoped for, as an event. On a
    loaded machine a late answer could come after such a wait, unchecked."""
    from PySide6.QtCore import QCoreApplication

    for loader in loaders:
        assert loader.wait(timeout_ms), "a read on a worker never ended"
    QCoreApplication.sendPostedEvents()


class Emissions:
    """Counts a signal's emissions with a plain function of this test's own, disconnected
    on leaving: waits on it are ``qtbot.waitUntil(lambda: len(seen) >= n)``. pytest-qt's
    ``waitSignal``/``waitSignals`` connect bound methods of their blocker objects; once
    (CI, under load) an emission posted from a worker thread after such a blocker had gone
    reached another blocker object in a later test and raised there (``MultiSignalBlocker``
    has no attribute ``check_params_callback``), failing a test that had nothing to do with
    it. A closure over a list cannot be mistaken for another object."""

    def __init__(self, signal):
        self.signal, self.args = signal, []
        self._slot = lambda *a: self.args.append(a)

    def __enter__(self) -> list:
        self.signal.connect(self._slot)
        return self.args

    def __exit__(self, *exc) -> None:
        try:
            self.signal.disconnect(self._slot)
        except (RuntimeError, TypeError):  # (the sender is gone already)
            pass


class FakeScreen:
    """A screen of the given size (the offscreen platform's own is 800x600)."""

    def __init__(self, w: int, h: int) -> None:
        from PySide6.QtCore import QRect

        self.rect = QRect(0, 0, w, h)

    def availableGeometry(self):  # noqa: N802 - Qt API
        return self.rect

    def geometry(self):
        return self.rect

    def devicePixelRatio(self) -> float:  # noqa: N802 - Qt API
        return 1.0


def watch_looks(qtbot, watch, n: int = 3) -> None:
    """Wait until ``n`` looks of the watch have started from now on, so at least ``n - 1``
    began after it and finished (one look at a time: a look starts once the one before has
    answered): what they would announce has been announced. A count, not a time: the
    watch's timer ticks every 50 ms meanwhile (its 3 s made a caller wait 6-9 s for the
    same looks), and its own interval is put back after."""
    started = [0]
    real = watch.poll
    interval = watch.timer.interval()

    def counted():
        started[0] += 1
        real()

    watch.poll = counted  # (the timer's _tick calls self.poll)
    if watch.timer.isActive():
        watch.timer.setInterval(min(interval, 50))
    try:
        qtbot.waitUntil(lambda: started[0] >= n, timeout=30000)
    finally:
        del watch.poll
        if watch.timer.isActive():
            watch.timer.setInterval(interval)


#: what psycopg says when the team's PostgreSQL server is gone (the team-watch tests' lost server)
PG_GONE_REASON = ('connection is bad: connection to server on socket "/tmp/pg/.s.PGSQL.5432" failed: '
                  'No such file or directory')


def set_setting(win, key: str, value) -> None:
    """Save a project setting as the window's Models dialog does: written, and the window's
    copy of the settings follows (the next job, the Ask box and the Suggestions menu use it
    at once). Written straight into ``win.project``, it is read as a teammate's change is:
    at the team watch's next look."""
    win.project.set_setting(key, value)
    win.project_ctl.settings_reads.written(win.project, key, value)


def running_job():
    """A stand-in for a model job still running (``is_active``; its ``signals`` a test
    emits: progress, result, error, finished, cancelled), as the window holds one."""
    from PySide6.QtCore import QObject, Signal

    class Signals(QObject):
        progress = Signal(object)
        result = Signal(object)
        error = Signal(object)
        finished = Signal()
        cancelled = Signal()

    class Job:
        def __init__(self) -> None:
            self.is_active = True
            self.signals = Signals()

    return Job()


def folder_with_a_repair(tmp_path, seed: int = 5):
    """A folder of two noise PNGs (a.png, b.png) indexed, b.png repaired by the classical
    method: (the folder, the repair output's image id)."""
    import numpy as np
    from PIL import Image

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import apply as apply_mod

    root = tmp_path / "imgs"
    root.mkdir()
    rng = np.random.default_rng(seed)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3)).astype(np.uint8)).save(root / name)
    mask = np.zeros((40, 40), bool)
    mask[4:12, 4:20] = True
    with Project.open(root) as p:
        p.index()
        out_id = apply_mod.repair_file(root / "b.png", mask, method="telea", project=p, actor="tester").output_image_id
    return root, out_id


def caption_refused(qtbot, win, folder, teammate: str, typed: str = "scratch near the left edge") -> int:
    """The window opened on ``folder`` (labelled_folder), a caption typed (F2) on its first
    image, then ``teammate`` saves theirs from another project handle before Ctrl+Enter:
    the save is refused, the caption box's hint says "Esc shows theirs". The image's id;
    the typed text is in the editor, unsaved."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLabel

    from llmvis_desktop.core.project import Project

    open_and_index(qtbot, win, folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    settle(qtbot)
    image = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_F2)
    box = win.focusWidget()
    QTest.keyClicks(box, typed)
    with Project.open(folder) as other:
        other.set_caption(image, "teammate caption", teammate)
    QTest.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    editor = win.panel_ctl.caption
    qtbot.waitUntil(lambda: any("Esc shows theirs" in w.text() for w in editor.findChildren(QLabel)), timeout=10000)
    settle(qtbot)
    return image


def enter_then_bob_rejects(qtbot, win, folder, url=None, timeout=30000):
    """Two reviewers on one project: in the window (open on ``folder``, its grid focused),
    key 1 labels the current image scratch and Enter marks it reviewed (the window moves
    on; two steps on the undo list); then bob, from his own handle on the project (``url``:
    its database, None for the folder's SQLite file), rejects it, unseen by the window.
    (The image's id, bob's write: its ``before``/``after`` take his rejection back.)"""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from llmvis_desktop.core import review_actions as ra
    from llmvis_desktop.core.project import Project

    image_id = win.review.current.id
    win.grid.setFocus()
    for key in (Qt.Key.Key_1, Qt.Key.Key_Return):  # scratch, then Enter: reviewed
        QTest.keyClick(win.grid, key)
        assert win.review.wait_writes(30)
    qtbot.waitUntil(lambda: win.review.undo_stack.index() == 2, timeout=timeout)
    with Project.open(folder, url) as bob:
        his = ra.reject(bob, image_id, "bob", seen="reviewed")
    return image_id, his
