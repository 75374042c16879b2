"""Enter after the reviewer set the image's labels by hand on this visit (a label key, a
chip) confirms THEIR labels: the label cards of labels the image has are accepted, the
others rejected, no label added (/tmp/hunt-huser4: 3 (crack) then Enter also took the
labeler's "ok" at 0.54, and 17 images of a day ended "crack + ok"). Without a hand-set
label on the visit Enter does as documented; Undo puts it all back."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion


def _cards(qtbot, win, project, image_id, cards):
    ids = project.add_suggestions([NewSuggestion(image_id, "label", v, "zero-shot-clip", score=s)
                                   for v, s in cards])
    win.review._refresh(image_id)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=5000)
    return ids


def _state(folder, image_id):
    with Project.open(folder) as p:
        return p.image(image_id).labels, {s.value: s.outcome for s in p.suggestions(image_id)}


def test_enter_after_a_label_key_keeps_the_reviewers_labels(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    _cards(qtbot, win, project, cur, [("ok", 0.54), ("crack", 0.31), ("dent", 0.22)])
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_3)  # crack, by hand
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    labels, outcomes = _state(labelled_folder, cur)
    assert labels == ("crack",)  # not crack + ok
    assert outcomes == {"ok": "rejected", "crack": "accepted", "dent": "rejected"}
    said = win.statusBar().currentMessage()
    assert "Kept your labels: crack; 2 label cards rejected" in said, said
    assert win.review.current.id != cur  # moved on, as Enter does
    # Undo (the Enter) puts the cards back; the reviewer is back on the image, whose visit
    # goes on: Enter again keeps the labels again
    win.review.undo()
    assert win.review.current.id == cur
    labels, outcomes = _state(labelled_folder, cur)
    assert labels == ("crack",) and set(outcomes.values()) == {"pending"}
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    labels, outcomes = _state(labelled_folder, cur)
    assert labels == ("crack",) and outcomes["ok"] == "rejected"
    # both undone (Enter, then the key): the image as it was, Enter as documented
    win.review.undo()
    win.review.undo()
    assert _state(labelled_folder, cur) == ((), {"ok": "pending", "crack": "pending", "dent": "pending"})
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    labels, outcomes = _state(labelled_folder, cur)
    assert labels == ("ok",) and outcomes == {"ok": "accepted", "crack": "rejected", "dent": "rejected"}


def test_a_label_set_and_removed_by_hand_still_counts(qtbot, window, labelled_folder):
    """3 then 3 again: the reviewer took crack off by hand; Enter keeps the image as they
    left it (no label) rather than adding the crack they removed back, and ok with it."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    _cards(qtbot, win, project, cur, [("ok", 0.54), ("crack", 0.81)])
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_3)
    QTest.keyClick(win.grid, Qt.Key.Key_3)
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    labels, outcomes = _state(labelled_folder, cur)
    assert labels == () and outcomes == {"ok": "rejected", "crack": "rejected"}
    # (it said "Kept your labels: none")
    assert "Kept the image without labels, as you left it; 2 label cards rejected." in win.statusBar().currentMessage()


def test_a_chip_counts_and_a_new_visit_does_not(qtbot, window, labelled_folder):
    """A chip sets a label by hand too. Coming back later with the arrows is a new visit:
    the label set on the earlier one is the image's label, and Enter does as documented."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    first = win.review.current.id
    _cards(qtbot, win, project, first, [("ok", 0.54), ("dent", 0.4)])
    win.review.toggle_label("dent", on=True)  # what a chip's click asks (panel_controller)
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    labels, outcomes = _state(labelled_folder, first)
    assert labels == ("dent",) and outcomes == {"ok": "rejected", "dent": "accepted"}

    second = win.review.current.id
    _cards(qtbot, win, project, second, [("ok", 0.7), ("scratch", 0.2)])
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_1)  # scratch, by hand
    QTest.keyClick(win.grid, Qt.Key.Key_Right)
    QTest.keyClick(win.grid, Qt.Key.Key_Left)  # back: a new visit
    assert win.review.current.id == second
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    labels, outcomes = _state(labelled_folder, second)
    assert set(labels) == {"scratch", "ok"} and outcomes == {"ok": "accepted", "scratch": "accepted"}


def test_a_label_cards_accept_counts(qtbot, window, labelled_folder):
    """Accepting the crack card by its button sets the label by hand too: Enter then
    leaves the labeler's ok out."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    ok, crack = _cards(qtbot, win, project, cur, [("ok", 0.54), ("crack", 0.3)])
    assert win.review.decide_suggestion(crack, "accepted")
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    assert _state(labelled_folder, cur) == (("crack",), {"ok": "rejected", "crack": "accepted"})


def test_a_label_key_still_being_written_counts(qtbot, window, labelled_folder, monkeypatch):
    """On a slow database the label key's write is still under way when Enter is pressed
    (the window does not wait for it): it counts all the same."""
    import threading

    from llmvis_desktop.core import review_actions as ra
    from llmvis_desktop.qt import review_writes

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    _cards(qtbot, win, project, cur, [("ok", 0.54), ("crack", 0.3)])
    gate, entered, toggle = threading.Event(), threading.Event(), ra.toggle_label

    def held(*a, **k):
        entered.set()
        gate.wait(20)
        return toggle(*a, **k)

    monkeypatch.setattr(ra, "toggle_label", held)
    monkeypatch.setattr(review_writes, "WRITE_WAIT_S", 0.0)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_3)
    assert entered.wait(10) and win.review.writes_in_flight() == 1
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    gate.set()
    assert win.review.wait_writes(20)
    assert _state(labelled_folder, cur) == (("crack",), {"ok": "rejected", "crack": "accepted"})


def test_a_caption_retrieved_from_other_labels_is_not_taken_over_the_reviewers_labels(
        qtbot, window, labelled_folder):
    """The learned suggester's caption is another reviewed image's, one with the labels it
    predicted: on an image it took for a dent, "dark round dent near lower edge". The
    reviewer who set 'ok' by hand (4, Enter) got the dent's caption saved on the clean
    image (/tmp/hunt-hhuntind). Enter keeps their labels, and leaves pending a caption
    retrieved from an image of other labels; one retrieved from their labels is taken."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    learned = "learned:cnn-v1"
    ids = project.add_suggestions([
        NewSuggestion(cur, "label", "dent", learned, score=0.82),
        NewSuggestion(cur, "caption", "dark round dent near lower edge", learned, score=0.9,
                      params={"retrieved_from": 1, "retrieved_labels": ["dent"]})])
    win.review._refresh(cur)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=5000)
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_4)  # ok, by hand
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    with Project.open(labelled_folder) as p:
        rec = p.image(cur)
        assert rec.labels == ("ok",) and rec.caption is None
        assert {s.value: s.outcome for s in p.suggestions(cur)} == {
            "dent": "rejected", "dark round dent near lower edge": "pending"}
    said = win.statusBar().currentMessage()
    assert said.startswith("Kept your labels: ok; 1 label card rejected."), said
    # the line says Enter took none, and why (it once said "Enter takes one caption")
    assert "Enter takes one caption" not in said, said
    assert "1 caption card left pending" in said and "took no caption" in said, said
    assert "other labels than yours" in said, said
    # the same card on an image the reviewer labelled 'dent' by hand is taken
    win.review.undo()
    win.review.undo()
    QTest.keyClick(win.grid, Qt.Key.Key_2)  # dent, by hand
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    with Project.open(labelled_folder) as p:
        assert p.image(cur).caption == "dark round dent near lower edge"
