"""Adding many labels at once (`llmvis labels add F a b c ...`, an import whose file names
many classes) read the whole label list again for each label and checked the name against
every label there: quadratic, 3,000 labels took 48 s. The list is read once per action now,
the checks are look-ups, the rows inserted in one flush: the statements an action sends do
not grow with the number of labels it adds. (Counted, not timed: the figures are in
tests/benchmarks/bench_labels_add.py.)"""
from __future__ import annotations

import json
import re
import unicodedata
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from llmvis_desktop.cli import main
from llmvis_desktop.core.interchange import export_project, import_file
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.repo_labels import LabelError

_LABEL_READ = re.compile(r"^\s*SELECT\b.*\bFROM labels\b", re.S | re.I)


@contextmanager
def _statements():
    """Every statement any engine sends meanwhile (the CLI opens its own)."""
    seen: list[str] = []

    def note(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def _label_reads(statements) -> int:
    return sum(1 for s in statements if _LABEL_READ.search(s))


def _names(n: int) -> list[str]:
    return [f"defect class {i:04d}" for i in range(n)]


@pytest.fixture
def project(tmp_path, db_url):
    (tmp_path / "imgs").mkdir()
    with Project.open(tmp_path / "imgs", db_url) as p:
        p.add_labels(["dent", "scratch"])
        yield p


def test_adding_n_labels_reads_the_list_once_and_sends_as_many_statements_for_3_as_for_300(project):
    counts = {}
    for n in (3, 300):
        with _statements() as seen:
            added = project.add_labels([f"{n}: {name}" for name in _names(n)])
        assert len(added) == n
        assert _label_reads(seen) == 1, [s for s in seen if _LABEL_READ.search(s)][:3]
        counts[n] = len(seen)
    assert counts[300] == counts[3], counts  # (was one read and one INSERT more per label)
    labels = project.labels()
    assert len(labels) == 2 + 303
    assert [d.position for d in labels] == list(range(305))
    assert [d.shortcut for d in labels[:9]] == [str(k) for k in range(1, 10)]
    assert all(d.shortcut is None for d in labels[9:])


def test_cli_labels_add_of_many_names_sends_no_more_statements_than_of_few(png_folder, capsys):
    assert main(["labels", "add", str(png_folder), "dent"]) == 0
    capsys.readouterr()
    counts = {}
    for n in (3, 300):
        names = [f"{n}: {name}" for name in _names(n)]
        with _statements() as seen:
            assert main(["labels", "add", str(png_folder), *names, "--json"]) == 0
        assert [d["name"] for d in json.loads(capsys.readouterr().out)["added"]] == names
        counts[n] = (len(seen), _label_reads(seen))
    assert counts[300] == counts[3], counts


def test_checks_still_see_the_labels_added_before_in_the_same_action(project):
    """Each name is still checked against those before it in the list given: a duplicate,
    a look-alike, a key taken; nothing is added then."""
    nfd = unicodedata.normalize("NFD", "caf\u00e9")
    for names, said in [(["rust", "rust"], "label 'rust' already exists"),
                        (["rust", "Rust"], "differs from the existing label 'rust' only in upper and lower case"),
                        (["caf\u00e9", nfd], "looks the same as the existing label 'caf\u00e9'"),
                        (["rust", "Scratch"], "differs from the existing label 'scratch' only in upper")]:
        with pytest.raises(LabelError, match=said) as caught:
            project.add_labels(names)
        assert caught.value.name == names[1]
    with pytest.raises(LabelError, match="shortcut '3' is already used by label 'rust'; free keys: 4, 5"):
        project.add_labels(["rust", "hole"], shortcut="3")
    assert [d.name for d in project.labels()] == ["dent", "scratch"]


def test_colours_and_keys_follow_on_within_one_action(project):
    added = project.add_labels(["a", "b", "c"])
    assert [(d.color, d.shortcut, d.position) for d in added] == [
        ("#fb8c00", "3", 2), ("#8e24aa", "4", 3), ("#1e88e5", "5", 4)]


def _coco_with_classes(tmp_path, n: int):
    import numpy as np
    from PIL import Image

    src = tmp_path / f"lead{n}"
    src.mkdir()
    for i in range(2):
        Image.fromarray(np.full((8, 8), i * 60, np.uint8)).save(src / f"tile_{i}.png")
    with Project.open(src) as p:
        p.index()
        p.add_labels(_names(n))
        for i, name in zip(p.image_ids(), _names(n)):
            p.set_labels(i, [name], actor="lead")
        out = tmp_path / f"export{n}.json"
        export_project(p, "coco", out)
    return src, out


def test_an_import_naming_many_classes_reads_the_label_list_no_more_often_than_one_naming_few(tmp_path):
    reads = {}
    for n in (3, 200):
        src, out = _coco_with_classes(tmp_path, n)
        (src / ".llmvis").rename(tmp_path / f"lead{n}.llmvis")  # the same images, no project
        with Project.open(src) as p:
            p.index()
            with _statements() as seen:
                report = import_file(p, "coco", out)
            assert report.labels_created == n
            assert sorted(d.name for d in p.labels()) == _names(n)
        reads[n] = _label_reads(seen)
    assert reads[200] == reads[3], reads
