"""A label added or renamed read the label names twice in its transaction (the exact name
asked for, then every name for look-alikes): one round trip too many to a team's
PostgreSQL. The names are read once now; a taken name is refused as before."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.repo_labels import LabelError


@pytest.fixture
def project(tmp_path):
    (tmp_path / "imgs").mkdir()
    with Project.open(tmp_path / "imgs") as p:
        p.add_label("dent")
        p.add_label("scratch")
        yield p


def _label_selects(project, fn) -> int:
    seen = []

    def count(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bFROM labels\b", statement):
            seen.append(statement)

    event.listen(project.store.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(project.store.engine, "before_cursor_execute", count)
    return len(seen)


def test_adding_a_label_reads_the_labels_once(project):
    assert _label_selects(project, lambda: project.add_label("rust")) == 1
    assert "rust" in {d.name for d in project.labels()}


def test_renaming_a_label_reads_its_row_and_the_names_once(project):
    assert _label_selects(project, lambda: project.update_label("dent", new_name="dent2", actor="t")) == 2
    assert {d.name for d in project.labels()} == {"dent2", "scratch"}


@pytest.mark.parametrize("fn", [lambda p: p.add_label("dent"),
                                lambda p: p.update_label("scratch", new_name="dent", actor="t")])
def test_a_taken_name_is_still_refused_naming_it(project, fn):
    with pytest.raises(LabelError, match="label 'dent' already exists"):
        fn(project)
    assert {d.name for d in project.labels()} == {"dent", "scratch"}


def test_taking_the_free_taxonomy_lock_and_saying_why_is_one_statement(tmp_path, pg_url):
    """PostgreSQL: the lock tried, then the application name set to say what this change
    is, were two round trips; one SELECT does both now (the name set only once held)."""
    from sqlalchemy import text

    from llmvis_desktop.core.store import repo_labels as rl

    (tmp_path / "imgs").mkdir()
    with Project.open(tmp_path / "imgs", pg_url) as p:
        with p.store.write() as s:
            s.execute(text("SELECT 1"))  # (the transaction begun)
            seen = []
            listener = lambda *a: seen.append(a[2])  # noqa: E731
            event.listen(p.store.engine, "before_cursor_execute", listener)
            try:
                rl.lock_taxonomy(s, "rename")
            finally:
                event.remove(p.store.engine, "before_cursor_execute", listener)
            name = s.execute(text("SELECT current_setting('application_name')")).scalar()
        assert len(seen) == 1, seen
        assert name.startswith("llmvis [rename] ")
