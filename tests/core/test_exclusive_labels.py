"""Exclusive labels ("normal", "ok"): one shares no image with another label, on every
path that sets labels (store/exclusive.py), and undo puts back exactly what was there."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.exclusive import ExclusiveConflict, resolve
from llmvis_desktop.core.store.records import NewSuggestion


@pytest.fixture
def p(png_folder):
    with Project.open(png_folder) as proj:
        proj.scan()
        proj.add_label("nodule")
        proj.add_label("scratch")
        proj.add_label("normal", exclusive=True)
        yield proj


def _labels(p, image_id):
    return sorted(p.snapshot(image_id)["labels"])


def test_the_rule():
    ex = {"normal"}
    assert resolve(["nodule", "scratch"], ["nodule", "scratch", "normal"], ex) == ["normal"]
    assert resolve(["normal"], ["normal", "nodule"], ex) == ["nodule"]
    assert resolve(["nodule"], ["nodule", "scratch"], ex) == ["nodule", "scratch"]
    assert resolve(["normal"], [], ex) == []
    with pytest.raises(ExclusiveConflict, match="normal"):
        resolve([], ["nodule", "normal"], ex)


def test_label_keys_take_the_other_off_and_undo_restores(p):
    img = p.image_ids()[0]
    ra.toggle_label(p, img, "nodule", "ann", on=True)
    ra.toggle_label(p, img, "scratch", "ann", on=True)
    res = ra.toggle_label(p, img, "normal", "ann", on=True)  # key of "normal"
    assert _labels(p, img) == ["normal"]
    assert sorted(res.before["labels"]) == ["nodule", "scratch"] and res.after["labels"] == ["normal"]
    events = [e for e in p.history(img) if e.action == "labels"]
    assert (events[-1].before, events[-1].after) == (["nodule", "scratch"], ["normal"])  # one event
    ra.apply_state(p, img, res.before, "ann", "undo", expect=res.after)  # Ctrl+Z
    assert _labels(p, img) == ["nodule", "scratch"]
    res = ra.toggle_label(p, img, "normal", "ann", on=True)
    res2 = ra.toggle_label(p, img, "nodule", "ann", on=True)  # a defect put on: normal off
    assert _labels(p, img) == ["nodule"]
    ra.apply_state(p, img, res2.before, "ann", "undo", expect=res2.after)
    assert _labels(p, img) == ["normal"]


def test_an_edit_naming_both_is_refused_and_an_edit_adding_a_defect_takes_normal_off(p):
    img = p.image_ids()[0]
    with pytest.raises(ExclusiveConflict, match="exclusive"):
        ra.set_labels(p, img, ["nodule", "normal"], "ann")
    assert _labels(p, img) == []
    ra.set_labels(p, img, ["normal"], "ann")
    p.set_labels(img, ["normal", "scratch"], "ann")  # the project's own path (the CLI's)
    assert _labels(p, img) == ["scratch"]


def _cards(p, img, **scores):
    p.add_suggestions([NewSuggestion(img, "label", name, "m", score) for name, score in scores.items()])
    return {sg.value: sg.id for sg in p.suggestions(img, pending_only=True)}


def test_accepting_one_card_follows_the_rule(p):
    img = p.image_ids()[0]
    ra.toggle_label(p, img, "nodule", "ann", on=True)
    ids = _cards(p, img, normal=0.9)
    res = ra.decide_suggestion(p, img, ids["normal"], "accepted", "ann")
    assert _labels(p, img) == ["normal"]
    ra.apply_state(p, img, res.before, "ann", "undo", expect=res.after)
    assert _labels(p, img) == ["nodule"]


@pytest.mark.parametrize("scores, kept", [
    ({"normal": 0.9, "nodule": 0.7, "scratch": 0.6}, ["normal"]),
    ({"normal": 0.6, "nodule": 0.8, "scratch": 0.7}, ["nodule", "scratch"]),
])
def test_enter_on_conflicting_cards_keeps_the_highest_scored(p, scores, kept):
    img = p.image_ids()[0]
    _cards(p, img, **scores)
    res = ra.accept(p, img, "ann")
    assert _labels(p, img) == kept
    outcomes = {sg.value: sg.outcome for sg in p.suggestions(img)}
    assert {n for n, o in outcomes.items() if o == "accepted"} == set(kept)
    assert {n for n, o in outcomes.items() if o == "rejected"} == set(scores) - set(kept)
    ra.apply_state(p, img, res.before, "ann", "undo", expect=res.after)
    assert _labels(p, img) == []
    assert {sg.outcome for sg in p.suggestions(img)} == {"pending"}


def test_enter_keeps_the_labels_the_image_has(p):
    img = p.image_ids()[0]
    ra.toggle_label(p, img, "nodule", "ann", on=True)
    _cards(p, img, normal=0.95)
    ra.accept(p, img, "ann")
    assert _labels(p, img) == ["nodule"]
    assert {sg.value: sg.outcome for sg in p.suggestions(img)} == {"normal": "rejected"}


def test_marking_a_label_exclusive(p):
    img = p.image_ids()[0]
    ra.toggle_label(p, img, "nodule", "ann", on=True)
    ra.toggle_label(p, img, "scratch", "ann", on=True)
    d = p.update_label("scratch", exclusive=True)
    assert d.exclusive and {x.name: x.exclusive for x in p.labels()} == {
        "nodule": False, "scratch": True, "normal": True}
    assert _labels(p, img) == ["nodule", "scratch"]  # nothing rewritten: the rule holds from now on
    ra.toggle_label(p, img, "nodule", "ann", on=False)
    ra.toggle_label(p, img, "nodule", "ann", on=True)
    assert _labels(p, img) == ["nodule"]


def test_an_old_project_upgrades(tmp_path, png_folder, db_url):
    with Project.open(png_folder, db_url) as proj:
        proj.scan()
        proj.add_label("nodule")
        img = proj.image_ids()[0]
        proj.set_labels(img, ["nodule"], "ann")
        url = proj.db_url
    migrate.downgrade(url, "0015")
    engine = sa.create_engine(url)
    try:
        assert "exclusive" not in {c["name"] for c in sa.inspect(engine).get_columns("labels")}
    finally:
        engine.dispose()
    with Project.open(png_folder, db_url) as proj:
        assert [(d.name, d.exclusive) for d in proj.labels()] == [("nodule", False)]
        proj.add_label("normal", exclusive=True)
        ra.toggle_label(proj, img, "normal", "ann", on=True)
        assert proj.snapshot(img)["labels"] == ["normal"]
