"""Grid model, thumbnail loader and view, without the full window."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.qt.models.grid_model import RecordRole, ThumbRole, GridModel
from llmvis_desktop.qt.thumb_loader import ThumbLoader, make_cache
from llmvis_desktop.qt.widgets.grid_view import GridView
from llmvis_desktop.qt.workers import JobManager


def test_model_lazy_records_and_refresh(qtbot, image_folder, tmp_path):
    with Project.open(image_folder) as p:
        p.index()
        loader = ThumbLoader(make_cache(tmp_path / "thumbs"))
        model = GridModel()
        model.set_project(p, loader)
        try:
            assert model.rowCount() == 12
            assert not model._windows  # nothing fetched before a row is asked for
            rec = model.index(3).data(RecordRole)
            assert rec.relpath == p.images([model.id_at(3)])[0].relpath
            assert model.index(3).data(Qt.ItemDataRole.DisplayRole) == rec.name
            # thumbnails: None first (queued), then a pixmap after `ready`
            with qtbot.waitSignal(model.dataChanged, timeout=10000):
                assert model.index(3).data(ThumbRole) is None
            qtbot.waitUntil(lambda: model.index(3).data(ThumbRole) is not None, timeout=10000)
            pm = model.index(3).data(ThumbRole)
            assert max(pm.width(), pm.height()) <= model.thumb_size
            # refresh after an action re-reads only that row
            p.set_status(rec.id, "reviewed", "t")
            assert model.record(rec.id).status == "new"  # cached
            model.refresh_ids([rec.id])
            assert model.record(rec.id).status == "reviewed"
            # SQL filter
            model.set_query(ImageFilter(statuses=("reviewed",)))
            assert model.ids == [rec.id]
            model.set_query(ImageFilter(path_prefix="a/"), "name", True)
            assert model.rowCount() == 6
            assert model.index(0).data(RecordRole).relpath > model.index(5).data(RecordRole).relpath
        finally:
            assert loader.shutdown()


def test_loader_lifo_and_generation(qtbot, image_folder, tmp_path):
    with Project.open(image_folder) as p:
        p.index()
        recs = p.images(p.image_ids())
        loader = ThumbLoader(make_cache(tmp_path / "thumbs"), threads=1)
        try:
            # hold the worker: enqueue under the lock so order is decided before it runs
            with loader._lock:
                loader._runners = 1  # no runner starts during the pushes
            for r in recs:
                loader.pixmap(r.id, p.path_of(r), 64)
            with loader._lock:
                order = [item[1] for item in reversed(loader._stack)]
                loader._runners = 0
            assert order[0] == recs[-1].id  # newest first
            loader.reset()  # folder or filter changed: stale requests dropped
            assert loader.pending() == 0
            got = []
            loader.ready.connect(got.extend)
            assert loader.pixmap(recs[0].id, p.path_of(recs[0]), 64) is None
            qtbot.waitUntil(lambda: got == [recs[0].id], timeout=10000)
            assert loader.pixmap(recs[0].id, p.path_of(recs[0]), 64) is not None
            # an unreadable file: error remembered, not retried
            bad = image_folder / "a" / "broken.png"
            bad.write_bytes(b"not a png")
            failed = []
            loader.failed.connect(lambda i, reason: failed.append(reason))
            loader.pixmap(9999, bad, 64)
            qtbot.waitUntil(lambda: bool(failed), timeout=10000)
            assert loader.error(9999)
            # the runner counts itself out after it emits ``failed``
            qtbot.waitUntil(lambda: loader.pending() == 0, timeout=10000)
            assert loader.pixmap(9999, bad, 64) is None and loader.pending() == 0  # not queued again
        finally:
            assert loader.shutdown()


def test_view_thumb_size_and_current(qtbot, image_folder, tmp_path):
    with Project.open(image_folder) as p:
        p.index()
        loader = ThumbLoader(make_cache(tmp_path / "thumbs"))
        model = GridModel()
        model.set_project(p, loader)
        view = GridView(thumb_size=96)
        qtbot.addWidget(view)
        view.setModel(model)
        view.resize(600, 400)
        view.show()
        try:
            seen = []
            view.current_changed.connect(seen.append)
            view.select_row(4)
            assert seen[-1] == model.id_at(4) == view.current_id()
            view.set_thumb_size(200)
            assert view.thumb_size == 200 and model.thumb_size == 200
            assert view.gridSize().width() > 200
            view.set_thumb_size(10)
            assert view.thumb_size == 64
        finally:
            assert loader.shutdown()


def test_job_manager_progress_cancel_and_errors(qtbot):
    from llmvis_desktop.core.tasks import Progress

    mgr = JobManager()

    def work(token, progress, n):
        for i in range(n):
            token.check()
            progress(Progress("count", i + 1, n, f"{i + 1}/{n}"))
        return n

    job = mgr.start("count", work, 50)
    with qtbot.waitSignal(job.signals.finished, timeout=5000):
        pass
    assert job.state == "done" and job.result == 50 and job.last_progress.done == 50

    def boom(token, progress):
        raise ValueError("bad input")

    errs = []
    job = mgr.start("boom", boom)
    job.signals.error.connect(errs.append)
    qtbot.waitUntil(lambda: job.state == "failed", timeout=5000)
    qtbot.waitUntil(lambda: bool(errs), timeout=5000)
    assert isinstance(errs[0], ValueError)

    import threading

    started = threading.Event()

    def forever(token, progress):
        started.set()
        while True:
            token.check()
            threading.Event().wait(0.01)

    job = mgr.start("forever", forever)
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert mgr.shutdown(5000)
    assert job.state == "cancelled"


def test_many_emits_keep_true_alive():
    """PySide6 6.12.0 drops a reference to True on each emit (crashing Python < 3.12);
    the installed binding must not."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class S(QObject):
        sig = Signal()

    s = S()
    before = sys.getrefcount(True)
    for _ in range(5_000):
        s.sig.emit()
    assert sys.getrefcount(True) >= before - 10


