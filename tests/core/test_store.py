"""Store: migrations, refusal of foreign/newer databases, history with every change."""
import dataclasses
import sqlite3

import pytest
from sqlalchemy import text

from llmvis_desktop.core.project import Project, ProjectError
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion
from llmvis_desktop.core.store.repo_review import replay


@pytest.fixture
def project(png_folder, db_url):
    """On SQLite and on PostgreSQL (conftest.db_url)."""
    p = Project.open(png_folder, db_url)
    p.scan()
    p.add_label("ok")
    p.add_label("scratch")
    yield p
    p.close()


@pytest.fixture
def sqlite_project(png_folder):
    with Project.open(png_folder) as p:
        yield p


def test_revision_chain_is_unbroken():
    scripts = migrate.script_directory()
    heads = scripts.get_heads()
    assert len(heads) == 1, f"more than one head: {heads}"
    revs = list(scripts.walk_revisions())  # newest first, raises on a broken chain
    assert revs[-1].down_revision is None
    for newer, older in zip(revs, revs[1:]):
        assert newer.down_revision == older.revision
    assert heads[0] == migrate.HEAD_REVISION  # the fast path at open must know the head


def test_sqlite_is_hardened(sqlite_project):
    with sqlite_project.store.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_default_db_inside_folder(png_folder):
    with Project.open(png_folder) as p:
        assert p.db_url.endswith(".llmvis/project.sqlite")
        assert p.db_note is None
    assert (png_folder / ".llmvis" / "project.sqlite").exists()


def test_read_only_folder_uses_data_dir(png_folder, monkeypatch, tmp_path, read_only):
    read_only(monkeypatch, png_folder)
    with Project.open(png_folder, data_dir=tmp_path / "data") as p:
        assert str(tmp_path / "data") in p.db_url
        assert "read-only" in p.db_note and str(png_folder.resolve()) in p.db_note
        p.scan()
        assert p.count() == 5


def test_read_only_folder_with_its_own_database_works_on_a_copy(png_folder, monkeypatch, tmp_path):
    """A folder made read-only after it was annotated: its database is copied (the
    annotations come along), not replaced by an empty one elsewhere."""
    import llmvis_desktop.core.store.db_location as db_location
    import llmvis_desktop.core.store.engine as eng

    with Project.open(png_folder) as p:
        p.index()
        p.add_label("scratch")
        p.apply_state(p.image_ids()[0], {"caption": "kept", "review_status": "reviewed"}, "tester", "review")
    own = png_folder / ".llmvis" / "project.sqlite"
    before = own.read_bytes()
    real_access = eng.os.access
    ro = str(png_folder.resolve())
    monkeypatch.setattr(eng.os, "access", lambda path, mode: False if str(path).startswith(ro) and mode & eng.os.W_OK
                        else real_access(path, mode))
    monkeypatch.setattr(db_location, "_writable_dir", lambda p: not str(p).startswith(ro))
    with Project.open(png_folder, data_dir=tmp_path / "data") as p:
        assert str(tmp_path / "data") in p.db_url
        assert "copied" in p.db_note and str(own.resolve()) in p.db_note
        assert [l.name for l in p.labels()] == ["scratch"] and p.count() == 5
        assert p.image(p.image_ids()[0]).caption == "kept"
        p.apply_state(p.image_ids()[1], {"caption": "new"}, "tester", "review")
    with Project.open(png_folder, data_dir=tmp_path / "data") as p:  # the copy is reused, not made again
        assert p.image(p.image_ids()[1]).caption == "new"
    assert own.read_bytes() == before  # the folder's own file was only read


