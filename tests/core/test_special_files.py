"""Pipes, devices and links in an image folder: nothing blocks, nothing is read that is
not a regular file, and the index says what it left out.

Every call that could block on a pipe runs under a deadline, so a regression fails
the test instead of hanging the run.
"""
import os
import threading

import pytest
from PIL import Image

from llmvis_desktop.core.imaging import ImageReadError, sniff_dicom
from llmvis_desktop.core.imaging.reader import read_header, read_image
from llmvis_desktop.core.imaging.scan import walk_images
from llmvis_desktop.core.imaging.thumbs import ThumbnailCache, make_thumbnail
from llmvis_desktop.core.project import Project

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")

DEADLINE_S = 20


def _release(fifo) -> None:
    """Let a reader blocked in open() on ``fifo`` go (it then reads end of file)."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def within(fn, *fifos):
    """fn() on a thread; fails the test when it has not returned after DEADLINE_S."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test's thread
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(DEADLINE_S)
    if worker.is_alive():
        for fifo in fifos:
            _release(fifo)
        worker.join(5)
        pytest.fail(f"blocked on a pipe for {DEADLINE_S} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.fixture
def piped(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    Image.new("RGB", (8, 6), (9, 9, 9)).save(root / "ok.png")
    os.mkfifo(root / "fifo.png")
    os.mkfifo(root / "noext")  # no extension: the scan would sniff it for DICOM
    (root / "sub").mkdir()
    os.mkfifo(root / "sub" / "1.2.840.10008")  # a UID-style name, sniffed too
    return root


def test_the_index_leaves_pipes_out_and_says_so(piped):
    fifos = [piped / "fifo.png", piped / "noext", piped / "sub" / "1.2.840.10008"]
    with Project.open(piped) as p:
        result = within(p.index, *fifos)
        assert [r.relpath for r in p.images(p.image_ids())] == ["ok.png"]
        assert p.image(p.image_ids()[0]).width == 8
    assert result.seen == 1
    assert [(sk.count, sk.reason, sk.examples) for sk in result.skipped] == [
        (1, "not a regular file (a named pipe)", ["fifo.png"])]
    assert "fifo.png" in result.skipped_lines()[0]


def test_listing_alone_never_opens_a_pipe(piped):
    fifos = [piped / "fifo.png", piped / "noext", piped / "sub" / "1.2.840.10008"]
    batches = within(lambda: list(walk_images(piped)), *fifos)
    assert [e.relpath for b in batches for e in b] == ["ok.png"]


@pytest.mark.parametrize("read", [
    read_header,
    read_image,
    lambda path: make_thumbnail(path, 64),
    lambda path: ThumbnailCache(path.parent.parent / "cache").get(path, 64),
], ids=["read_header", "read_image", "make_thumbnail", "ThumbnailCache.get"])
def test_readers_refuse_a_pipe_at_once(piped, read):
    fifo = piped / "fifo.png"
    with pytest.raises(ImageReadError) as err:
        within(lambda: read(fifo), fifo)
    assert err.value.reason == "not a regular file (a named pipe)"
    assert str(fifo) in str(err.value)


def test_dicom_sniffing_skips_a_pipe(piped):
    assert within(lambda: sniff_dicom(piped / "noext"), piped / "noext") is False


def test_a_link_to_a_folder_above_the_project_is_not_followed(tmp_path):
    root = tmp_path / "proj"
    (root / "cam").mkdir(parents=True)
    Image.new("L", (4, 4)).save(root / "cam" / "a.png")
    (tmp_path / "beside").mkdir()
    Image.new("L", (4, 4)).save(tmp_path / "beside" / "b.png")
    os.symlink(tmp_path, root / "up")  # like a link to / : the project and all beside it
    os.symlink(root.anchor, root / "everything")
    os.symlink(tmp_path / "beside", root / "linked")  # a linked data folder: followed
    with Project.open(root) as p:
        result = within(p.scan)
        assert sorted(r.relpath for r in p.images(p.image_ids())) == ["cam/a.png", "linked/b.png"]
    (skipped,) = result.skipped
    assert skipped.count == 2 and sorted(skipped.examples) == ["everything", "up"]
    assert "holds the project" in skipped.reason
