"""Enter on cards that clash over an exclusive label: the status line gives the real reason
a well-scored card was rejected (the exclusive label it cannot go with), not "below the
threshold (score < 0.5)" for a card that scored 0.80."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index, settle


def _enter_on_cards(qtbot, win, folder, cards):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store.records import NewSuggestion

    with Project.open(folder) as p:
        p.update_label("ok", exclusive=True)
    open_and_index(qtbot, win, folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=20000)
    image = win.review.current.id
    win.project.add_suggestions([NewSuggestion(image, "label", v, "m", s) for v, s in cards])
    win.review.go_to_row(1)
    settle(qtbot)
    win.review.go_to_row(0)
    settle(qtbot)
    win.grid.setFocus()
    with qtbot.waitSignal(win.review._writer.finished, timeout=30000):
        QTest.keyClick(win.grid, Qt.Key.Key_Return)
    return image, win.statusBar().currentMessage()


def test_exclusive_winner_names_the_card_it_took_off(qtbot, window, labelled_folder):
    image, said = _enter_on_cards(qtbot, window, labelled_folder, [("ok", 0.9), ("dent", 0.8)])
    assert window.project.image(image).labels == ("ok",)
    assert "below the threshold" not in said, said
    assert said.startswith("Accepted label ok. Rejected label dent (0.80): ok is exclusive"), said


def test_exclusive_loser_and_a_low_card_each_get_their_reason(qtbot, window, labelled_folder):
    image, said = _enter_on_cards(qtbot, window, labelled_folder,
                                  [("dent", 0.9), ("ok", 0.7), ("crack", 0.2)])
    assert window.project.image(image).labels == ("dent",)
    assert "Rejected 1 label card below the threshold (score < 0.5, not the best)." in said, said
    assert "Rejected label ok (0.70): ok is exclusive" in said, said
