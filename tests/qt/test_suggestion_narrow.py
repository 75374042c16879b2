"""The suggestion cards in a narrow window: every button whole (at 800 px wide the
Suggestions dock showed "Accept  Edit…  Re", the Reject button cut off, no scroll bar)."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def test_a_cards_buttons_are_whole_in_an_800_px_window(qtbot, window, labelled_folder, shots_dir):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    cap, lab = project.add_suggestions([
        NewSuggestion(cur, "caption", "a tile showing crack near the left edge", "model:learned:handcrafted-v6",
                      score=0.81, model_revision="708a07f0d835"),
        NewSuggestion(cur, "label", "crack", "model:learned:handcrafted-v6", score=0.7)])
    win.review._refresh(cur)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(cap) is not None and panel.card(lab) is not None, timeout=10000)
    win.resize(800, 700)
    qtbot.wait(300)  # a real event loop (QTest.qWait keeps the GIL): the layouts settle
    assert win.width() == 800  # the cards do not hold the window wider either
    win.grab().save(str(shots_dir / "suggestions_800px.png"))
    viewport = panel.scroll.viewport()
    for sid in (cap, lab):
        card = panel.card(sid)
        assert card.isVisible()
        for button in (card.accept_button, card.edit_button, card.reject_button):
            if button is None:
                continue
            right = button.mapTo(viewport, QPoint(button.width(), 0)).x()
            assert right <= viewport.width(), (button.text(), right, viewport.width())
            assert button.width() >= button.minimumSizeHint().width(), button.text()
    panel.scroll.ensureWidgetVisible(panel.card(cap).reject_button)
    qtbot.wait(100)
    panel.grab().save(str(shots_dir / "suggestions_800px_buttons.png"))
    # a wider dock: the buttons side by side again
    from PySide6.QtWidgets import QDockWidget

    dock = next(d for d in win.findChildren(QDockWidget) if d.widget() is panel)
    win.resize(1400, 800)
    qtbot.wait(100)
    win.resizeDocks([dock], [420], Qt.Orientation.Horizontal)

    def side_by_side():
        card = panel.card(cap)
        return card.accept_button.y() == card.reject_button.y()

    qtbot.waitUntil(side_by_side, timeout=5000)