def test_a_read_only_copy_is_refreshed_or_its_work_pointed_to(png_folder, monkeypatch, tmp_path):
    """The copy was made once and reused for ever: read-only again after the folder's
    database changed, it showed the old annotations; writable again, the work done in
    the copy was silently left behind."""
    import llmvis_desktop.core.store.db_location as db_location
    import llmvis_desktop.core.store.engine as eng

    data = tmp_path / "data"
    with Project.open(png_folder) as p:
        p.index()
        first, second, third = p.image_ids()[:3]
    real_access, real_writable = eng.os.access, db_location._writable_dir
    ro = str(png_folder.resolve())

    def read_only(on: bool) -> None:
        monkeypatch.setattr(eng.os, "access", lambda path, mode: False if on and str(path).startswith(ro)
                            and mode & eng.os.W_OK else real_access(path, mode))
        monkeypatch.setattr(db_location, "_writable_dir", lambda d: False if on and str(d).startswith(ro)
                            else real_writable(d))

    read_only(True)
    with Project.open(png_folder, data_dir=data) as p:  # copied; nothing done in it
        assert str(data) in p.db_url
    read_only(False)
    with Project.open(png_folder, data_dir=data) as p:  # the folder's database moves on
        assert p.db_note is None
        p.set_caption(first, "made in the folder", "alice")
    read_only(True)
    with Project.open(png_folder, data_dir=data) as p:  # the untouched copy is made afresh
        assert p.image(first).caption == "made in the folder"
        p.set_caption(second, "made in the copy", "bob")
    read_only(False)
    with Project.open(png_folder, data_dir=data) as p:
        assert p.image(second).caption is None
        # the folder's database has not changed since the copy: the copy's file takes its
        # place, history and all (a CSV export and import, as advised, flattened the history)
        note = p.db_note
        assert "changes made while" in note and str(data) in note and "whole history" in note
        assert "llmvis import" not in note and "csv" not in note
        p.set_caption(third, "folder again", "alice")
    read_only(True)
    with Project.open(png_folder, data_dir=data) as p:  # both changed: the copy is kept, and said so
        assert p.image(second).caption == "made in the copy" and p.image(third).caption is None
        assert "has changed since it was copied, and so has the copy" in p.db_note
    read_only(False)
    with Project.open(png_folder, data_dir=data) as p:  # both changed: no merge; what a CSV loses is said
        note = p.db_note
        assert "llmvis import" in note and "--include-suggestions" in note and "loses the copy's history" in note
        assert "--format history" in note


def test_newer_database_refused_untouched(png_folder, tmp_path):
    db = tmp_path / "future.sqlite"
    with Project.open(png_folder, f"sqlite:///{db}"):
        pass
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(ProjectError, match="newer version"):
        Project.open(png_folder, f"sqlite:///{db}")
    assert db.read_bytes() == before


def test_foreign_database_refused(png_folder, tmp_path):
    db = tmp_path / "other.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(ProjectError, match="not written by llmvis"):
        Project.open(png_folder, f"sqlite:///{db}")


def test_every_change_writes_history_and_replays(project):
    i = project.image_ids()[0]
    project.toggle_label(i, "scratch", "alice")
    project.set_caption(i, "a scratch near the edge", "alice")
    project.toggle_label(i, "ok", "bob")
    project.toggle_label(i, "scratch", "bob")
    project.set_status(i, "reviewed", "bob")
    project.set_caption(i, "a scratch near the edge", "bob")  # unchanged: no event
    events = project.history(i)
    assert [e.action for e in events] == ["labels", "caption", "labels", "labels", "status"]
    assert [e.actor for e in events] == ["alice", "alice", "bob", "bob", "bob"]
    assert events[2].before == ["scratch"] and events[2].after == ["ok", "scratch"]
    state = project.snapshot(i)
    assert state == {"caption": "a scratch near the edge", "labels": ["ok"], "review_status": "reviewed"}
    assert replay(events) == state
    rec = project.image(i)
    assert rec.labels == ("ok",) and rec.status == "reviewed" and rec.updated_by == "bob"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.caption = "x"


def test_undo_state_writes_events(project):
    i = project.image_ids()[0]
    before = project.snapshot(i)
    project.set_caption(i, "new", "alice")
    project.apply_state(i, before, "alice", "undo")
    assert project.snapshot(i) == before
    assert [e.action for e in project.history(i)] == ["caption", "undo:caption"]
    assert replay(project.history(i)) == before


def test_history_is_append_only(project):
    i = project.image_ids()[0]
    project.set_caption(i, "x", "alice")
    with pytest.raises(Exception, match="append-only"):
        with project.store.write() as s:
            s.execute(text("UPDATE events SET actor='mallory'"))
    with pytest.raises(Exception, match="append-only"):
        with project.store.write() as s:
            s.execute(text("DELETE FROM events"))
    assert project.history(i)[0].actor == "alice"


def test_failed_action_commits_nothing(project):
    i = project.image_ids()[0]
    with pytest.raises(Exception, match="not in the taxonomy"):
        project.set_labels(i, ["ok", "nonexistent"], "alice")
    assert project.snapshot(i)["labels"] == [] and project.history(i) == []


