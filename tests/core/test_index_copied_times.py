"""A folder copied or restored without its file times (``cp -r``, rsync without ``-t``, a
backup tool's restore, a ``git checkout``, ``touch``) is not every image changed. Up to
schema 0014 the index called a file changed whenever its modification time moved: each
image got a ``file_changed`` event, its suggestions counted as made for old content (the
suggest job did every image again, the evaluation left every reviewed image out) and its
header was read again. A file whose time moved but whose size did not is compared by its
content now (``images.content_sha256``, stored when its header is read); one whose content
did change is still changed."""
from __future__ import annotations

import os
import shutil
import sys

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from llmvis_desktop.core import review_actions
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import migrate, repo_suggest
from llmvis_desktop.core.store.records import NewSuggestion

MODEL = "model-x"


def _png(path, seed, value=None):
    """An uncompressed PNG: a pixel changed keeps its size."""
    a = np.random.default_rng(seed).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    if value is not None:
        a[0, 0] = value
    Image.fromarray(a).save(path, compress_level=0)


def _project(root, db_url=None, n=4):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        _png(root / f"img{i}.png", i)
    p = Project.open(root, db_url)
    p.index()
    p.add_label("scratch")
    ids = p.image_ids()
    p.add_suggestions([NewSuggestion(i, "label", "scratch", MODEL, score=0.9, model_revision="r1") for i in ids])
    review_actions.accept(p, ids[0], "alice")
    return p


def _later(path, seconds=5):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000 + 123))


def _state(p):
    """Per image: file_changed events, content_changed_at, and the model's work done."""
    ids = p.image_ids()
    with p.store.read() as s:
        done = repo_suggest.same_request_done(s, MODEL, "r1", "label", None, ids)
        changed_at = dict(s.execute(sa.text("SELECT id, content_changed_at FROM images")).all())
    events = {i: sum(e.action == "file_changed" for e in p.history(i)) for i in ids}
    return {i: (events[i], changed_at[i] is not None, i in done) for i in ids}


class _Opens:
    """Files under a folder opened (its .llmvis database aside), by an audit hook: a hook
    cannot be removed, so one per process, switched by ``on``."""
    folder, seen, on = "", [], False

    @classmethod
    def hook(cls, event, args):
        if cls.on and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.fsdecode(args[0])
            if path.startswith(cls.folder) and "/.llmvis" not in path:
                cls.seen.append(path)


sys.addaudithook(_Opens.hook)


def _index_counting_opens(p):
    _Opens.folder, _Opens.seen, _Opens.on = str(p.root), [], True
    try:
        result = p.index()
    finally:
        _Opens.on = False
    return result, sorted({os.path.basename(f) for f in _Opens.seen})


def test_touched_files_with_the_same_content_are_not_changed(tmp_path, db_url):
    with _project(tmp_path / "imgs", db_url) as p:
        before = _state(p)
        assert before == {i: (0, False, True) for i in p.image_ids()}
        for f in (tmp_path / "imgs").glob("*.png"):
            _later(f)
        result, opened = _index_counting_opens(p)
        assert result.changed == 0 and result.retimed == 4
        assert _state(p) == before  # no event, suggestions still for the current content
        assert opened == [f"img{i}.png" for i in range(4)]  # each read once, to compare it
        assert p.image(p.image_ids()[0]).status == "reviewed"
        # the new times are kept: the next index reads no file
        result, opened = _index_counting_opens(p)
        assert (result.changed, result.retimed, opened) == (0, 0, [])


def test_a_folder_copied_with_its_database_keeps_its_work(tmp_path):
    with _project(tmp_path / "imgs") as p:
        before = _state(p)
    # copied as cp -r does: new modification times, the database along
    shutil.copytree(tmp_path / "imgs", tmp_path / "copy", copy_function=shutil.copyfile)
    with Project.open(tmp_path / "copy") as p:
        result = p.index()
        assert (result.changed, result.retimed) == (0, 4)
        assert _state(p) == before
        assert p.history(p.image_ids()[0])[-1].action == "status"  # the review is the last event


@pytest.mark.parametrize("same_size", [True, False])
def test_a_file_really_edited_is_still_changed(tmp_path, db_url, same_size):
    with _project(tmp_path / "imgs", db_url) as p:
        first, *others = p.image_ids()
        path = p.path_of(p.image(first))
        size = path.stat().st_size
        if same_size:
            _png(path, 0, value=(1, 2, 3))  # one pixel: the same size, another content
            _later(path)
        else:
            Image.new("RGB", (40, 30), (9, 9, 9)).save(path)
        assert (path.stat().st_size == size) is same_size
        for f in (tmp_path / "imgs").glob("*.png"):
            if f != path:
                _later(f)
        result, opened = _index_counting_opens(p)
        assert (result.changed, result.retimed) == (1, 3)
        state = _state(p)
        assert state[first] == (1, True, False)  # an event, its suggestions for the old content
        assert all(state[i] == (0, False, True) for i in others)
        assert p.image(first).status == "reviewed"  # kept, as before
        assert (p.image(first).width, p.image(first).height) == ((16, 16) if same_size else (40, 30))
        # its new content's digest is stored: touched again, it is not changed again
        _later(path, 9)
        result = p.index()
        assert (result.changed, result.retimed) == (0, 1)
        assert _state(p)[first] == (1, True, False)


def test_an_unchanged_folder_reads_no_file(tmp_path):
    with _project(tmp_path / "imgs") as p:
        result, opened = _index_counting_opens(p)
        assert (result.changed, result.retimed, opened) == (0, 0, [])


def test_a_row_without_a_digest_is_changed_once_then_compared(tmp_path, db_url):
    """A row indexed before the digest was kept (an upgraded project) has nothing to
    compare with: its file touched is changed as before, and its digest is stored then."""
    with _project(tmp_path / "imgs", db_url) as p:
        with p.store.write() as s:
            s.execute(sa.text("UPDATE images SET content_sha256 = NULL"))
        f = tmp_path / "imgs" / "img1.png"
        _later(f)
        result = p.index()
        assert (result.changed, result.retimed) == (1, 0)
        with p.store.read() as s:
            have = dict(s.execute(sa.text("SELECT relpath, content_sha256 FROM images")).all())
        assert have["img1.png"] and not have["img0.png"]
        _later(f, 9)
        result = p.index()
        assert (result.changed, result.retimed) == (0, 1)


def test_a_0014_database_upgrades_and_downgrades(tmp_path, db_url):
    with _project(tmp_path / "imgs", db_url) as p:
        url = p.db_url
        ids = p.image_ids()
    migrate.downgrade(url, "0014")
    engine = sa.create_engine(url)
    try:
        assert "content_sha256" not in {c["name"] for c in sa.inspect(engine).get_columns("images")}
    finally:
        engine.dispose()
    with Project.open(tmp_path / "imgs", db_url) as p:
        with p.store.read() as s:
            assert s.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == migrate.HEAD_REVISION
            assert s.execute(sa.text("SELECT count(*) FROM images WHERE content_sha256 IS NULL")).scalar() == 4
        assert p.image_ids() == ids and p.image(ids[0]).status == "reviewed"  # the rows kept
        # filled lazily: a file whose time moved is changed once, its digest stored with its header
        _later(tmp_path / "imgs" / "img2.png")
        assert p.index().changed == 1
        with p.store.read() as s:
            assert s.execute(sa.text("SELECT count(*) FROM images WHERE content_sha256 IS NULL")).scalar() == 3
