"""The text search's stored folded copies (images.caption_folded, relpath_folded: 0012).

SQLite's search ran the Python function ``llmvis_fold`` on every row's caption and path
(0.2-0.9 s a query at 100k images); it now compares copies folded when written. Every
path that writes a caption or a path keeps them right, a 0011 database gets them, and
the search finds exactly what the per-row fold found."""
import importlib
import os
import unicodedata

import pytest
from PIL import Image
from sqlalchemy import text

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.fold import fold
from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion

NFD_CAFE = unicodedata.normalize("NFD", "Café")
NAMES = [f"{NFD_CAFE}_1.png", "Straße.png", "ΣΊΣΥΦΟΣ.png", "İzmir.png", "plain.png", "sub/IMG_2.png"]
#: values and texts where NFC, casefold and the special cases meet
TRICKY = ["café", NFD_CAFE, "CAFÉ", "cafe", "STRASSE", "straße", "ß", "σίσυφος", "ΣΊΣΥΦΟΣ", "σ", "ς",
          "istanbul", "İSTANBUL", "i̇", "ﬁle", "FILE", "ǅ", "_", "%", "é" * 3, "Ω", "Ω", "ﬀ", "ff"]

OLD = ("SELECT id FROM images WHERE instr(llmvis_fold(caption), llmvis_fold(:t)) > 0 "
       "OR instr(llmvis_fold(relpath), llmvis_fold(:t)) > 0 ORDER BY name_key, id")


def _folder(root, names):
    for i, rel in enumerate(names):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("L", (4, 4), i * 9).save(path)
    return root


def _stale(p) -> list:
    """Rows whose folded copies are not fold() of their caption and path."""
    with p.store.read() as s:
        rows = s.execute(text("SELECT id, caption, caption_folded, relpath, relpath_folded FROM images")).all()
    return [r for r in rows if (r[2], r[4]) != (fold(r[1]), fold(r[3]))]


def _found(p, q):
    return sorted(unicodedata.normalize("NFC", r.relpath) for r in p.images(p.image_ids(ImageFilter(text=q))))


def test_every_write_path_keeps_the_folded_copies(tmp_path, db_url):
    """Index, review edit, suggestion accepted, undo, import, move, case-only rename,
    missing and back: the copies follow, and the search finds the new text, not the old."""
    root = _folder(tmp_path / "w", NAMES)
    with Project.open(root, db_url) as p:
        p.index()
        assert not _stale(p)
        by = {unicodedata.normalize("NFC", r.relpath): r.id for r in p.images(p.image_ids())}
        a, b = by["plain.png"], by["Straße.png"]
        ra.set_caption(p, a, "Rust near the ÉCLAIR weld", "alice")  # a review edit
        assert not _stale(p) and _found(p, "éclair") == ["plain.png"]
        before = ra.set_caption(p, a, "dent on İstanbul side", "alice").before
        assert _found(p, "istanbul") == ["plain.png"] and _found(p, "éclair") == []
        ra.apply_state(p, a, before, "alice", "undo")  # undo
        assert not _stale(p) and _found(p, "ÉCLAIR") == ["plain.png"] and _found(p, "istanbul") == []
        p.add_suggestions([NewSuggestion(b, "caption", "ΣΊΣΥΦΟΣ crack", "m", score=0.9)])
        ra.accept(p, b, "alice")  # a suggestion accepted
        assert not _stale(p) and _found(p, "σίσυφος crack") == ["Straße.png"]
        ra.set_caption(p, b, None, "alice")  # cleared
        assert not _stale(p) and _found(p, "crack") == []
        csv = tmp_path / "in.csv"
        csv.write_text(f"file_name,caption\nsub/IMG_2.png,OIL STAIN 50%\n{NFD_CAFE}_1.png,Gruß\n", encoding="utf-8")
        from llmvis_desktop.core.interchange import import_file

        import_file(p, "csv", csv, as_="reviewed", actor="bob")  # an import
        assert not _stale(p) and _found(p, "oil stain 50%") == ["sub/IMG_2.png"]
        assert _found(p, "GRUSS") == ["Café_1.png"]
        moved = by["sub/IMG_2.png"]
        os.rename(root / "sub", root / "Zone Ωmega")  # a folder renamed: a move at the rescan
        os.rename(root / "ΣΊΣΥΦΟΣ.png", root / "σίσυφος.png")  # a case-only rename
        (root / "Straße.png").rename(tmp_path / "away.png")  # missing...
        assert p.scan().moved == 2
        assert not _stale(p)
        assert p.image_by_path("Zone Ωmega/IMG_2.png").id == moved
        assert _found(p, "zone ωmega") == ["Zone Ωmega/IMG_2.png"] and _found(p, "sub/") == []
        assert p.image_by_path("σίσυφος.png") is not None and _found(p, "ΣΊΣΥΦΟΣ.PNG") == ["σίσυφος.png"]
        (tmp_path / "away.png").rename(root / "Straße.png")  # ... and back
        p.scan()
        assert not _stale(p) and _found(p, "STRASSE") == ["Straße.png"]


