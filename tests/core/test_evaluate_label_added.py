"""A label added to the taxonomy after a model's suggestions were made is not that
model's miss: it was never asked about it (``suggest`` scores the labels there were then,
and adding a label makes it score every image again). Counted as a false negative, a
label added last week showed recall 0 for every model until the folder was suggested
again. Such reviewed labels are left out of the figures of the models that ran before
the label existed, and counted (``labels.added_after``)."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest.evaluate import evaluate, format_report

M, OLD = "org/zero-shot", "org/older"


def _row(r, name):
    return next(x for x in r["labels"]["per_label"] if x["label"] == name)


def test_a_label_added_after_the_suggestions_is_not_a_miss(tmp_path, db_url):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(3):
        Image.new("L", (8, 8), i * 40).save(root / f"img{i}.png")
    with Project.open(root, db_url) as p:
        p.index()
        p.add_labels(["scratch", "dent"])
        a, b, c = p.image_ids()
        p.add_suggestions([NewSuggestion(i, "label", "scratch", M, 0.9, "r1") for i in (a, b)]
                          + [NewSuggestion(c, "label", "dent", OLD, 0.9, "r1")])
        p.add_label("crack")  # added after the suggestions
        for i in (a, b, c):
            ra.accept(p, i, "lead")
        p.toggle_label(a, "crack", "lead", on=True)  # a: {scratch, crack}, b: {scratch}, c: {dent}
        r = evaluate(p)
        assert (r["labels"]["micro"]["tp"], r["labels"]["micro"]["fp"], r["labels"]["micro"]["fn"]) == (3, 0, 0)
        assert _row(r, "crack")["fn"] == 0 and r["labels"]["by_model"][M]["micro"]["fn"] == 0
        assert r["labels"]["added_after"] == 1
        assert "1 reviewed label left out: its label was added after the suggestions were made" in format_report(r)

        # the model run again since knows the label: missing it now is a miss (the other
        # model's older run on another image is unchanged)
        p.add_suggestions([NewSuggestion(a, "label", "scratch", M, 0.9, "r2")])
        r = evaluate(p)
        assert _row(r, "crack")["fn"] == 1 and r["labels"]["by_model"][M]["micro"]["fn"] == 1
        assert r["labels"]["added_after"] == 0 and "added after" not in format_report(r)