def test_broken_binding_is_refused(monkeypatch):
    import PySide6

    import llmvis_desktop.qt as q

    monkeypatch.setattr(PySide6, "__version__", "6.12.0")
    monkeypatch.setattr(q.sys, "version_info", (3, 11, 7))
    with pytest.raises(q.QtVersionError, match="PySide6-Essentials!=6.12.0"):
        q.check_qt_binding()


def _paint_devices_in(obj, seen=None) -> list:
    from PySide6.QtGui import QPaintDevice
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, QPaintDevice):
        return [obj]
    if isinstance(obj, dict):
        return [d for k, v in obj.items() for x in (k, v) for d in _paint_devices_in(x, seen)]
    if isinstance(obj, (list, tuple, set)):
        return [d for x in obj for d in _paint_devices_in(x, seen)]
    return []


def test_delegate_keeps_no_wrapper_of_the_device_it_painted_on(qtbot, image_folder, tmp_path):
    """A paint device is no QObject: a wrapper kept after Qt deletes it (a closed
    window's backing store) is returned for the next object at its address; CI saw
    menu.addAction(text, slot) fail with "'QPaintDevice' has no attribute 'connect'"."""
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtWidgets import QStyleOptionViewItem
    with Project.open(image_folder) as p:
        p.index()
        loader = ThumbLoader(make_cache(tmp_path / "thumbs"))
        model = GridModel()
        model.set_project(p, loader)
        view = GridView(thumb_size=96)
        qtbot.addWidget(view)
        view.setModel(model)
        try:
            delegate = view.itemDelegate()
            target = QPixmap(200, 200)
            painter = QPainter(target)
            option = QStyleOptionViewItem()
            option.rect = view.visualRect(model.index(0)).adjusted(0, 0, 120, 160)
            try:
                for row in range(3):
                    model.index(row).data(RecordRole)
                qtbot.waitUntil(lambda: model.cached_record(0) is not None, timeout=10000)
                delegate.paint(painter, option, model.index(0))
            finally:
                painter.end()
            assert delegate._overlays  # the cell was really drawn, overlay included
            kept = [d for d in _paint_devices_in(vars(delegate))
                    if not isinstance(d, QPixmap) or d.cacheKey() == target.cacheKey()]
            assert kept == []
        finally:
            assert loader.shutdown()


def test_refresh_reads_only_rows_in_memory(qtbot, image_folder, tmp_path, monkeypatch):
    """A team's suggestion jobs name thousands of rows; each was read again on the GUI
    thread, shown or not. Rows not in memory are read when shown anyway."""
    from llmvis_desktop.qt.models import grid_model

    monkeypatch.setattr(grid_model, "WINDOW", 4)
    with Project.open(image_folder) as p:
        p.index()
        loader = ThumbLoader(make_cache(tmp_path / "thumbs"))
        model = GridModel()
        model.set_project(p, loader)
        try:
            model.index(1).data(RecordRole)  # window 0 (rows 0-3) only
            qtbot.waitUntil(lambda: model.cached_record(1) is not None, timeout=10000)
            asked = []
            real = p.images
            monkeypatch.setattr(p, "images", lambda ids: (asked.append(list(ids)), real(ids))[1])
            model.refresh_ids(model.ids)
            assert asked == [model.ids[:4]]
        finally:
            assert loader.shutdown()


def test_resizing_the_window_keeps_the_current_image_in_view(qtbot, window, tmp_path):
    """From 1600x1000 to 1024x700 the grid kept its pixel offset with fewer columns: the
    current image, in view before, was off screen after."""
    from qthelpers import make_images, open_and_index

    folder = tmp_path / "many"
    make_images(folder, n=240, size=(32, 32))
    open_and_index(qtbot, window, folder, timeout=60000)
    grid = window.grid
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: grid.model().rowCount() == 240, timeout=20000)

    def in_view() -> bool:
        return grid.viewport().rect().contains(grid.visualRect(grid.currentIndex()))

    for row in (150, 239, 60):
        window.resize(1600, 1000)
        grid.select_row(row)
        qtbot.waitUntil(in_view, timeout=5000)
        assert grid.verticalScrollBar().value() > 0 or row == 60
        window.resize(1024, 700)
        qtbot.wait(100)
        qtbot.waitUntil(in_view, timeout=10000)
        assert grid.currentIndex().row() == row
