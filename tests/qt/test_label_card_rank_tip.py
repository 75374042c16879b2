"""A reviewer can see why an image has one label card or three: a zero-shot labeler's
card says in its tooltip which of the image's labels it is and the rule that picked it
(the best label always; the next, up to top-k, when they score min-score or more).
Before, the tooltip named the model and template only."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest


def _card(sid, value, score, params):
    from llmvis_desktop.core.store.records import SuggestionRecord

    t = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    return SuggestionRecord(sid, 1, "label", value, score, "openai/clip", "abc", "a photo of a {label} defect",
                            params, t, "pending", None, None, None)


@pytest.fixture
def panel(qtbot):
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    p = SuggestionPanel()
    qtbot.addWidget(p)
    p.resize(380, 520)
    p.show()
    return p


def test_a_labelers_card_says_its_rank_and_the_rule(panel):
    rule = dict(scoring="softmax", top_k=3, min_score=0.3, taxonomy_size=3)
    panel.set_suggestions([_card(1, "scratch", 0.34, dict(rule, rank=1)), _card(2, "dent", 0.33, dict(rule, rank=2)),
                           _card(3, "ok", 0.33, dict(rule, rank=3))])
    tip = panel.card(2).model_label.toolTip()
    assert "label 2 of 3 by score" in tip
    assert "the best label always, the next up to 3 when they score 0.30 or more" in tip
    assert "prompt: a photo of a {label} defect" in tip  # still there


def test_a_card_without_the_rule_keeps_its_tooltip(panel):
    panel.set_suggestions([_card(1, "crack", 0.9, {})])  # imported, or the learned suggester's
    tip = panel.card(1).model_label.toolTip()
    assert "by score" not in tip and tip.startswith("model: openai/clip")
