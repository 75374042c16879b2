"""The readiness line once two of five labels were learned read "learns 2 labels from 45
reviewed images; needs 5 more reviewed images of 'crack', needs 5 more reviewed images of
'pitting', needs 5 more reviewed images of 'stain' (5 per label)": past the status bar's
room, in other words than the line at the end of a job ("not learned yet: 'pitting' needs 5
more reviewed images, 'stain' needs 1 more"). It says it as that line does now."""
from __future__ import annotations

import defectgen

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.learned import LearnedSuggester

KINDS = ("ok", "scratch", "crack", "stain", "pitting", "dent")


def test_labels_not_learned_are_named_once_each(tmp_path):
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, 6, size=32, kinds=KINDS[:5])
    with Project.open(folder) as p:
        p.scan()
        for k in KINDS:
            p.add_label(k)
        want, seen = {"ok": 5, "scratch": 5, "crack": 4}, {}
        for rel, kind in rows:
            if seen.get(kind, 0) < want.get(kind, 0):
                seen[kind] = seen.get(kind, 0) + 1
                p.apply_state(p.image_by_path(rel).id, {"labels": [kind], "review_status": "reviewed"},
                              "alice", "review")
        ready, msg = LearnedSuggester(p).status()
    assert ready
    assert msg == ("learns 2 labels from 14 reviewed images; not learned yet: 'crack' needs 1 more reviewed "
                   "image, 'dent' needs 5 more, 'pitting' needs 5 more and 1 more label (5 per label)")
