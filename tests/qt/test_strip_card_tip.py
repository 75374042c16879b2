"""A line-scan strip's card says what the model was shown: the strip cut into pieces laid
side by side (``model_input``, :mod:`llmvis_desktop.core.suggest.strips`). Before, the
card did not say, and the model had been shown a 1x1024 sliver."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest


def _card(sid, params):
    from llmvis_desktop.core.store.records import SuggestionRecord

    t = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    return SuggestionRecord(sid, 1, "caption", "a metal web", 0.5, "Salesforce/blip", "abc", None,
                            params, t, "pending", None, None, None)


@pytest.fixture
def panel(qtbot):
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    p = SuggestionPanel()
    qtbot.addWidget(p)
    p.resize(380, 520)
    p.show()
    return p


def test_a_strips_card_says_how_the_model_saw_it(panel):
    view = {"pieces": 32, "source_px": [20, 20000], "piece_px": [20, 625], "arranged": "side by side",
            "input_px": [640, 625]}
    panel.set_suggestions([_card(1, {"model_input": view}), _card(2, {"model_input": {"input_px": [384, 288]}}),
                           _card(3, {})])
    tip = panel.card(1).model_label.toolTip()
    assert "the model was shown this 20x20000 strip cut into 32 pieces of 20x625, side by side (640x625)" in tip
    assert "the model was shown the image at 384x288" in panel.card(2).model_label.toolTip()
    assert "shown" not in panel.card(3).model_label.toolTip()  # made before, or imported


def test_a_tiled_strips_label_card_says_which_tile_gave_its_score(panel):
    """The learned suggester scores a strip in tiles (core.suggest.strip_tiles): the card's
    tooltip names the tile count and size and where the tile that gave the score lies."""
    tiled = {"tiles": 128, "tile_px": [640, 640], "source_px": [2048, 20000], "best_tile": 77,
             "best_box": [704, 12240, 640, 640]}
    panel.set_suggestions([_card(1, {"strip_tiles": tiled}), _card(2, {})])
    tip = panel.card(1).model_label.toolTip()
    assert "scored in 128 tiles of 640x640 (the strip's highest): tile 77, x 704-1344, y 12240-12880" in tip
    assert "tiles" not in panel.card(2).model_label.toolTip()
