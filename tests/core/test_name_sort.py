"""The grid's Name sort: natural, case-insensitive order (images.name_key, migration 0011),
on SQLite and PostgreSQL; kept by the indexer on insert and on a move; 0010 databases
get their keys computed."""
import os
import random

from PIL import Image
from sqlalchemy import text

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.name_key import name_key
from llmvis_desktop.core.store.records import ImageFilter

#: the order a file manager shows (folders' images together, each folder at its name)
NATURAL = ["a.png", "Äpfel/x.png", "B.png", "c/img1.png", "c/img2.png", "c/img10.png", "e.png", "é.png",
           "f.png", "img2.png", "img007.png", "img10.png", "zebra.png"]


def _folder(root, names, mtime=None):
    rng = random.Random(3)
    for rel in rng.sample(names, len(names)):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("L", (4, 4), rng.randrange(256)).save(path)
        if mtime is not None:
            os.utime(path, ns=(mtime, mtime))
    return root


def _names(p, **kw):
    return [r.relpath for r in p.images(p.image_ids(**kw))]


def test_the_name_sort_is_natural_and_case_insensitive(tmp_path, db_url):
    root = _folder(tmp_path / "n", NATURAL)
    with Project.open(root, db_url) as p:
        p.scan()
        assert _names(p) == NATURAL
        assert _names(p, sort="name", descending=True) == NATURAL[::-1]
        # a filter keeps the order
        assert _names(p, flt=ImageFilter(path_prefix="c")) == ["c/img1.png", "c/img2.png", "c/img10.png"]


def test_ties_of_other_sorts_follow_the_name_order(tmp_path, db_url):
    names = ["img10.png", "img2.png", "B.png", "a.png"]
    root = _folder(tmp_path / "t", names, mtime=1_700_000_000_000_000_000)
    with Project.open(root, db_url) as p:
        p.scan()
        want = ["a.png", "B.png", "img2.png", "img10.png"]
        for sort in ("mtime", "status", "score", "uncertainty"):
            assert _names(p, sort=sort) == want, sort
            assert _names(p, sort=sort, descending=True) == want[::-1], sort


def test_a_renamed_file_takes_its_new_place(tmp_path, db_url):
    root = _folder(tmp_path / "r", ["img1.png", "img2.png", "img10.png"])
    with Project.open(root, db_url) as p:
        p.scan()
        moved = p.image_ids()[0]
        (root / "Z").mkdir()
        os.rename(root / "img1.png", root / "Z" / "img1.png")  # same name, size and time: a move
        assert p.scan().moved == 1
        assert _names(p) == ["img2.png", "img10.png", "Z/img1.png"]
        assert p.image_ids()[-1] == moved  # the same row, with its new key
        with p.store.read() as s:
            keys = dict(s.execute(text("SELECT relpath, name_key FROM images")).all())
        assert keys == {rel: name_key(rel) for rel in keys}


def test_unreadable_files_are_listed_by_name(tmp_path, db_url):
    root = tmp_path / "u"
    root.mkdir()
    for rel in ("bad10.png", "bad2.png", "Bad3.png"):
        (root / rel).write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with Project.open(root, db_url) as p:
        p.index()
        assert [rel for rel, _ in p.unreadable_files()] == ["bad2.png", "Bad3.png", "bad10.png"]


def test_a_0010_database_with_rows_gets_its_name_keys(tmp_path, db_url):
    root = _folder(tmp_path / "m", NATURAL)
    with Project.open(root, db_url) as p:
        p.scan()
        url = p.db_url
        ids = p.image_ids()
        p.add_label("scratch")
        p.toggle_label(ids[1], "scratch", "tester")  # rows that refer to the images (history, labels)
    migrate.downgrade(url, "0010")
    with Project.open(root, db_url) as p:
        assert p.image(ids[1]).labels == ("scratch",)
        with p.store.read() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrate.HEAD_REVISION
            keys = dict(s.execute(text("SELECT relpath, name_key FROM images")).all())
        assert keys == {rel: name_key(rel) for rel in NATURAL}
        assert _names(p) == NATURAL and p.image_ids() == ids


def test_the_name_sort_reads_the_index(tmp_path):
    """100k images sorted by name at every start: an index walk, not a sort."""
    root = _folder(tmp_path / "i", ["a.png", "b.png"])
    with Project.open(root) as p:
        p.scan()
        from llmvis_desktop.core.store import models as m
        from llmvis_desktop.core.store.repo_images import _ordered
        from sqlalchemy import select

        with p.store.read() as s:
            for desc in (False, True):
                sql = str(_ordered(select(m.Image.id), "name", desc).compile(compile_kwargs={"literal_binds": True}))
                plan = " ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
                assert "ix_images_name_key" in plan and "TEMP B-TREE" not in plan, plan


def test_an_export_lists_images_in_the_name_order_across_pages(tmp_path, db_url, monkeypatch):
    """docs/interchange.md: exports list images in the project's Name order, the grid's."""
    import json

    from llmvis_desktop.core.interchange import ExportOptions, export_project
    from llmvis_desktop.core.interchange import export_rows

    root = _folder(tmp_path / "x", NATURAL)
    monkeypatch.setattr(export_rows.gather, "__defaults__", (3, False))  # pages of 3 images
    with Project.open(root, db_url) as p:
        p.scan()
        p.add_label("scratch")
        for i in p.image_ids()[::2]:
            p.toggle_label(i, "scratch", "tester")
        export_project(p, "coco", tmp_path / "out.json", ExportOptions(anonymize=False))
    coco = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [im["file_name"] for im in coco["images"]] == NATURAL
    by_id = {im["id"]: im["file_name"] for im in coco["images"]}
    assert sorted(by_id[a["image_id"]] for a in coco["annotations"]) == sorted(NATURAL[::2])


def test_the_backfill_without_copy_gives_the_same_keys(tmp_path, db_url):
    """0011 fills the keys by COPY on psycopg 3, else by an executemany by id (another
    driver); both give name_key(relpath)."""
    import importlib

    backfill = importlib.import_module(
        "llmvis_desktop.core.store.migrations.versions.0011_images_name_key").backfill
    root = _folder(tmp_path / "b", NATURAL)
    with Project.open(root, db_url) as p:
        p.scan()
        with p.store.engine.begin() as c:
            c.execute(text("UPDATE images SET name_key = NULL WHERE relpath <> 'a.png'"))
            assert backfill(c, copy=False) == len(NATURAL) - 1
            keys = dict(c.execute(text("SELECT relpath, name_key FROM images")).all())
        assert keys == {rel: name_key(rel) for rel in NATURAL}
        assert _names(p) == NATURAL