def test_labels_crud(project):
    assert [l.name for l in project.labels()] == ["ok", "scratch"]
    assert [l.shortcut for l in project.labels()] == ["1", "2"]
    with pytest.raises(ValueError, match="already exists"):
        project.add_label("ok")
    with pytest.raises(ValueError, match="#rrggbb"):
        project.add_label("dent", color="red")
    project.add_label("d\u00e9faut")  # composed e-acute
    with pytest.raises(ValueError, match="looks the same as the existing label"):
        project.add_label("de\u0301faut")  # e + combining accent: the same word on screen
    with pytest.raises(ValueError, match="differs from the existing label 'ok' only in upper and lower case"):
        project.add_label("OK")  # the window's add box refused it; the CLI made a second label
    with pytest.raises(ValueError, match="only in upper and lower case"):
        project.update_label("scratch", new_name="OK")
    project.update_label("ok", new_name="OK")  # the label's own case may change
    project.update_label("OK", new_name="ok")
    for bad in ("two\nlines", "tab\there"):
        with pytest.raises(ValueError, match="control character"):
            project.add_label(bad)
    project.remove_label("d\u00e9faut", "alice")
    i = project.image_ids()[0]
    project.toggle_label(i, "scratch", "alice")
    renamed = project.update_label("scratch", new_name="scratch-deep", color="#123456")
    assert renamed.color == "#123456"
    assert project.image(i).labels == ("scratch-deep",)
    with pytest.raises(ValueError, match="on 1 image"):
        project.remove_label("scratch-deep", "alice")
    assert project.remove_label("scratch-deep", "alice", force=True) == 1
    assert project.image(i).labels == ()
    assert project.history(i)[-1].before == ["scratch-deep"]


def test_suggestions_and_decisions(project):
    a, b = project.image_ids()[:2]
    sids = project.add_suggestions([
        NewSuggestion(a, "caption", "a dent", "blip-tiny", score=0.9, model_revision="abc", prompt=None),
        NewSuggestion(a, "label", "scratch", "clip-tiny", score=0.4),
        NewSuggestion(b, "label", "ok", "clip-tiny", score=0.2),
    ])
    assert project.image(a).status == "suggested" and project.image(a).max_score == 0.4  # the label card's, not the caption's 0.9
    # the review queue: least confident first, unsuggested last
    queue = project.image_ids(sort="uncertainty")
    assert queue[:2] == [b, a]
    rest = queue[2:]
    # descending turns the order round (it did nothing for these sorts); unsuggested stay last
    assert project.image_ids(sort="uncertainty", descending=True) == [a, b] + rest[::-1]
    assert project.image_ids(sort="score") == [a, b] + rest
    assert project.image_ids(sort="score", descending=True) == [b, a] + rest[::-1]
    assert set(project.image_ids(ImageFilter(statuses=("suggested",)))) == {a, b}
    project.decide_suggestion(sids[0], "edited", "alice", final_value="a deep dent")
    project.decide_suggestion(sids[1], "accepted", "alice")
    project.decide_suggestion(sids[2], "rejected", "alice")
    assert project.image(a).caption == "a deep dent" and project.image(a).labels == ("scratch",)
    s = {x.id: x for x in project.suggestions(a)}
    assert s[sids[0]].outcome == "edited" and s[sids[0]].final_value == "a deep dent"
    assert s[sids[0]].model_revision == "abc"
    hist = project.history(a)
    assert hist[0].actor == "model:blip-tiny" and hist[0].action == "suggest"
    assert any(e.action == "caption" and e.suggestion_id == sids[0] for e in hist)
    assert project.image(b).status == "new"  # its only suggestion was rejected
    info = project.info()
    assert info["suggestions"] == {"pending": 0, "accepted": 1, "edited": 1, "rejected": 1, "withdrawn": 0}


