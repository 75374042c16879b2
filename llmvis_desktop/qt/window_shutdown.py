"""The main window's shutdown sequence: every step runs even when one before it fails.

Run one after another in a plain method, the first step that raised stopped the rest: the
later workers, the reader processes and the database were then never closed (a window
that hangs on exit, processes left behind). Each failure is logged with its step's name;
the first is raised again once every step has run.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], object]]


def run_steps(steps: Iterable[Step], what: str) -> None:
    """Run every ``(name, call)`` of ``steps``; a failure is logged (``what``: whose steps)
    and the first one raised after the last step."""
    first: BaseException | None = None
    for name, call in steps:
        try:
            call()
        except BaseException as exc:  # an interrupt too: the database still closes
            log.error("%s: the step %r failed: %s", what, name, exc, exc_info=exc)
            if first is None:
                first = exc
    if first is not None:
        raise first


def window_steps(win) -> list[Step]:
    """The main window's shutdown steps, in order: edits flushed and positions written
    before the project closes, every thread stopped before the database closes."""
    from PySide6.QtWidgets import QApplication

    from ..core.store.answer_deadline import unmark_interactive

    project = win.project
    steps: list[Step] = []
    if project is not None:  # a caption (or card edit) being typed when the window closes
        steps.append(("flush edits", win.panel_ctl.flush_edits))
    steps += [
        ("position saves", win.review.stop_position_saves),  # written (off the GUI thread) first
        ("project open", win.project_ctl.shutdown),  # an open under way
        ("jobs", win.jobs.shutdown),
        ("suggestions", win.suggest_ctl.shutdown),
        ("image loader", win.image_loader.shutdown),
        ("viewer", lambda: win.viewer_call("shutdown")),  # its window/level renderer's thread
        ("query loader", win.query_loader.shutdown),
        ("counts loader", win.counts_loader.shutdown),
        ("team watch", win.team_watch.shutdown),
        ("panel", win.panel_ctl.shutdown),
        ("thumbnails", win.thumbs.shutdown),
        ("config saver", lambda: win.config_saver.wait(10)),  # config.json written at an open
    ]
    if getattr(win, "_prune_thread", None) is not None:
        def stop_prune() -> None:
            win._prune_stop.set()
            win._prune_thread.join(5)
        steps.append(("thumbnail prune", stop_prune))
    if project is not None:
        steps.append(("database", project.close))
    steps += [
        ("interactive mark", unmark_interactive),  # reads on this thread then wait as any other's
        ("focus guard", lambda: QApplication.instance().focusChanged.disconnect(win._guard_text_input)),
        ("garbage collector", release_frozen),
    ]
    return steps


def release_frozen() -> None:
    """Give the objects the window's start froze (``app.settle_garbage_collector``:
    ``gc.freeze``, the window and its controllers among them) back to the cyclic
    collector. Frozen objects are never collected: a closed window, its last project and
    its database engine stayed in memory for good (each test's window, ~30,000 objects
    in a test run; a second window of one session)."""
    import gc

    gc.unfreeze()


def shutdown_window(win) -> None:
    run_steps(window_steps(win), "window shutdown")
