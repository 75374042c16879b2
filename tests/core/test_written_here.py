"""Which history events a project object wrote itself (``Project.written_here``): a
team window leaves out its own changes by that, not by the actor's name, since another
session or ``llmvis --actor alice`` may write under the window's own reviewer name."""
from __future__ import annotations

from sqlalchemy import select

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import models as m
from llmvis_desktop.core.store.records import NewSuggestion


def _events_after(p, after):
    with p.store.read() as s:
        return s.execute(select(m.Event.id, m.Event.action, m.Event.actor).where(m.Event.id > after)).all()


def test_every_event_a_project_writes_is_its_own_and_no_other_sessions(project, tmp_path):
    ids = project.image_ids(sort="name")
    rels = {r.id: r.relpath for r in project.images(ids)}
    before = project.last_event_id()
    # an import (actor "import:in.csv by alice")
    (tmp_path / "in.csv").write_text(f"file_name,labels,caption,status\n{rels[ids[4]]},dent,imported,reviewed\n")
    assert import_file(project, "csv", tmp_path / "in.csv", actor="alice").matched == 1
    # reviews: caption, labels, status, an accepted and a rejected card, a job's cards
    ra.set_caption(project, ids[0], "a weld", "alice")
    ra.toggle_label(project, ids[1], "scratch", "alice")
    ra.set_status(project, ids[2], "reviewed", "alice")
    sids = project.add_suggestions([NewSuggestion(ids[3], "label", "dent", "m1", 0.9, "r1"),
                                    NewSuggestion(ids[3], "caption", "rust", "m1", 0.4, "r1", "describe")])
    ra.accept(project, ids[3], "alice")
    project.add_suggestions([NewSuggestion(ids[4], "label", "scratch", "m1", 0.2, "r1")])
    ra.reject(project, ids[4], "alice")
    assert sids
    # a rename and a removal of a label carried by images
    project.update_label("dent", new_name="dent mark", actor="alice")
    project.remove_label("scratch", "alice", force=True)
    written = _events_after(project, before)
    actions = {a for _, a, _ in written}
    assert {"caption", "label_removed", "label_renamed", "suggest"} <= actions, actions
    assert any(actor.startswith("import:") for _, _, actor in written)
    assert [e for e in written if not project.written_here(e[0])] == []

    # another session of the same reviewer (a second window, `llmvis --actor alice`)
    with Project.open(project.root, project.db_url) as other:
        assert not any(other.written_here(eid) for eid, _, _ in written)
        mark = other.last_event_id()
        ra.set_caption(other, ids[0], "alice again, elsewhere", "alice")
        theirs = _events_after(other, mark)
        assert theirs and all(other.written_here(eid) for eid, _, _ in theirs)
    assert not any(project.written_here(eid) for eid, _, _ in theirs)

    # a watch that will not ask about older ids lets them go
    project.forget_written(theirs[0][0])
    assert not any(project.written_here(eid) for eid, _, _ in written)


def test_a_rolled_back_write_is_not_remembered(project):
    ids = project.image_ids()
    before = project.last_event_id()
    try:
        with project.store.write() as s:
            from llmvis_desktop.core.store import repo_review as rr

            rr.set_caption(s, ids[0], "never", "alice")
            s.flush()
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert not any(project.written_here(e) for e in range(before + 1, before + 10))


def test_a_review_made_with_a_short_wait_is_its_own_too(project):
    """The window makes its review actions within short_waits (a 1.5 s lock wait), on
    another session maker than the long-wait writes: its events were not noted, so the
    window announced its own Enter as a teammate's ('tester changed 1 image')."""
    from llmvis_desktop.core.store.engine import short_waits

    ids = project.image_ids(sort="name")
    before = project.last_event_id()
    with short_waits():
        ra.set_caption(project, ids[0], "typed in the window", "tester")
        ra.toggle_label(project, ids[1], "scratch", "tester")
    written = _events_after(project, before)
    assert written and all(project.written_here(e.id) for e in written)
