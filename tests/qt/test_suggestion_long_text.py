"""A suggestion with a long text (a 972-character caption): its CAPTION tag stood
vertically centred beside a 300 px block of text, out of the Suggestions dock's view,
and Accept / Edit / Reject sat below the whole text (a 350 px card in a 109 px view).
The text is now held to a few lines (the whole of it in the tooltip, and shown by
"More"), the tag at the top."""
from __future__ import annotations

import html
from datetime import datetime, timezone

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QVBoxLayout, QWidget

from llmvis_desktop.core.store.records import SuggestionRecord

LONG = ("A very long caption describing a metallic surface with multiple scratches, a dent near the "
        "upper-left corner, discolouration consistent with overheating, and a crack that runs diagonally "
        "across the whole part from the mounting hole to the far edge; reviewer should double check the "
        "lower right quadrant. ") * 4


def _rec(sid, kind, value):
    t = datetime(2024, 5, 1, tzinfo=timezone.utc)
    return SuggestionRecord(sid, 1, kind, value, 0.77, "some-org/a-captioner", "a1b2c3d4e5f6", None, {},
                            t, "pending", None, None, None)


def _panel(qtbot, width=400, height=200):
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    top = QWidget()
    qtbot.addWidget(top)
    QVBoxLayout(top).addWidget(panel := SuggestionPanel())
    top.resize(width, height)
    top.show()
    qtbot.waitExposed(top)
    return top, panel


def test_a_long_caption_card_keeps_its_tag_on_top_and_its_buttons_in_view(qtbot, shots_dir):
    top, panel = _panel(qtbot)
    panel.set_suggestions([_rec(1, "caption", LONG)])
    qtbot.wait(100)
    card = panel.card(1)
    top.grab().save(str(shots_dir / "suggestion_long_caption.png"))
    value, kind = card.value_label, card.kind_label
    line = value.fontMetrics().lineSpacing()
    # the tag's box is its one line, level with the text's first (not centred on a tall box)
    assert abs(kind.geometry().top() - value.geometry().top()) <= 2, (kind.geometry(), value.geometry())
    assert kind.height() <= kind.sizeHint().height() + 2, (kind.geometry(), kind.sizeHint())
    assert value.height() <= 4 * line + 4, (value.height(), line)
    assert value.text() != LONG and value.text().endswith("\u2026")
    # the whole text is there to read: in the tooltip, and by "More"
    assert LONG.strip() in html.unescape(value.toolTip())
    viewport = panel.scroll.viewport()
    for button in (card.accept_button, card.edit_button, card.reject_button):
        bottom = button.mapTo(viewport, QPoint(0, button.height())).y()
        assert bottom <= viewport.height(), (button.text(), bottom, viewport.height())
    assert card.more_button.isVisible()
    short_height = card.height()
    card.more_button.click()
    qtbot.wait(100)
    assert value.text() == LONG and card.height() > short_height
    assert value.height() >= 6 * line
    top.grab().save(str(shots_dir / "suggestion_long_caption_more.png"))
    card.more_button.click()
    qtbot.wait(100)
    assert value.text() != LONG and card.height() == short_height
    # the next image's suggestion in this card starts short again; a short one shows no "More"
    card.more_button.click()
    panel.set_suggestions([_rec(2, "caption", "a short caption")])
    qtbot.wait(100)
    card = panel.card(2)
    assert card.value_label.text() == "a short caption" and not card.more_button.isVisible()
    panel.set_suggestions([_rec(3, "caption", LONG)])
    qtbot.wait(100)
    assert panel.card(3).value_label.text() != LONG


def test_a_clamped_text_follows_the_cards_width(qtbot):
    top, panel = _panel(qtbot, width=700, height=300)
    panel.set_suggestions([_rec(1, "caption", LONG[:300])])
    qtbot.wait(100)
    card = panel.card(1)
    wide_text = card.value_label.text()
    top.resize(300, 300)
    qtbot.wait(100)
    narrow_text = card.value_label.text()
    assert len(narrow_text) < len(wide_text) or wide_text == LONG[:300]
    line = card.value_label.fontMetrics().lineSpacing()
    assert card.value_label.height() <= 4 * line + 4
    assert card.more_button.isVisible()