def test_accepting_a_caption_the_image_already_has_is_in_the_history(project):
    """The caption was unchanged, so set_caption wrote nothing: the decision had no event
    (an accepted label in the same case had one)."""
    a = project.image_ids()[0]
    project.set_caption(a, "a dent", "alice")
    sid, sid2 = project.add_suggestions([NewSuggestion(a, "caption", "a dent", "blip-tiny", score=0.9),
                                         NewSuggestion(a, "caption", "x", "git-tiny", score=0.5)])
    project.decide_suggestion(sid, "accepted", "bob")
    project.decide_suggestion(sid2, "edited", "bob", final_value="a dent")
    events = [e for e in project.history(a) if e.suggestion_id in (sid, sid2) and e.action != "suggest"]
    # the second was the model's "x" edited to the caption there: not an accept of "a dent"
    assert [(e.suggestion_id, e.actor, e.action, e.before, e.after) for e in events] == [
        (sid, "bob", "accept_suggestion", None, "a dent"), (sid2, "bob", "edit_suggestion", "x", "a dent")]
    assert project.image(a).caption == "a dent"


def test_add_suggestions_in_bulk_keeps_order_events_and_refuses_unknown_images(project):
    from llmvis_desktop.core.store import models as m
    from llmvis_desktop.core.store import repo_suggest as rs
    from llmvis_desktop.core.store.repo_review import NotFound

    ids = project.image_ids()
    project.set_status(ids[1], "reviewed", "alice")
    project.add_labels([f"v{k}" for k in range(7)] + ["x"])  # (a card of another label is left out)
    items = [NewSuggestion(ids[k % 3], "label", f"v{k}", "m", score=k / 10) for k in range(7)]
    sids = project.add_suggestions(items)
    assert sids == sorted(sids) and len(set(sids)) == 7
    by_id = {s.id: s for i in ids[:3] for s in project.suggestions(i)}
    assert [(by_id[s].image_id, by_id[s].value) for s in sids] == [(it.image_id, it.value) for it in items]
    events = [e for e in project.history(ids[0]) if e.action == "suggest"]
    assert [e.suggestion_id for e in events] == [sids[0], sids[3], sids[6]]
    assert events[0].after == {"kind": "label", "value": "v0", "score": 0.0, "model_id": "m",
                               "revision": None, "prompt": None}
    assert project.image(ids[0]).status == "suggested" and project.image(ids[0]).max_score == 0.6
    assert project.image(ids[1]).status == "reviewed"  # a reviewed image stays reviewed
    before = project.info()["suggestions"]
    with pytest.raises(NotFound, match="99999"):
        project.add_suggestions([NewSuggestion(ids[0], "label", "x", "m"), NewSuggestion(99999, "label", "x", "m")])
    assert project.info()["suggestions"] == before  # nothing of the refused batch stored
    # an image already loaded in the same session is not left stale
    with project.store.write() as s:
        row = s.get(m.Image, ids[3])
        assert row.review_status == "new"
        rs.add_suggestions(s, [NewSuggestion(ids[3], "caption", "c", "m", score=0.3)])
        assert row.review_status == "suggested" and row.max_score == 0.3


def test_filters_in_sql(project):
    ids = project.image_ids()
    project.toggle_label(ids[0], "scratch", "a")
    project.set_caption(ids[1], "Rust stain 50%", "a")
    project.set_status(ids[2], "rejected", "a")
    project.add_repair(ids[0], mask_path="m.png", output_path="repaired/x.png", engine="telea", actor="a")
    assert project.image_ids(ImageFilter(label="scratch")) == [ids[0]]
    assert project.image_ids(ImageFilter(text="stain 50%")) == [ids[1]]
    assert project.image_ids(ImageFilter(text="50_")) == []
    assert project.image_ids(ImageFilter(statuses=("rejected",))) == [ids[2]]
    assert project.image_ids(ImageFilter(has_repair=True)) == [ids[0]]
    assert len(project.image_ids(ImageFilter(unlabeled=True))) == 4
    assert project.image(ids[0]).has_repair
    assert project.image_ids(sort="name", descending=True) == list(reversed(ids))
    assert project.info()["repairs"] == 1


def test_project_settings(project):
    project.set_setting("position", "sub/s1.png")
    assert project.settings()["position"] == "sub/s1.png"


def test_a_model_prefixed_id_is_not_prefixed_twice(project):
    a = project.image_ids()[0]
    project.add_suggestions([NewSuggestion(a, "label", "ok", "model:test", score=0.3)])
    assert project.history(a)[-1].actor == "model:test"  # it was model:model:test


