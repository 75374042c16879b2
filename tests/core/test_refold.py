"""The text search's folded copies re-folded when a newer Python's Unicode tables fold
differently (store/refold.py): once, at open, forward only; nothing when the version is
the recorded one.

A Unicode upgrade is simulated: the version function says "99.0" and fold() also folds a
private-use character (U+E000, "unassigned" in the old tables) to "e"."""
import json
import unicodedata

import pytest
from PIL import Image
from sqlalchemy import text

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import fold as fold_mod
from llmvis_desktop.core.store import refold
from llmvis_desktop.core.store.records import ImageFilter

NEW_CHAR = "\ue000"
OLD_FOLD = fold_mod.fold
OLD_VERSION = unicodedata.unidata_version


def _new_fold(value):
    folded = OLD_FOLD(value)
    return folded.replace(NEW_CHAR, "e") if isinstance(folded, str) else folded


def _newer_python(monkeypatch, version="99.0"):
    monkeypatch.setattr(fold_mod, "fold", _new_fold)
    monkeypatch.setattr(refold, "unicode_version", lambda: version)


def _older_python(monkeypatch):
    monkeypatch.setattr(fold_mod, "fold", OLD_FOLD)
    monkeypatch.setattr(refold, "unicode_version", lambda: OLD_VERSION)


def _project(tmp_path, db_url, n_plain=3):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(n_plain):
        Image.new("L", (4, 4), i).save(root / f"plain_{i}.png")
    Image.new("L", (4, 4), 99).save(root / f"caf{NEW_CHAR}.png")  # a path holding the character
    with Project.open(root, db_url) as p:
        p.index()
        ids = {r.relpath: r.id for r in p.images(p.image_ids())}
        with p.store.write() as s:  # a caption holding it, written by the old Python
            s.execute(text("UPDATE images SET caption = :c, caption_folded = :f WHERE id = :i"),
                      {"c": f"WELD CR{NEW_CHAR}CK", "f": OLD_FOLD(f"WELD CR{NEW_CHAR}CK"), "i": ids["plain_0.png"]})
        assert p.settings()[refold.KEY] == OLD_VERSION
    return root, ids


def _found(p, q):
    """What the search finds; on PostgreSQL (whose search compares its own SQL folding, not
    the copies) what SQLite's would: the rows whose copies hold fold(q)."""
    if p.store.dialect != "sqlite":
        return sorted(rel for rel, (cap_f, rel_f) in _copies(p).items()
                      if fold_mod.fold(q) in (cap_f or "") or fold_mod.fold(q) in rel_f)
    return sorted(r.relpath for r in p.images(p.image_ids(ImageFilter(text=q))))


def _copies(p):
    with p.store.read() as s:
        return {r[0]: (r[1], r[2]) for r in s.execute(text(
            "SELECT relpath, caption_folded, relpath_folded FROM images"))}


def _count_updates(p):
    """SQLite: a trigger counting every update of an image row from now on."""
    with p.store.write() as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS n_updates (n integer)"))
        s.execute(text("CREATE TRIGGER IF NOT EXISTS count_updates AFTER UPDATE ON images "
                       "BEGIN INSERT INTO n_updates VALUES (1); END"))


def _updates(p):
    with p.store.read() as s:
        return s.execute(text("SELECT count(*) FROM n_updates")).scalar()


def test_a_newer_unicode_refolds_the_rows_once_and_they_are_found(tmp_path, db_url, monkeypatch):
    root, ids = _project(tmp_path, db_url)
    _newer_python(monkeypatch)
    with Project.open(root, db_url) as p:
        # the search finds the path and the caption by what the new tables fold them to
        # (PostgreSQL: the copies, which its search does not read, are re-folded too)
        assert _found(p, "cafe.png") == [f"caf{NEW_CHAR}.png"]
        assert _found(p, "weld creck") == ["plain_0.png"]
        copies = _copies(p)
        assert copies[f"caf{NEW_CHAR}.png"][1] == "cafe.png"
        assert copies["plain_0.png"][0] == "weld creck"
        assert all(rel_f == _new_fold(rel) for rel, (_, rel_f) in copies.items())
        assert p.settings()[refold.KEY] == "99.0"
    with Project.open(root, db_url) as p:  # once: the next open by it has nothing to do
        assert refold.check(p.store) is None


