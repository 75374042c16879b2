"""evaluate(): a caption suggestion rejected with no caption written after it has nothing
to compare with: left out of the mean and counted apart (``captions.rejected_unwritten``),
overall and per model; one rejected and followed by a typed caption keeps its distance."""
from __future__ import annotations

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.edit_distance import normalised_edit_distance
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report
from llmvis_desktop.core.suggest.evaluate_report import rounded

C, D = "cap:test", "cap:other"


def _card(p, image_id, model):
    return next(s for s in p.suggestions(image_id) if s.model_id == model)


def test_a_rejected_caption_with_none_written_is_left_out_and_counted_apart(labeled_pngs):
    p, _, (a, b, c) = labeled_pngs(3)
    p.add_suggestions([NewSuggestion(a, "caption", "a scratch on metal", C, 0.9, "c1"),
                       NewSuggestion(a, "caption", "a cat on a sofa", D, 0.9, "c1"),
                       NewSuggestion(b, "caption", "a scratch on metal", C, 0.9, "c1"),
                       NewSuggestion(c, "caption", "a dent in the plate", C, 0.9, "c1")])
    # a: both captions rejected, no caption written: nothing to compare them with
    ra.decide_suggestion(p, a, _card(p, a, C).id, "rejected", "rev")
    ra.decide_suggestion(p, a, _card(p, a, D).id, "rejected", "rev")
    # b: rejected, then the reviewer typed the caption: compared with it
    ra.decide_suggestion(p, b, _card(p, b, C).id, "rejected", "rev")
    ra.set_caption(p, b, "a dent on metal", "rev")
    ra.accept(p, c, "rev")  # c: kept as suggested, distance 0
    assert p.image(a).caption in (None, "") and p.image(b).caption == "a dent on metal"

    caps = evaluate(p)["captions"]
    typed = normalised_edit_distance("a scratch on metal", "a dent on metal")
    assert 0 < typed < 1
    assert caps["decided"] == 2 and caps["rejected_unwritten"] == 2
    assert caps["mean_edit_distance"] == pytest.approx(typed / 2)
    assert caps["by_model"][C]["decided"] == 2
    assert caps["by_model"][C]["rejected_unwritten"] == 1
    assert caps["by_model"][C]["mean_edit_distance"] == pytest.approx(typed / 2)
    # D's only decided caption is of this kind: listed, with nothing to average
    assert caps["by_model"][D] == {"decided": 0, "mean_edit_distance": None, "rejected_unwritten": 1}
    assert rounded(caps)["by_model"][D]["mean_edit_distance"] is None

    text = format_report(evaluate(p))
    line = next(x for x in text.splitlines() if x.startswith("Captions:"))
    assert "over 2 decided" in line and "2 rejected with no caption written after, left out" in line