def test_text_search_ignores_case_beyond_ascii(tmp_path):
    """SQLite's lower() changes ASCII letters only: 'ärger' did not find 'Ärger.png', nor
    'éclair' a caption with 'ÉCLAIR'."""
    from PIL import Image

    root = tmp_path / "u"
    root.mkdir()
    for name in ("Ärger.png", "CAFÉ_02.png", "plain.png"):
        Image.new("L", (4, 4)).save(root / name)
    with Project.open(root) as p:
        p.index()
        plain = p.image_by_path("plain.png").id
        p.set_caption(plain, "an ÉCLAIR scratch", "t")

        def found(text):
            return sorted(r.relpath for r in p.images(p.image_ids(ImageFilter(text=text))))

        assert found("ärger") == found("ÄRGER") == ["Ärger.png"]
        assert found("café") == ["CAFÉ_02.png"]
        assert found("éclair") == ["plain.png"]


def test_text_search_ignores_unicode_normalisation_and_folds_case(tmp_path, db_url):
    """A share written by a Mac has NFD names: typing "café" (NFC) missed every NFD name
    and caption, and the NFD text typed found only those; "STRASSE" missed "Straße"
    (lower(), not casefold). Literal % and _ still match only themselves."""
    import unicodedata

    from PIL import Image

    nfc, nfd = (unicodedata.normalize(f, "café") for f in ("NFC", "NFD"))
    root = tmp_path / "u"
    root.mkdir()
    for name in (f"{nfc}_1.png", f"{nfd}_2.png", f"{nfd.upper()}_3.png", "plain.png", "other.png", "50%_x.png"):
        Image.new("L", (4, 4)).save(root / name)
    with Project.open(root, db_url) as p:
        p.index()
        by = {unicodedata.normalize("NFC", r.relpath): r.id for r in p.images(p.image_ids())}
        p.set_caption(by["plain.png"], f"a {nfd} au lait in der Straße", "t")
        p.set_caption(by["other.png"], f"ONE {nfc.upper()} STRASSE", "t")

        def found(text):
            return sorted(unicodedata.normalize("NFC", r.relpath) for r in p.images(p.image_ids(ImageFilter(text=text))))

        cafe = sorted([f"{nfc}_1.png", f"{nfc}_2.png", f"{nfc.upper()}_3.png", "plain.png", "other.png"])
        for text in (nfc, nfd, nfc.upper(), nfd.upper(), "Café"):
            assert found(text) == cafe, text
            assert p.count(ImageFilter(text=text)) == len(cafe)
        assert found("STRASSE") == found("straße") == ["other.png", "plain.png"]
        assert found("50%") == ["50%_x.png"] and found("0%_") == ["50%_x.png"] and found("%x") == []
        assert found("_") == sorted(n for n in by if "_" in n)  # not any one character
        assert found("é" * 30000) == []  # no LIKE pattern limit


_OPEN = """
import sys
from llmvis_desktop.core.project import Project
with Project.open(sys.argv[1], sys.argv[2] or None) as p:
    p.index()
    print(p.info()["images"])
"""


