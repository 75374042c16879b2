"""A labeler run again with another label template re-scores the same labels: its cards
take the place of the older template's pending cards on the image (five templates tried
left five pending "dent" cards of one model on every image). A captioner asked with
another prompt answers another question: both captions stay."""
from __future__ import annotations

from llmvis_desktop.core.store.records import NewSuggestion

CLIP = "models/clip"


def _label(image_id, value, score, template, revision="r1"):
    return NewSuggestion(image_id, "label", value, CLIP, score, revision, template)


def _pending(p, image_id):
    return sorted((s.kind, s.value, s.prompt, s.score) for s in p.suggestions(image_id, pending_only=True))


def test_a_new_template_replaces_the_older_templates_pending_label_cards(project):
    p = project
    i, j = p.image_ids()[:2]
    p.add_suggestions([_label(i, "dent", 0.9, "a photo of {label}"), _label(j, "scratch", 0.7, "a photo of {label}")],
                      supersede=True)
    p.add_suggestions([_label(i, "dent", 0.6, "a close-up of a {label} on metal"),
                       _label(i, "scratch", 0.35, "a close-up of a {label} on metal")], supersede=True)
    assert _pending(p, i) == [("label", "dent", "a close-up of a {label} on metal", 0.6),
                              ("label", "scratch", "a close-up of a {label} on metal", 0.35)]
    withdrawn = [s for s in p.suggestions(i) if s.outcome == "withdrawn"]
    assert [(s.value, s.prompt) for s in withdrawn] == [("dent", "a photo of {label}")]
    assert _pending(p, j) == [("label", "scratch", "a photo of {label}", 0.7)]  # not run again there
    # the history says why the old card went
    events = [e for e in p.history(i) if e.suggestion_id == withdrawn[0].id and e.action != "suggest"]
    assert events and "superseded" in str(events[-1].after)


def test_another_revision_or_another_captioning_prompt_keeps_its_cards(project):
    p = project
    i = p.image_ids()[0]
    p.add_suggestions([_label(i, "dent", 0.9, "a photo of {label}")], supersede=True)
    p.add_suggestions([_label(i, "dent", 0.8, "a close-up of a {label}", revision="r2")], supersede=True)
    p.add_suggestions([NewSuggestion(i, "caption", "a dent", "models/blip", 0.4, "b1", "describe the defect")],
                      supersede=True)
    p.add_suggestions([NewSuggestion(i, "caption", "a metal plate", "models/blip", 0.5, "b1", None)], supersede=True)
    assert _pending(p, i) == [("caption", "a dent", "describe the defect", 0.4),
                              ("caption", "a metal plate", None, 0.5),
                              ("label", "dent", "a close-up of a {label}", 0.8),
                              ("label", "dent", "a photo of {label}", 0.9)]
