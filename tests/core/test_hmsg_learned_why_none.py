"""`llmvis suggest --learned` (and the window's learned job) could store no suggestion and
say only "0 suggestions", or with --all over a folder of reviewed images "every image it
suggests for has this fit's suggestions (--all to redo)". Each run that stores none now
says why (core.suggest.learned_outcome.why_none), in the CLI's text and --json
("why_none"), and in the window (tests/qt/test_hmsg_learned_why_gui.py)."""
from __future__ import annotations

import json

from llmvis_desktop.core.suggest import learned as L
from llmvis_desktop.core.suggest.learned_outcome import why_none


def _run(project, **kw):
    sugg = L.LearnedSuggester(project, model="linear")
    written = sugg.run(**kw)
    return written, why_none(sugg.outcome, "--all to redo")


def _unreviewed(project):
    from llmvis_desktop.core.store.records import ImageFilter

    return project.image_ids(ImageFilter(statuses=("new", "suggested")))


def test_a_run_that_stores_some_gives_no_reason(learned):
    project, _ = learned
    written, why = _run(project)
    assert written > 0 and why == ""


def test_every_image_reviewed_or_rejected(learned):
    project, _ = learned
    for i in _unreviewed(project):
        project.set_status(i, "rejected", "alice")
    written, why = _run(project, only_unsuggested=False)  # (--all)
    assert written == 0
    assert why == ("no image to suggest for: all 24 images are reviewed or rejected (it suggests for new and "
                   "suggested images, and learns from the reviewed ones)"), why


def test_every_image_done_already(learned):
    project, _ = learned
    assert _run(project)[0] > 0
    written, why = _run(project)
    assert written == 0
    assert why == "nothing to do: all 9 images it suggests for already have this fit's suggestions (--all to redo)"


def test_all_again_over_the_same_pending_cards(learned):
    project, _ = learned
    assert _run(project, only_unsuggested=False)[0] > 0
    written, why = _run(project, only_unsuggested=False)
    assert written == 0
    assert why.startswith("no suggestion stored for the 9 images it had to do: ") and \
        "cards the same as cards already pending" in why, why


def test_no_image_readable(learned):
    project, _ = learned
    for i in _unreviewed(project):
        project.path_of(project.images([i])[0]).write_bytes(b"not an image")
    written, why = _run(project)
    assert written == 0
    assert why == "no suggestion stored for the 9 images it had to do: 9 images could not be read", why


def test_every_image_judged_free_of_the_labels(learned, monkeypatch):
    """(a one-label taxonomy: an image scoring under 0.5 for it gets no card; stood in for)"""
    project, _ = learned

    def predict(self, ids, token=None, progress=None, ran=None):
        ran.update(ids=list(ids), model_id=self.model_id, revision=self.revision, labels=["defect"], keys={})
        return []

    monkeypatch.setattr(L.LearnedSuggester, "predict", predict)
    sugg = L.LearnedSuggester(project, model="linear")
    sugg.train()
    sugg.model.labels = ["defect"]
    assert sugg.run() == 0
    assert why_none(sugg.outcome) == ("no suggestion stored for the 9 images it had to do: 9 images judged free "
                                      "of 'defect' (none scored 0.5 or more)"), sugg.outcome


def test_the_image_on_screen_held(learned):
    project, _ = learned
    ids = _unreviewed(project)[:1]
    from llmvis_desktop.core.store.records import ImageFilter

    sugg = L.LearnedSuggester(project, model="linear")
    n = sugg.run(ImageFilter(statuses=("new",), text=project.images(ids)[0].relpath), hold=lambda: ids)
    assert n == 0
    assert why_none(sugg.outcome) == ("no suggestion stored for the 1 image it had to do: 1 image on the "
                                      "reviewer's screen left alone (a later run covers it)"), sugg.outcome


def test_the_cli_says_why_in_text_and_json(learned, capsys):
    from llmvis_desktop.cli_suggest import main

    project, _ = learned
    folder = str(project.root)
    for i in _unreviewed(project):
        project.set_status(i, "rejected", "alice")
    project.close()
    assert main(["suggest", folder, "--learned", "--all", "--no-index"]) == 0
    out = capsys.readouterr().out
    assert "learned suggester: no image to suggest for: all 24 images are reviewed or rejected" in out, out
    assert "every image it suggests for has this fit's suggestions" not in out
    assert main(["suggest", folder, "--learned", "--all", "--no-index", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["learned"]
    assert got["suggestions"] == 0 and got["why_none"].startswith("no image to suggest for: all 24 images"), got


def test_not_ready_beside_models_says_what_it_needs():
    from llmvis_desktop.cli_learned import LearnedReport

    rep = LearnedReport(0, 0.1, not_ready="needs 3 more reviewed images (5 per label, for two labels): 3 more of 'dent'")
    assert rep.summary() == ("learned suggester: not run: needs 3 more reviewed images (5 per label, for two "
                             "labels): 3 more of 'dent'")
    assert rep.as_dict()["why_none"].startswith("needs 3 more") and rep.as_dict()["ran"] is False
