"""Shortened texts keep what they mean: the model's name on a suggestion card, the
zoom and W/L on the viewer's info line, the W/L presets' values in their list, the
status of a recent folder on the welcome page, the model column of the evaluation."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget


def _settle(qtbot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


def test_a_cards_model_name_is_kept_and_its_revision_goes_first(qtbot):
    """At 1024x768 a card read "learned:ha…3268faf774": elided in the middle, the hash
    stayed and the model's name went."""
    from llmvis_desktop.core.store.records import SuggestionRecord
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    name, rev = "learned:handcrafted-v6", "3268faf7744b9c01"
    s = SuggestionRecord(7, 1, "label", "crack", 0.9, name, rev, None, {},
                         datetime(2024, 5, 1, tzinfo=timezone.utc), "pending", None, None, None)
    top = QWidget()
    qtbot.addWidget(top)
    QVBoxLayout(top).addWidget(panel := SuggestionPanel())
    panel.set_suggestions([s])
    top.show()
    label = panel.card(7).model_label
    fm = label.fontMetrics()
    seen = set()
    for width in range(200, 520, 8):
        top.resize(width, 300)
        _settle(qtbot)
        text, room = label.text(), label.contentsRect().width()
        assert fm.horizontalAdvance(text) <= room, (text, room)
        if fm.horizontalAdvance(name) <= room:
            assert text.startswith(name), (text, room)  # the name whole while it fits
            seen.add("name" if text == name else ("short" if text.endswith(rev[:7]) else "full"))
        else:
            assert rev[:4] not in text and name.startswith(text.rstrip("\u2026")), (text, room)
            seen.add("cut")
    assert {"name", "full", "cut"} <= seen, seen
    assert rev in label.toolTip() and name in label.toolTip()