def test_only_rows_whose_copies_change_are_written(tmp_path, monkeypatch):
    root, ids = _project(tmp_path, None, n_plain=5)
    with Project.open(root) as p:
        _count_updates(p)
    _newer_python(monkeypatch)
    with Project.open(root) as p:
        assert _updates(p) == 2  # the path and the caption holding the character; not the 4 others
        assert _found(p, "creck") == ["plain_0.png"]


def test_nothing_is_rewritten_when_the_version_is_the_recorded_one(tmp_path, monkeypatch):
    root, _ = _project(tmp_path, None)
    with Project.open(root) as p:
        _count_updates(p)
        with p.store.read() as s:
            before = s.execute(text("SELECT settings_json FROM project")).scalar()
    # an open by the same Python: not even a write transaction
    monkeypatch.setattr(refold, "refold_rows", lambda s: pytest.fail("re-folded with an equal version"))
    writes = []
    from llmvis_desktop.core.store.engine import Store

    real_write = Store.write
    monkeypatch.setattr(Store, "write", lambda self: writes.append(1) or real_write(self))
    with Project.open(root) as p:
        assert _updates(p) == 0
        with p.store.read() as s:
            assert s.execute(text("SELECT settings_json FROM project")).scalar() == before
    assert writes == []


def test_a_database_without_the_record_is_refolded_and_recorded(tmp_path, monkeypatch):
    """A project made (or migrated to 0012) before the record: re-folded at the next open."""
    root, _ = _project(tmp_path, None)
    with Project.open(root) as p:
        with p.store.write() as s:
            s.execute(text("UPDATE project SET settings_json = :j"), {"j": json.dumps({"other": 1})})
    _newer_python(monkeypatch)
    with Project.open(root) as p:
        assert _found(p, "cafe.png") == [f"caf{NEW_CHAR}.png"]
        assert p.settings() == {"other": 1, refold.KEY: "99.0", refold.RULES_KEY: refold.RULES}


def test_an_older_unicode_never_folds_back_and_a_newer_one_refolds_its_rows(tmp_path, db_url, monkeypatch):
    """A team database opened by two Pythons: the older one keeps the newer copies and
    record (no folding back and forth), marks that it wrote; the newer one's next open
    re-folds what the older one wrote."""
    root, ids = _project(tmp_path, db_url)
    _newer_python(monkeypatch)
    with Project.open(root, db_url) as p:
        assert p.settings()[refold.KEY] == "99.0"
    _older_python(monkeypatch)
    with Project.open(root, db_url) as p:
        copies = _copies(p)
        assert copies[f"caf{NEW_CHAR}.png"][1] == "cafe.png"  # not folded back
        assert p.settings()[refold.KEY] == "99.0"
        assert p.settings()[refold.OLDER_KEY] == OLD_VERSION
        with p.store.write() as s:  # a caption this older Python writes: its own folding
            s.execute(text("UPDATE images SET caption = :c, caption_folded = :f WHERE id = :i"),
                      {"c": f"D{NEW_CHAR}NT", "f": OLD_FOLD(f"D{NEW_CHAR}NT"), "i": ids["plain_1.png"]})
    with Project.open(root, db_url) as p:  # marked once
        assert refold.decide(p.settings(), OLD_VERSION) is None
    _newer_python(monkeypatch)
    with Project.open(root, db_url) as p:
        assert _found(p, "dent") == ["plain_1.png"]
        assert refold.OLDER_KEY not in p.settings() and p.settings()[refold.KEY] == "99.0"


@pytest.mark.parametrize("recorded, current, action", [
    ("15.0.0", "15.0.0", None), ("15.0.0", "15.1.0", "refold"), (None, "15.0.0", "refold"),
    ("15.1.0", "15.0.0", "mark"), ("9.0.0", "15.0.0", "refold"), ("15.1.0", "9.0.0", "mark")])
def test_the_versions_compare_as_numbers(recorded, current, action):
    settings = {} if recorded is None else {refold.KEY: recorded, refold.RULES_KEY: refold.RULES}
    assert refold.decide(settings, current) == action
    if recorded == current:  # the same Unicode, copies made by older fold rules: re-folded
        assert refold.decide({refold.KEY: recorded}, current) == "refold"
        assert refold.decide({refold.KEY: recorded, refold.RULES_KEY: refold.RULES - 1}, current) == "refold"
