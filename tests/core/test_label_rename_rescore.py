"""A zero-shot labeler (CLIP, SigLIP) scores the label NAMES through its template (softmax
over the whole set for CLIP): renaming a label ("scrtch" -> "scratch on metal") changes
the text it scores, removing one changes the set. A job over the images not yet suggested
counted every image as done (only a label joining moved the bar), so the pending cards
kept the scores made for the old text: "scratch on metal" showed 0.289, the score of
"scrtch", where the new text scores 0.048; after a removal the remaining cards no longer
added up to 1. A rename or a removal now counts as a label joining does for such a
labeler; the learned suggester, which keys labels by id and scores no text, is not
made to score again by a rename."""
from __future__ import annotations

import json

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.store import repo_runs, repo_suggest
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest

LABELS = ("scrtch", "dent", "crack", "ok")
N = 6


@pytest.fixture
def project(tmp_path, db_url):
    """On SQLite and on PostgreSQL (conftest.db_url)."""
    folder = tiny_models.image_folder(tmp_path / "images", N)
    p = tiny_models.labelled_project(folder, LABELS, db_url)
    yield p
    p.close()


def _run(project, clip, worker, **kw):
    opts = dict(batch=4, top_k=10, min_score=0.0, read_processes=0, worker=worker)
    return run_suggest(project, None, clip, **{**opts, **kw})


def _pending(project) -> dict[int, dict[str, float]]:
    """{image id: {label: score}} of the pending label cards; a label twice on an image fails."""
    out: dict[int, dict[str, float]] = {}
    for s in tiny_models.all_suggestions(project):
        if s.outcome == "pending" and s.kind == "label":
            mine = out.setdefault(s.image_id, {})
            assert s.value not in mine, f"two pending {s.value!r} cards on image {s.image_id}"
            mine[s.value] = s.score
    return out


def _fresh(project, clip, worker) -> dict[int, dict[str, float]]:
    """What the labeler scores for the taxonomy now, every image redone."""
    _run(project, clip, worker, only_unsuggested=False)
    return _pending(project)


def test_a_rename_gets_the_labeler_to_score_every_image_again(tiny, project, worker):
    clip = inspect_folder(tiny["clip"])
    assert _run(project, clip, worker).images == N
    before = _pending(project)
    project.update_label("scrtch", new_name="scratch on metal", actor="ana")
    again = _run(project, clip, worker)
    assert again.images == N and again.skipped == 0  # it skipped all 6: "scratch on metal" kept "scrtch"'s score
    after = _pending(project)
    names = {"scratch on metal", "dent", "crack", "ok"}
    assert set(after) == set(before) and all(set(cards) == names for cards in after.values())
    for cards in after.values():
        assert sum(cards.values()) == pytest.approx(1.0, abs=1e-5)
    assert after != {i: {("scratch on metal" if k == "scrtch" else k): v for k, v in c.items()}
                     for i, c in before.items()}  # new scores, not the old text's
    assert _fresh(project, clip, worker) == after  # the scores of the text as it is now
    # and now done: a rerun with the taxonomy unchanged skips every image
    assert _run(project, clip, worker).images == 0


def test_a_rerun_after_a_rename_withdraws_the_cards_it_no_longer_ranks(tiny, project, worker):
    """The re-scoring takes the place of the old cards (no second card of a label; one no
    longer in the top 1 is withdrawn, with its history event)."""
    clip = inspect_folder(tiny["clip"])
    _run(project, clip, worker, top_k=2)
    old = {s.id for s in tiny_models.all_suggestions(project) if s.outcome == "pending"}
    project.update_label("dent", new_name="dent in the housing", actor="ana")
    assert _run(project, clip, worker, top_k=1).images == N
    pending = _pending(project)
    assert all(len(cards) == 1 for cards in pending.values())
    rows = {s.id: s for s in tiny_models.all_suggestions(project)}
    still = {sid for sid in old if rows[sid].outcome == "pending"}
    assert len(still) <= N  # at most the one card per image kept (renewed with its new score)
    gone = [rows[sid] for sid in old - still]
    assert gone and all(r.outcome == "withdrawn" for r in gone)
    for r in gone:
        assert any(e.action == "withdraw" and e.suggestion_id == r.id for e in project.history(r.image_id))


def test_a_removal_gets_the_softmax_scored_again_over_the_labels_left(tiny, project, worker):
    clip = inspect_folder(tiny["clip"])
    _run(project, clip, worker)
    project.remove_label("crack", actor="ana")
    assert _run(project, clip, worker).images == N  # it skipped all: the cards left added up to 0.86
    after = _pending(project)
    for cards in after.values():
        assert set(cards) == {"scrtch", "dent", "ok"}
        assert sum(cards.values()) == pytest.approx(1.0, abs=1e-5)
    assert _fresh(project, clip, worker) == after
    assert _run(project, clip, worker).images == 0


