"""A closed window lets go of itself, its last project and that project's database
engine: the window's start froze every object alive then (``gc.freeze``, the window and
its controllers among them) and nothing gave them back to the collector, so each closed
window (each Qt test's) stayed in memory with its project, store and caches."""
from __future__ import annotations

import gc
import weakref

from qthelpers import open_and_index


def test_a_closed_window_and_its_project_are_freed(qtbot, config, image_folder):
    from PySide6.QtCore import QCoreApplication, QEvent

    from llmvis_desktop.qt.app import build_window

    win = build_window(config=config)
    win.show()
    project = open_and_index(qtbot, win, image_folder)
    gone = {"window": weakref.ref(win), "project": weakref.ref(project),
            "engine": weakref.ref(project.store.engine)}
    del project
    win.close()  # (its shutdown: every thread joined, the database closed)
    win.deleteLater()
    del win
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert [name for name, ref in gone.items() if ref() is not None] == []


def test_a_kept_runnable_is_freed_once_let_go(qtbot):
    """The pool makes a started Python runnable C++'s and never deletes one whose
    autoDelete is off: it lived, with what it held, as long as the process."""
    from PySide6.QtCore import QThreadPool

    from llmvis_desktop.qt.latest_only import KeptRunnable, RunnableKeeper

    class Held:
        pass

    class Work(KeptRunnable):
        def __init__(self, held) -> None:
            super().__init__()
            self.held = held

        def work(self) -> None:
            pass

    pool, keeper, held = QThreadPool(), RunnableKeeper(), Held()
    keeper.start(pool, Work(held))
    assert pool.waitForDone(10000)
    keeper.release_ended()
    gone = weakref.ref(held)
    del held
    gc.collect()
    assert gone() is None
