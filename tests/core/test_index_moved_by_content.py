"""A file moved or renamed after its folder was copied without its file times (``cp -r``)
is found by its content. The index paired a vanished file with a new one only by name,
size and modification time: in a copy made with ``cp -r`` every time is the copy's, so a
reviewed tile moved (or renamed, or its name turned NFC -> NFD) became "missing" and the
file at its new path "new", with no labels; the index said "0 moved". The header pass
hashes each new file anyway (``images.content_sha256``): a new file whose size and digest
are a missing row's, one on each side, takes that row."""
from __future__ import annotations

import json
import os
import shutil
import sys
import unicodedata
from collections import Counter

import numpy as np
from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core import review_actions
from llmvis_desktop.core.project import Project


def _png(path, seed):
    """An uncompressed 16x16 PNG: every one the same size, each its own content."""
    a = np.random.default_rng(seed).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(a).save(path, compress_level=0)


def _later(path, seconds=7):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000 + 321))


class _Opens:
    """Opens of files under a folder (its .llmvis database aside), by an audit hook (one per
    process, switched by ``on``). Python's ``open`` only (its mode is given): the ``os.open``
    of an ``opener`` is the same open seen twice."""
    folder, seen, on = "", [], False

    @classmethod
    def hook(cls, event, args):
        if cls.on and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) and args[1]:
            path = os.fsdecode(args[0])
            if path.startswith(cls.folder) and "/.llmvis" not in path:
                cls.seen.append(os.path.relpath(path, cls.folder))


sys.addaudithook(_Opens.hook)


def _index(p):
    """(the index's result, Counter of the files it opened)."""
    _Opens.folder, _Opens.seen, _Opens.on = str(p.root), [], True
    try:
        result = p.index()
    finally:
        _Opens.on = False
    return result, Counter(_Opens.seen)


def _reviewed(root, db_url=None, n=4):
    """A project over n PNGs, img0.png labelled scratch and reviewed by alice."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        _png(root / f"img{i}.png", i)
    p = Project.open(root, db_url)
    result, opened = _index(p)
    # the first index opens each file once (hash and header from one open), as before
    assert opened == Counter(f"img{i}.png" for i in range(n)) and result.added == n
    p.add_label("scratch")
    first = p.image_by_path("img0.png").id
    p.set_labels(first, ["scratch"], "alice")
    review_actions.accept(p, first, "alice")
    return p, first


def _as_cp_r(root):
    """Every file's time moved, as a copy without its times leaves them."""
    for f in root.rglob("*.png"):
        _later(f)


def _check_moved(p, first, new_rel):
    rec = p.image_by_path(new_rel)
    assert rec is not None and rec.id == first
    assert rec.status == "reviewed" and rec.labels == ("scratch",)
    assert p.image_by_path("img0.png") is None
    assert p.history(first)[-1].action == "move"
    assert p.counts_by_status().get("missing", 0) == 0


def test_a_file_moved_in_a_copy_without_times_keeps_its_review(tmp_path, db_url):
    root = tmp_path / "steel"
    p, first = _reviewed(root, db_url)
    with p:
        _as_cp_r(root)
        (root / "sub").mkdir()
        os.rename(root / "img0.png", root / "sub" / "img0.png")
        result, opened = _index(p)
        assert (result.moved, result.added, result.missing, result.changed) == (1, 0, 0, 0)
        _check_moved(p, first, "sub/img0.png")
        # each file read once: the retimed ones compared, the moved one hashed with its header
        assert opened == Counter(["img1.png", "img2.png", "img3.png", "sub/img0.png"])
        # the row took the file's size and time: the next index reads nothing
        result, opened = _index(p)
        assert (result.moved, result.added, result.changed, result.retimed, opened) == (0, 0, 0, 0, Counter())


def test_a_copied_folder_with_its_database_finds_renames_and_nfd_names(tmp_path):
    """The brief's case: ``cp -r steel s7``, then a rename and a name turned NFD in s7."""
    name = unicodedata.normalize("NFC", "défaut.png")
    p, first = _reviewed(tmp_path / "steel")
    with p:
        os.rename(tmp_path / "steel" / "img1.png", tmp_path / "steel" / name)
        p.index()
        second = p.image_by_path(name).id
        review_actions.accept(p, second, "bob")
    shutil.copytree(tmp_path / "steel", tmp_path / "s7", copy_function=shutil.copyfile)
    s7 = tmp_path / "s7"
    os.rename(s7 / "img0.png", s7 / "tile_0.png")
    nfd = unicodedata.normalize("NFD", name)
    os.rename(s7 / name, s7 / nfd)
    with Project.open(s7) as p:
        result = p.index()
        assert (result.moved, result.added, result.missing, result.retimed) == (2, 0, 0, 2)
        _check_moved(p, first, "tile_0.png")
        assert p.image_by_path(nfd).id == second and p.image(second).status == "reviewed"


def test_only_a_unique_pairing_is_a_move(tmp_path):
    p, first = _reviewed(tmp_path / "imgs")
    root = p.root
    with p:
        # two new files with the vanished one's content: which one it is, nobody knows
        shutil.copyfile(root / "img0.png", root / "a.png")
        os.rename(root / "img0.png", root / "b.png")
        _as_cp_r(root)
        result = p.index()
        assert (result.moved, result.added, result.missing) == (0, 2, 1)
        assert p.image(first).status == "missing"


def test_two_vanished_files_of_one_content_are_not_paired(tmp_path):
    p, first = _reviewed(tmp_path / "imgs")
    root = p.root
    with p:
        shutil.copyfile(root / "img0.png", root / "twin.png")
        p.index()
        os.rename(root / "twin.png", root / "twin_moved.png")
        os.rename(root / "img0.png", root / "moved.png")
        _as_cp_r(root)
        result = p.index()
        assert (result.moved, result.added, result.missing) == (0, 2, 2)


def test_a_file_listed_all_along_is_not_taken_for_a_vanished_one(tmp_path):
    """A duplicate of a reviewed image, listed before it vanished, is not its new path."""
    p, first = _reviewed(tmp_path / "imgs")
    root = p.root
    with p:
        shutil.copyfile(root / "img0.png", root / "dup.png")
        p.index()
        os.remove(root / "img0.png")
        result = p.index()
        assert (result.moved, result.missing) == (0, 1)
        assert p.image_by_path("dup.png").status == "new"


def test_a_new_file_of_the_same_size_and_another_content_is_not_a_move(tmp_path):
    p, first = _reviewed(tmp_path / "imgs")
    root = p.root
    with p:
        os.remove(root / "img0.png")
        _png(root / "other.png", 99)
        assert (root / "other.png").stat().st_size == (root / "img1.png").stat().st_size
        result = p.index()
        assert (result.moved, result.added, result.missing) == (0, 1, 1)


def test_the_cli_says_moved_and_headers_skipped_finds_it_later(tmp_path, capsys):
    p, first = _reviewed(tmp_path / "imgs")
    p.close()
    root = tmp_path / "imgs"
    os.rename(root / "img0.png", root / "renamed.png")
    _as_cp_r(root)
    # --no-headers hashes nothing: no move is found yet
    assert main(["index", str(root), "--quiet", "--no-headers", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["moved"], summary["added"], summary["missing"]) == (0, 1, 1)
    assert main(["index", str(root), "--quiet"]) == 0
    assert "1 moved" in capsys.readouterr().out
    with Project.open(root) as p:
        _check_moved(p, first, "renamed.png")