def test_a_recolour_rekey_or_description_is_no_new_work(tiny, project, worker):
    clip = inspect_folder(tiny["clip"])
    _run(project, clip, worker)
    project.update_label("dent", color="#123456", shortcut="9", description="a dent in the sheet")
    assert _run(project, clip, worker).images == 0


def test_the_cli_rescores_after_labels_remove(tiny, project, capsys):
    """Through the commands a user runs: suggest, labels remove, suggest again."""
    from llmvis_desktop.cli import main

    folder = str(project.root)
    db = [] if project.store.dialect == "sqlite" else ["--db", project.db_url]
    args = ["suggest", folder, *db, "--labeler", str(tiny["clip"]), "--json", "--device", "cpu",
            "--read-processes", "0", "--no-index"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == N
    assert main(["labels", "remove", folder, *db, "crack"]) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == N
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["models"]["images"] == 0


def test_a_rename_does_not_make_the_learned_suggester_score_again(project):
    """The learned suggester scores labels by id (its cards follow a rename: learned_store),
    no text: a rename changes nothing it computed, and its revision changes with what it
    learned. Its images stay done, with a card or judged without one (suggest_runs)."""
    p = project
    i, j = p.image_ids()[:2]
    p.add_suggestions([NewSuggestion(i, "label", "dent", "learned:linear", 0.8, "rev1", None)])
    p.record_suggest_runs([i, j], "learned:linear", "rev1", ["dent", "scrtch"])
    p.update_label("dent", new_name="dent in the housing", actor="ana")
    p.remove_label("crack", actor="ana")
    with p.store.read() as s:
        assert repo_suggest.same_request_done(s, "learned:linear", "rev1", "label", None) == {i}
        assert repo_runs.runs_done(s, "learned:linear", "rev1") == {i, j}
    p.add_label("hole")  # a label joining: it is asked about a label it never learned
    with p.store.read() as s:
        assert repo_runs.runs_done(s, "learned:linear", "rev1") == set()


def test_labels_an_abandoned_import_made_taken_back_count_as_a_removal(project):
    """A killed import's labels, taken back (provisional_labels), leave the set too: a
    labeler that ran while they were there scored them in its softmax."""
    from llmvis_desktop.core.store import provisional_labels as provisional

    p = project
    i = p.image_ids()[0]
    template = "a photo of {label}"
    p.add_label("rust")  # made by an import later killed
    with p.store.write() as s:
        rust = next(x.id for x in p.labels() if x.name == "rust")
        provisional.record(s, {"host": "elsewhere", "pid": 1, "started": 0.0, "file": "a.csv"}, [(rust, "rust")])
    p.add_suggestions([NewSuggestion(i, "label", "dent", "models/clip", 0.4, "r1", template)], supersede=True)
    with p.store.read() as s:
        assert repo_suggest.same_request_done(s, "models/clip", "r1", "label", template) == {i}
    assert provisional.take_back_abandoned(p.store) == ["rust"]
    with p.store.read() as s:
        assert repo_suggest.same_request_done(s, "models/clip", "r1", "label", template) == set()


def test_a_label_list_changed_while_the_job_runs_leaves_its_label_cards_to_do(tiny, project, worker, monkeypatch):
    """The job scores the label list as it read it at its start. A rename during the job
    made the cards it stored afterwards look done (made after the rename) though they were
    scored against the old text, and the old name's cards were said to be "already stored
    by another job running at the same time". Those cards are now left out, the report
    says why, and a rerun scores those images against the list as it is now."""
    import functools

    from llmvis_desktop.core.suggest import batch, pipeline

    # every batch's rows kept for the last commit, after the rename (no race with the writer)
    monkeypatch.setattr(batch, "GroupCommitter", functools.partial(pipeline.GroupCommitter, every=1e9))
    clip = inspect_folder(tiny["clip"])
    renamed = []

    def progress(p):
        if p.done and not renamed:
            project.update_label("scrtch", new_name="scratch on metal", actor="ana")
            renamed.append(p.done)

    first = _run(project, clip, worker, batch=2, progress=progress)
    assert renamed and first.suggestions == 0, first
    said = " ".join(first.messages)
    assert "another job" not in said, said
    assert "label list changed while the job ran" in said, said
    assert _pending(project) == {}
    again = _run(project, clip, worker)
    assert again.images == N and again.skipped == 0  # it scored 0: the cards stored after the rename looked done
    after = _pending(project)
    assert all(set(c) == {"scratch on metal", "dent", "crack", "ok"} for c in after.values()) and len(after) == N
    assert _run(project, clip, worker).images == 0
