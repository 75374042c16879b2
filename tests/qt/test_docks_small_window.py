"""The docks of a small window share its height so that each shows what the reviewer
needs: at 1024x640 the Suggestions dock held only the top of the first card, its
Accept/Edit/Reject buttons below the scroll (the Jobs dock, the window's width, took
its height from the right column too, all four docks at their minimums); at 960x540 (a
1920x1080 screen at 200%) the running job's progress bar was cut off; and while a job
ran, one that had just failed had its line below the Jobs dock's scroll at every size
(the dock fitted the running rows alone)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDockWidget
from qthelpers import FakeScreen, open_and_index, settle

from llmvis_desktop.core.store.records import NewSuggestion




def _whole_in(widget, view) -> bool:
    """``widget`` wholly inside the scroll area's ``view`` (not cut, not scrolled away)."""
    return widget.isVisible() and view.rect().contains(QRect(widget.mapTo(view, widget.rect().topLeft()),
                                                             widget.size()))


def _cards_and_jobs(qtbot, window):
    """Three pending cards on the current image, a job running and one that just failed."""
    rec = window.review.current
    window.project.add_suggestions([
        NewSuggestion(rec.id, "caption", "a dented metal plate with a long scratch along the left edge",
                      "microsoft/Florence-2-base", score=0.82),
        NewSuggestion(rec.id, "label", "dent", "openai/clip-vit-base-patch32", score=0.64),
        NewSuggestion(rec.id, "label", "scratch", "openai/clip-vit-base-patch32", score=0.31),
    ])
    window.review._refresh(rec.id)
    gate = threading.Event()

    def running(token, progress):
        while not gate.is_set() and not token.cancelled:
            gate.wait(0.05)

    def failing(token, progress):
        raise RuntimeError("model folder /models/florence is missing config.json")

    ended = []
    window.jobs.job_finished.connect(ended.append)
    window.jobs.start("Suggest captions (Florence-2-base)", running)
    failed = window.jobs.start("Suggest labels (CLIP)", failing)
    # its end handled here (the Jobs panel's row): the job's state is set on its own thread
    # before its signals reach the GUI thread, and the panel still listed it as running
    qtbot.waitUntil(lambda: failed in ended, timeout=10000)
    assert failed.state == "failed"
    settle(qtbot)
    return gate


def _check(window, w: int, h: int, whole_card: bool) -> None:
    assert (window.width(), window.height()) == (w, h)
    panel = window.panels["suggestions"]
    view = panel.scroll.viewport()
    card = next(c for c in panel._pool if c.isVisible())
    assert card.pending and card.kind == "caption"
    for part in (card, card.accept_button, card.edit_button, card.reject_button) if whole_card else ():
        assert _whole_in(part, view), (w, h, part, panel.parentWidget().geometry(), view.height())
    assert _whole_in(panel.ask_edit, panel)
    jobs = window.panels["jobs"]
    view = jobs._scroll.viewport()
    (running,) = [jobs.row(i) for i in jobs.running_ids()]
    for part in (running, running.bar, running.cancel_button, jobs._done[0]):
        assert _whole_in(part, view), (w, h, part, jobs.parentWidget().geometry(), view.height())
    assert "missing config.json" in jobs._done[0].done_label.text()
    inside = QRect(0, 0, window.width(), window.height())
    docks = [d for d in window.findChildren(QDockWidget) if d.isVisible()]
    assert len(docks) == 5
    for i, a in enumerate(docks):
        assert inside.contains(a.geometry()), (a.windowTitle(), a.geometry())
        for b in docks[i + 1:]:
            assert not a.geometry().intersects(b.geometry()), (a.windowTitle(), b.windowTitle())


# 960x540 (1920x1080 at 200%): the right docks' minimums alone took its height, the
# card's Accept/Edit/Reject buttons below the scroll
@pytest.mark.parametrize("w,h,whole_card", [(1024, 640, True), (1366, 768, True), (960, 540, True)])
@pytest.mark.parametrize("opened_at", ["this size", "1280x800, then resized"])
def test_a_whole_card_with_its_buttons_and_the_running_and_failed_jobs_are_in_view(
        qtbot, window, labelled_folder, w, h, whole_card, opened_at):
    window.screen = lambda: FakeScreen(w, h)
    if opened_at == "this size":
        window.resize(w, h)
    open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    window.resize(w, h)
    settle(qtbot)
    gate = _cards_and_jobs(qtbot, window)
    try:
        _check(window, w, h, whole_card)
    finally:
        gate.set()


def test_with_room_to_spare_the_caption_box_shows_four_lines(qtbot, window, labelled_folder):
    """Its minimum is two lines (the cards' buttons at 960x540 need the rest); where the
    column has room, first-run sizing gives it the four lines it had."""
    window.screen = lambda: FakeScreen(1366, 768)
    window.resize(1366, 768)
    open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    edit = window.panels["caption"].edit
    assert edit.height() >= 4 * edit.fontMetrics().lineSpacing(), edit.height()


def test_shrinking_the_window_keeps_a_whole_card_in_view(qtbot, window, labelled_folder):
    """The reviewer gave History more room in a large window, then made the window
    960x540: Qt took the shortfall from the Suggestions dock, down to its minimum."""
    window.screen = lambda: FakeScreen(1366, 768)
    window.resize(1366, 768)
    open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    gate = _cards_and_jobs(qtbot, window)
    try:
        docks = [window.panels[k].parentWidget() for k in ("labels", "caption", "suggestions", "history")]
        window.resizeDocks(docks, [116, 140, 180, 260], Qt.Orientation.Vertical)
        settle(qtbot)
        window.screen = lambda: FakeScreen(960, 540)
        window.resize(960, 540)
        settle(qtbot)
        _check(window, 960, 540, True)
    finally:
        gate.set()
