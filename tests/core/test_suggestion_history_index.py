"""An image's suggestion history grows with every job run again over it (the old pending
cards withdrawn, new ones added; rows are never deleted). The store's reads of one
image's cards, or of a batch's, find them by ``ix_suggestions_image_outcome`` (image,
outcome; migration 0014): before it, SQLite's planner read the queue score of a 32-image
batch through ``ix_suggestions_outcome``, every pending and decided card of the whole
table (18 ms of a 22 ms commit at 2k images with 100 past cards each)."""
from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from llmvis_desktop.core import review_actions
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate
from llmvis_desktop.core.store.records import NewSuggestion

MODEL = "learned:handcrafted-v6"
INDEX = "ix_suggestions_image_outcome"


def _project(tmp_path, db_url=None, n=4):
    for i in range(n):
        Image.fromarray(np.full((8, 8), i * 40, dtype=np.uint8)).save(tmp_path / f"img{i}.png")
    p = Project.open(tmp_path, db_url)
    p.scan()
    for name in ("scratch", "dent"):
        p.add_label(name)
    return p


def _cards(ids, run):
    return [c for i in ids for c in (
        NewSuggestion(i, "caption", f"caption of run {run}", MODEL, score=0.3, model_revision="r1"),
        NewSuggestion(i, "label", ("scratch", "dent")[run % 2], MODEL, score=0.4, model_revision="r1"))]


class _Statements:
    """The statements the store sends, with their parameters."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []
        sa.event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            self.seen.append((statement, parameters))

    def close(self):
        sa.event.remove(self.engine, "before_cursor_execute", self._on)


def _plan(p, statement, parameters) -> str:
    with p.store.engine.connect() as conn:
        return " | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def test_an_images_cards_are_read_by_the_image_and_outcome_index(tmp_path):
    """Storing a batch again, the card read, Enter, a card decided: no statement reads
    the suggestions through the outcome index or the whole table, and each finding an
    image's cards uses the (image, outcome) index."""
    with _project(tmp_path) as p:
        ids = p.image_ids()
        for run in range(3):  # a history: each run withdraws the last one's cards
            p.add_suggestions(_cards(ids, run), supersede=True)
        (sid, *_) = [s.id for s in p.suggestions(ids[1], pending_only=True)]
        seen = _Statements(p.store.engine)
        try:
            p.add_suggestions(_cards(ids, 3), supersede=True)
            p.add_suggestions(_cards(ids[:2], 4), False, True, "learned:", False, {}, True)
            p.suggestion_cards(ids[0])
            review_actions.accept(p, ids[0], "alice")
            p.decide_suggestion(p.suggestions(ids[1], pending_only=True)[0].id, "rejected", "alice")
        finally:
            seen.close()
        reads = [(st, pa) for st, pa in seen.seen
                 if st.lstrip().upper().startswith(("SELECT", "UPDATE")) and "suggestions" in st
                 and "suggestions.image_id" in st.split("WHERE", 1)[-1]]
        assert len(reads) >= 8, reads  # (the statements were seen)
        for statement, parameters in reads:
            plan = _plan(p, statement, parameters)
            assert "ix_suggestions_outcome" not in plan and "SCAN suggestions" not in plan, (statement, plan)
            assert INDEX in plan, (statement, plan)
        assert sid


def test_a_0013_database_gets_the_index(tmp_path, db_url):
    with _project(tmp_path, db_url) as p:
        ids = p.image_ids()
        p.add_suggestions(_cards(ids, 0), supersede=True)
        p.add_suggestions(_cards(ids, 1), supersede=True)
        url = p.db_url
    migrate.downgrade(url, "0013")
    engine = sa.create_engine(url)
    try:
        names = {ix["name"] for ix in sa.inspect(engine).get_indexes("suggestions")}
        assert INDEX not in names and "ix_suggestions_image_id" in names  # as 0013 had them
    finally:
        engine.dispose()
    with Project.open(tmp_path, db_url) as p:
        with p.store.read() as s:
            assert s.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == migrate.HEAD_REVISION
            indexes = {ix["name"]: ix["column_names"] for ix in sa.inspect(s.connection()).get_indexes("suggestions")}
        assert indexes[INDEX] == ["image_id", "outcome"]
        assert "ix_suggestions_image_id" not in indexes  # (the new index's first column serves its reads)
        assert len(p.suggestions(ids[0], pending_only=True)) == 2
        assert len(p.suggestions(ids[0])) == 4


@pytest.mark.parametrize("rev", ["0013"])
def test_the_index_is_made_once_on_a_database_that_has_it(tmp_path, rev):
    """A database put back to 0013 by hand (its alembic_version only: a restored backup
    of it, a test) upgrades again."""
    with _project(tmp_path) as p:
        url = p.db_url
    engine = sa.create_engine(url)
    with engine.begin() as con:
        con.execute(sa.text("UPDATE alembic_version SET version_num=:r"), {"r": rev})
    engine.dispose()
    with Project.open(tmp_path) as p, p.store.read() as s:
        indexes = {ix["name"] for ix in sa.inspect(s.connection()).get_indexes("suggestions")}
        assert INDEX in indexes and "ix_suggestions_image_id" not in indexes


@pytest.mark.parametrize("fmt", ["csv", "labelstudio"])
def test_an_export_reads_each_pages_cards_by_the_image_index(tmp_path, fmt):
    """An export reads the cards (and the answers kept as notes) of a page of images at a
    time: found by the page's image ids, not through the outcome index, every pending (or
    decided) card of the table once per page."""
    from llmvis_desktop.core.interchange import ExportOptions, export_project

    (tmp_path / "imgs").mkdir()
    with _project(tmp_path / "imgs") as p:
        ids = p.image_ids()
        for run in range(3):
            p.add_suggestions(_cards(ids, run), supersede=True)
        (note,) = p.add_suggestions([NewSuggestion(ids[0], "answer", "a dent, 2 mm", "vqa-model")])
        p.decide_suggestion(note, "accepted", "alice")
        seen = _Statements(p.store.engine)
        try:
            export_project(p, fmt, tmp_path / f"out.{fmt}", ExportOptions(anonymize=False, include_suggestions=True))
        finally:
            seen.close()
        reads = [(st, pa) for st, pa in seen.seen if st.lstrip().upper().startswith("SELECT")
                 and "FROM suggestions" in st]
        assert reads
        for statement, parameters in reads:
            plan = _plan(p, statement, parameters)
            assert "ix_suggestions_outcome" not in plan and "SCAN suggestions" not in plan, (statement, plan)
        assert "a dent, 2 mm" in (tmp_path / f"out.{fmt}").read_text() or fmt == "labelstudio"
