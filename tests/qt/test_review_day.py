"""A review day at the keyboard: what the status bar says after Enter, Delete and R, cards
a running learned job writes for the image on screen, the saved review position."""
from __future__ import annotations

import threading
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.tasks import Progress
from llmvis_desktop.qt.menu_states import NO_MATCH

NONE_PENDING = "Marked reviewed; no suggestion was pending."


class _LearnedJob:
    """A learned suggester whose run writes a card for one image, reports the batch and then
    keeps running until released (the real one stores batch after batch for minutes)."""

    unknown_label_cards = 0

    def __init__(self, project, image_id):
        self.project, self.image_id = project, image_id
        self.written, self.release = threading.Event(), threading.Event()

    def status(self):
        return True, "ready"

    def should_retrain(self, n, every=10):
        return False

    def train(self, token, progress):
        return SimpleNamespace(labels=["dent"], images=15, seconds=0.1)

    def run(self, flt, only_unsuggested, token, progress, hold=None):
        held = set(hold() or ()) if hold is not None else set()
        assert self.image_id not in held  # no learned card on it yet: not held back
        self.project.add_suggestions([NewSuggestion(self.image_id, "label", "dent", "learned:handcrafted-v6",
                                                    score=0.8)])
        self.written.set()
        progress(Progress("suggest", 1, 2, "learned:handcrafted-v6"))
        self.release.wait(20)
        return 1


def test_cards_a_running_learned_job_writes_for_the_image_on_screen_are_shown(qtbot, window, labelled_folder):
    """While Ctrl+L still ran, the card it wrote for the image on screen stayed hidden ("No
    suggestions for this image yet") until the job ended; Enter then marked the image
    reviewed with no label, said "no suggestion was pending" and left the card pending."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is not None, timeout=10000)
    cur = win.review.current.id
    fake = _LearnedJob(project, cur)
    sc.learned = fake
    sc.learned_ready = True
    panel = win.panel_ctl.suggestions
    assert panel.pending_card_ids() == set()
    sc.run_learned()
    try:
        qtbot.waitUntil(fake.written.is_set, timeout=10000)
        qtbot.waitUntil(lambda: len(panel.pending_card_ids()) == 1, timeout=5000)
        assert sc.learned_job.is_active  # shown while the job still runs
        win.grid.setFocus()
        QTest.keyClick(win.grid, Qt.Key.Key_Return)
        assert win.statusBar().currentMessage() == "Accepted label dent."
        with Project.open(labelled_folder) as p:
            assert p.image(cur).labels == ("dent",)
            assert [s.outcome for s in p.suggestions(cur)] == ["accepted"]
    finally:
        fake.release.set()
    qtbot.waitUntil(lambda: not sc.learned_job.is_active, timeout=10000)


def test_enter_says_so_when_a_card_came_after_the_panel_was_drawn(qtbot, window, labelled_folder):
    """A card written a moment before Enter (never on screen) stays pending, as Enter decides
    only the cards shown; it was left pending on the reviewed image with "no suggestion was
    pending" said."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    assert win.panel_ctl.suggestions.pending_card_ids() == set()
    project.add_suggestions([NewSuggestion(cur, "label", "dent", "learned:handcrafted-v6", score=0.8)])
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    said = win.statusBar().currentMessage()
    assert said != NONE_PENDING
    assert "1 suggestion" in said and "not shown" in said and "pending" in said, said
    with Project.open(labelled_folder) as p:
        assert p.image(cur).status == "reviewed"
        assert [s.outcome for s in p.suggestions(cur)] == ["pending"]


def test_r_says_how_many_cards_it_left_pending(qtbot, window, labelled_folder):
    """R marked reviewed and said only "Marked reviewed." over a caption and a label card it
    left pending."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    project.add_suggestions([NewSuggestion(cur, "label", "dent", "zero-shot-a", score=0.7),
                             NewSuggestion(cur, "caption", "a dent", "cap-a", score=0.7)])
    win.review._refresh(cur)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_R)
    assert win.statusBar().currentMessage() == "Marked reviewed; 2 suggestions left pending."
    with Project.open(labelled_folder) as p:
        assert p.image(cur).status == "reviewed"
        assert {s.outcome for s in p.suggestions(cur)} == {"pending"}


def test_the_position_is_saved_while_reviewing_briskly(qtbot, window, image_folder):
    """The save waited for 800 ms without a move: one image every 150 ms never saved it
    (killed after 19 quick reviews, the window reopened at the first image)."""
    win = window
    # (the window saves at most POSITION_SAVE_MS = 5 s after the first unsaved move; a
    # shorter interval here, still longer than the gap between moves, keeps the test short)
    win.review._save_timer.setInterval(600)
    open_and_index(qtbot, win, image_folder)
    key = f"position:{win.review.actor()}"
    first = win.review.current.relpath
    qtbot.waitUntil(lambda: win.project.settings().get(key) == first, timeout=5000)
    win.grid.setFocus()
    for _ in range(10):  # 1.5 s at least, never 800 ms between two moves
        QTest.keyClick(win.grid, Qt.Key.Key_Right)
        qtbot.wait(150)  # a real event loop: the save timer and the viewer's reads run
    assert win.review._position_saver.wait(15000)  # a save under way ended (its own thread)
    saved = win.project.settings().get(key)
    assert saved is not None and saved != first


def test_enter_and_delete_on_the_last_row_say_it_is_the_last(qtbot, window, labelled_folder):
    """Enter on the last row accepted and stayed, silently; a second Enter said "Marked
    reviewed; no suggestion was pending" about an image already reviewed."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    n = win.model.rowCount()
    win.review.go_to_row(n - 2)
    win.grid.setFocus()
    bar = win.statusBar()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # not the last: no such note
    assert bar.currentMessage() == NONE_PENDING
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # the last row
    assert win.grid.currentIndex().row() == n - 1
    assert bar.currentMessage().startswith(NONE_PENDING) and "Last image of the list" in bar.currentMessage()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)  # again: already reviewed, said so
    said = bar.currentMessage()
    assert said.startswith("Already reviewed") and "Last image of the list" in said, said
    QTest.keyClick(win.grid, Qt.Key.Key_Delete)
    said = bar.currentMessage()
    assert said.startswith("Marked rejected") and "Last image of the list" in said, said


def test_review_keys_on_an_empty_filtered_list_say_so(qtbot, window, labelled_folder):
    """A filter that lists no image ("Suggested" and the label "dent": the label filter
    reads the labels images carry, not the cards) left Enter, Delete and R silent: the
    status bar kept the last image's "Accepted label dent.", read as what the key just did
    (/tmp/hunt-hhuntind/hunt_day3.py). The key says now why it does nothing, as its disabled
    action's tooltip does: no image matches the filter (Esc shows all images)."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    assert win.statusBar().currentMessage() == "Marked reviewed with scratch; no suggestion was pending."
    fb = win.filter_bar
    fb.status.setCurrentIndex(fb.status.findText("Rejected"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 0, timeout=5000)
    assert win.review.current is None
    win.grid.setFocus()
    for k in (Qt.Key.Key_Return, Qt.Key.Key_Delete, Qt.Key.Key_R):
        win.statusBar().showMessage("before")
        QTest.keyClick(win.grid, k)
        assert win.statusBar().currentMessage() == NO_MATCH, k
    with Project.open(labelled_folder) as p:
        assert [p.image(i).review_status for i in p.image_ids()].count("reviewed") == 1