def test_two_processes_opening_a_new_folder_take_turns(tmp_path, db_url):
    """Both set the new database up at once: one saw the other's half-made tables ("not
    written by llmvis_desktop") or failed with "database is locked" (9 runs in 10)."""
    import os
    import subprocess
    import sys

    from PIL import Image

    env = dict(os.environ)
    for round_ in range(3):
        folder = tmp_path / f"new{round_}"
        folder.mkdir()
        for k in range(3):
            Image.new("RGB", (8, 8), (k, 0, 0)).save(folder / f"i{k}.png")
        url = db_url or ""
        if db_url:  # a fresh, empty database for each round
            from llmvis_desktop.core.store.engine import make_engine

            eng = make_engine(db_url)
            with eng.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            eng.dispose()
        procs = [subprocess.Popen([sys.executable, "-c", _OPEN, str(folder), url], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, err
            assert out.strip() == "3"


@pytest.mark.parametrize("how", ["delete", "rename", "replace"])
def test_a_write_after_the_database_file_went_away_fails_and_says_so(tmp_path, how):
    """With its folder deleted, SQLite went on writing into the unlinked file: every
    review reported as saved, all lost when the project closed."""
    import shutil

    from PIL import Image

    from llmvis_desktop.core.store.engine import DatabaseGone

    root = tmp_path / "line"
    root.mkdir()
    Image.new("L", (4, 4)).save(root / "a.png")
    p = Project.open(root)
    try:
        p.index()
        (iid,) = p.image_ids()
        p.set_caption(iid, "before", "alice")
        db = root / ".llmvis" / "project.sqlite"
        if how == "delete":
            shutil.rmtree(root)
        elif how == "rename":
            root.rename(tmp_path / "moved")
        else:
            db.rename(tmp_path / "old.sqlite")
            shutil.copy(tmp_path / "old.sqlite", db)
        with pytest.raises(DatabaseGone, match=r"project database .*project\.sqlite .*nothing was saved"):
            p.set_caption(iid, "after", "alice")
    finally:
        p.close()


def test_opening_a_made_project_writes_nothing_so_a_long_writer_does_not_block_it(tmp_path, monkeypatch):
    """Opening always took the write lock: while another process imported (one long
    write), `llmvis info`, `labels list` and the GUI failed with "database is locked"."""
    import sqlite3

    from PIL import Image

    from llmvis_desktop.core.store import engine

    root = tmp_path / "line"
    root.mkdir()
    Image.new("L", (4, 4)).save(root / "a.png")
    with Project.open(root) as p:
        p.index()
        p.add_label("dent")
    other = sqlite3.connect(root / ".llmvis" / "project.sqlite", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE images SET caption = 'x'")
        # no busy timeout: a wait for the writer's lock fails at once ("database is locked")
        # instead of passing a clock's bound on a slow machine
        monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 0)
        with Project.open(root) as p:
            assert [lab.name for lab in p.labels()] == ["dent"] and len(p.image_ids()) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_newest_event_reads_a_database_that_cannot_be_opened_read_only(png_folder, monkeypatch):
    """In a folder that cannot be written, a WAL database refuses mode=ro (no shared-memory
    file can be made): the copy's bookkeeping saw None and never refreshed the copy."""
    import sqlite3

    from llmvis_desktop.core.store import readonly_copy

    with Project.open(png_folder) as p:
        p.index()
        p.set_caption(p.image_ids()[0], "v1", "alice")
    db = png_folder / ".llmvis" / "project.sqlite"
    real = sqlite3.connect

    def connect(database, *a, **k):
        conn = real(database, *a, **k)
        if "mode=ro" in str(database):
            conn.close()
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return conn

    monkeypatch.setattr(readonly_copy.sqlite3, "connect", connect)
    assert readonly_copy.newest_event(db) >= 1


def test_a_password_in_the_url_query_is_never_shown_or_remembered(tmp_path):
    """libpq takes ?password=...: it was printed in errors and `info`, and kept in the
    config, where user:pw@host was masked."""
    from llmvis_desktop.core.store.engine import describe_url, url_without_password

    url = "postgresql+psycopg://alice@/teamdb?host=/tmp/pg&password=S3cret%21&sslmode=disable"
    for shown in (describe_url(url), url_without_password(url)):
        assert "S3cret" not in shown and "host=" in shown and "sslmode=disable" in shown
    assert "host=/tmp/pg" in describe_url(url)
    assert "password=***" in describe_url(url)
    assert "S3cret" not in describe_url("postgresql+psycopg://alice:S3cret@db/teamdb")
    assert url_without_password("postgresql+psycopg://alice@db/teamdb") == "postgresql+psycopg://alice@db/teamdb"
    kept = "postgresql+psycopg://alice@db/teamdb?passfile=/home/alice/team.pgpass"  # a file, not a secret
    assert "team.pgpass" in url_without_password(kept) and "team.pgpass" in describe_url(kept)
    with pytest.raises(ProjectError) as exc:  # a server that is not there: the error names it without the password
        Project.open(tmp_path, "postgresql+psycopg://alice@127.0.0.1:1/teamdb?password=S3cret&connect_timeout=2")
    assert "S3cret" not in str(exc.value)


def test_a_folder_filter_keeps_to_the_folder_as_written(tmp_path, db_url):
    """On SQLite, LIKE ignores ASCII case: the folder cam1 took in CAM1/ and Cam1/ too
    (llmvis suggest --path-prefix cam1 ran on three folders); PostgreSQL did not."""
    from PIL import Image

    root = tmp_path / "line"
    for folder in ("cam1", "CAM1", "Cam1", "cam10"):
        (root / folder).mkdir(parents=True)
        Image.new("L", (4, 4)).save(root / folder / "a.png")
    with Project.open(root, db_url) as p:
        p.scan()
        got = [p.image(i).relpath for i in p.image_ids(ImageFilter(path_prefix="cam1"))]
        assert got == ["cam1/a.png"]


def test_suggest_runs_record_what_a_model_scored_for_the_current_content(project):
    """suggest_runs (0009): the learned suggester's "no" on an image it judged clean."""
    from sqlalchemy import update

    from llmvis_desktop.core.store import models as m
    from llmvis_desktop.core.store.repo_runs import runs_done

    i1, i2 = project.image_ids()[:2]
    assert project.record_suggest_runs([i1, i2], "learned:x", "r1", ["scratch", "ok"]) == 2
    assert project.record_suggest_runs([i1], "learned:x", "r1", ["scratch", "ok"]) == 0  # not twice
    with project.store.read() as s:
        assert runs_done(s, "learned:x", "r1") == {i1, i2} and runs_done(s, "learned:x", "r2") == set()
    (j,) = project.judged_without_labels(i1)
    assert (j["model_id"], j["revision"], j["labels"]) == ("learned:x", "r1", ["ok", "scratch"])
    project.add_suggestions([NewSuggestion(i2, "label", "ok", "learned:x", 0.9, "r1")])
    assert project.judged_without_labels(i2) == []  # it said "ok" there
    with project.store.write() as s:  # the file changed since: the run was for the old content
        s.execute(update(m.Image).where(m.Image.id == i1).values(content_changed_at=m.utcnow()))
    with project.store.read() as s:
        assert runs_done(s, "learned:x", "r1") == {i2}
    assert project.judged_without_labels(i1) == []


def test_judged_without_labels_names_the_labels_as_they_are_now(project):
    """The panel's "judged it free of every label (scratch)" named a label renamed since
    ("deep scratch") by its old name, and still named a removed one."""
    i1, i2 = project.image_ids()[:2]
    project.toggle_label(i2, "scratch", "tester")  # the label is on an image when renamed
    project.record_suggest_runs([i1], "learned:x", "r1", ["ok", "scratch"])
    project.update_label("scratch", new_name="deep scratch", actor="tester")
    (j,) = project.judged_without_labels(i1)
    assert j["labels"] == ["deep scratch", "ok"]
    project.remove_label("ok", "tester", force=True)
    project.add_label("ok")  # another label, made after the run: the run did not score it
    (j,) = project.judged_without_labels(i1)
    assert j["labels"] == ["deep scratch"]
    project.remove_label("deep scratch", "tester", force=True)
    assert project.judged_without_labels(i1) == []  # none of the labels it scored is left


def test_text_search_folds_greek_sigma_and_turkish_dotted_i_alike_on_both_databases(tmp_path, db_url):
    """"σίσυφος" typed (final sigma) found a "ΣΊΣΥΦΟΣ" caption on SQLite (casefold) only,
    "istanbul" found "İstanbul" on PostgreSQL (lower) only: a team's search differed by database."""
    from PIL import Image

    root = tmp_path / "g"
    root.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        Image.new("L", (4, 4)).save(root / name)
    with Project.open(root, db_url) as p:
        p.index()
        by = {r.relpath: r.id for r in p.images(p.image_ids())}
        p.set_caption(by["a.png"], "ΣΊΣΥΦΟΣ big", "t")
        p.set_caption(by["b.png"], "plain İstanbul", "t")
        p.set_caption(by["c.png"], "σίσυφος στο istanbul", "t")

        def found(text):
            return sorted(r.relpath for r in p.images(p.image_ids(ImageFilter(text=text))))

        for text in ("σίσυφος", "ΣΊΣΥΦΟΣ", "σίσυφοσ", "Σίσυφος"):
            assert found(text) == ["a.png", "c.png"], text
        for text in ("istanbul", "İSTANBUL", "İstanbul", "ISTANBUL"):
            assert found(text) == ["b.png", "c.png"], text


def test_the_renames_since_a_time_are_read_through_an_index(png_folder):
    """The judged-clean text reads the label renames made since a run; with no index that
    scanned every history event on the GUI thread, each time such an image was shown."""
    from sqlalchemy import text

    with Project.open(png_folder) as p:
        p.scan()
        with p.store.read() as s:
            plan = " ".join(str(r[-1]) for r in s.execute(text(
                "EXPLAIN QUERY PLAN SELECT at, action, before, after FROM events "
                "WHERE action IN ('label_renamed', 'suggestion_renamed') AND at >= '2026-01-01' ORDER BY id")))
    assert "ix_events_action_at" in plan, plan