def test_sqlite_search_calls_no_python_per_row(tmp_path):
    """The search folded every row's caption and path in Python: 2 calls per image a query."""
    root = _folder(tmp_path / "c", NAMES)
    with Project.open(root) as p:
        p.index()
        p.set_caption(p.image_by_path("plain.png").id, "a café", "t")
        calls = []

        def counting(value):
            calls.append(value)
            return fold(value)

        with p.store.read() as s:
            s.connection().connection.driver_connection.create_function("llmvis_fold", 1, counting)
            from llmvis_desktop.core.store import repo_images as ri

            assert len(ri.query_ids(s, ImageFilter(text="CAFÉ"))) == 2
        assert calls == []


@pytest.mark.parametrize("query", TRICKY)
def test_the_stored_copies_find_what_the_per_row_fold_found(tmp_path, query):
    """Each tricky text against captions and names of all the others: the same ids as
    ``instr(llmvis_fold(col), llmvis_fold(text))``, in the same order."""
    root = tmp_path / "t"
    root.mkdir()
    with Project.open(root) as p:
        from llmvis_desktop.core.store import repo_images as ri

        with p.store.write() as s:
            ri.insert_new(s, [(f"{v}/{i}.png", 1, 1) for i, v in enumerate(TRICKY)])
        ids = p.image_ids()
        for i, image_id in enumerate(ids):
            p.set_caption(image_id, f"x {TRICKY[(i * 7) % len(TRICKY)]} y", "t")
        with p.store.read() as s:
            old = list(s.scalars(text(OLD), {"t": query}))
        assert old  # each text finds something
        assert p.image_ids(ImageFilter(text=query)) == old


def test_a_0011_database_with_data_gets_its_folded_copies(tmp_path, db_url):
    root = _folder(tmp_path / "m", NAMES)
    with Project.open(root, db_url) as p:
        p.index()
        url = p.db_url
        by = {unicodedata.normalize("NFC", r.relpath): r.id for r in p.images(p.image_ids())}
        p.set_caption(by["plain.png"], f"a {NFD_CAFE.upper()} STRASSE", "t")
        p.set_caption(by["İzmir.png"], "ΣΊΣΥΦΟΣ", "t")
        p.add_label("scratch")
        p.toggle_label(by["plain.png"], "scratch", "t")  # rows that refer to the images
    migrate.downgrade(url, "0011")  # a 0011 database as the version before left it: no folded columns
    from llmvis_desktop.core.store.engine import make_engine

    engine = make_engine(url)
    try:
        from sqlalchemy import inspect

        with engine.connect() as c:
            assert "caption_folded" not in {col["name"] for col in inspect(c).get_columns("images")}
    finally:
        engine.dispose()
    with Project.open(root, db_url) as p:
        with p.store.read() as s:
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrate.HEAD_REVISION
        assert not _stale(p)
        assert _found(p, "café") == ["Café_1.png", "plain.png"] and _found(p, "straße") == ["Straße.png", "plain.png"]
        assert _found(p, "σίσυφος") == sorted(["ΣΊΣΥΦΟΣ.png", "İzmir.png"]) and _found(p, "izmir") == ["İzmir.png"]
        assert _found(p, "img_2") == ["sub/IMG_2.png"]
        assert p.image(by["plain.png"]).labels == ("scratch",)


def test_the_backfill_without_copy_gives_the_same_copies(tmp_path, db_url):
    """0012 fills the copies by COPY on psycopg 3, else by an executemany by id (another
    driver); both give fold() of caption and path."""
    backfill = importlib.import_module(
        "llmvis_desktop.core.store.migrations.versions.0012_images_folded_text").backfill
    root = _folder(tmp_path / "b", NAMES)
    with Project.open(root, db_url) as p:
        p.index()
        p.set_caption(p.image_ids()[1], "ΣΊΣΥΦΟΣ Straße", "t")
        with p.store.engine.begin() as c:
            c.execute(text("UPDATE images SET caption_folded = NULL, relpath_folded = NULL "
                           "WHERE relpath <> 'plain.png'"))
            assert backfill(c, copy=False) == len(NAMES) - 1
        assert not _stale(p)
