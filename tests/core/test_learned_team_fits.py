"""Two reviewers on one project, each fitting the learned suggester (a window each, or a
window and the command line): a fit's cards replace only those of fits that saw less of
the project's history, never a newer fit's (learned_fits)."""
from __future__ import annotations

import shutil

import pytest

import feature_memo
from defectgen import KINDS, write_folder
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.learned import LearnedSuggester
from llmvis_desktop.core.suggest.learned_outcome import why_none


@pytest.fixture(autouse=True)
def _features_once(monkeypatch):
    feature_memo.memoise(monkeypatch)


@pytest.fixture
def folder(tmp_path_factory, tmp_path):
    src = tmp_path_factory.mktemp("team_fits")
    train = write_folder(src / "train", 8, size=80, half="left", seed=3)
    write_folder(src / "test", 3, size=80, half="right", seed=4)
    root = tmp_path / "defects"
    shutil.copytree(src, root)
    return root, [("train/" + r, k) for r, k in train]


def _review(project, items, per_class, actor):
    seen = {k: 0 for k in KINDS}
    for rel, kind in items:
        if seen[kind] >= per_class:
            continue
        seen[kind] += 1
        rec = project.image_by_path(rel)
        if rec.review_status != "reviewed":
            project.apply_state(rec.id, {"labels": [kind], "caption": f"a tile showing {kind}",
                                         "review_status": "reviewed"}, actor, "review")


def _pending(p):
    return [s for rec in p.images(p.image_ids()) if rec.review_status != "reviewed"
            for s in p.suggestions(rec.id, pending_only=True) if s.model_id.startswith("learned:")]


def test_an_older_fit_storing_last_leaves_a_newer_fits_cards_alone(folder, db_url):
    """alice's fit read 5 reviews per label; bob then reviewed 2 more per label, fitted and
    stored his cards; alice's slow job stores last. It withdrew bob's cards (fitted on more
    reviews) and put its own in their place; now it leaves them and says why. On SQLite and
    on PostgreSQL (its images locked row by row, the history ids handed out by a sequence)."""
    root, train = folder
    with Project.open(root, db_url) as alice:
        alice.index()
        for k in KINDS:
            alice.add_label(k)
        _review(alice, train, 5, "alice")
        slow = LearnedSuggester(alice, model="linear")
        slow.train()
        with Project.open(root, alice.db_url) as bob:  # the teammate: his own session on the database
            _review(bob, train, 7, "bob")
            fast = LearnedSuggester(bob, model="linear")
            fast.train()
            assert fast.run() > 0
        newer = {(s.id, s.model_revision) for s in _pending(alice)}
        assert {r for _, r in newer} == {fast.revision}
        assert slow.run() == 0
        assert {(s.id, s.model_revision) for s in _pending(alice)} == newer  # none withdrawn, none added
        assert slow.outcome["newer_fit"] == len({s.image_id for s in _pending(alice)}) > 0
        assert "newer fit" in why_none(slow.outcome)
        slow.train()  # alice retrains: she has seen bob's reviews now, and her cards take their place
        slow.run(only_unsuggested=False)
        assert {s.model_revision for s in _pending(alice)} == {slow.revision}
