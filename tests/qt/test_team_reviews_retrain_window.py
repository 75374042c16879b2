"""The retrain every 10 reviews counts the team's reviews since the fit the window holds,
not only the window's own: bob and carol reviewing 5 images each on the shared project
never retrained alice's window (its own count stayed at 0)."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.learned import LearnedSuggester


def _review(folder, url, actor, ids):
    with Project.open(folder, url) as teammate:
        for i in ids:
            teammate.set_status(i, "reviewed", actor)


def test_two_teammates_reviewing_five_each_retrain_the_window(qtbot, window, image_folder, monkeypatch):
    project = open_and_index(qtbot, window, image_folder)
    sc = window.suggest_ctl
    window.team_watch.timer.setInterval(100)
    sugg = LearnedSuggester(project, cache=False)
    sugg.model, sugg.fit_mark = object(), project.last_event_id()  # a fit held, as of now
    sc.learned = sugg
    sc.auto_retrain = True
    monkeypatch.setattr(sc, "refresh_learned_status", lambda: None)  # (the stand-in fit stays "ready")
    monkeypatch.setattr(sc, "_follow_learned_status", lambda: None)
    sc.learned_ready = True
    runs: list = []
    monkeypatch.setattr(sc, "run_learned", lambda auto=False: runs.append(auto))
    ids = project.image_ids()
    assert len(ids) >= 10
    _review(image_folder, project.db_url, "bob", ids[:5])
    qtbot.waitUntil(lambda: "bob" in window.statusBar().currentMessage(), timeout=15000)
    qtbot.wait(600)  # (the count asked as bob's changes were shown has landed)
    assert runs == []  # 5 of 10: not yet
    _review(image_folder, project.db_url, "carol", ids[5:10])
    qtbot.waitUntil(lambda: runs == [True], timeout=15000)
