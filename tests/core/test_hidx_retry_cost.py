"""A file whose header read failed for a reason that may pass is read again at every
index, its size and time unchanged or not: a ``chmod`` that lets us read it, a share back
after a blip, a decoder plugin installed change neither, and F5 must see the fix. What a
retry costs is bounded: an undecodable DICOM was hashed whole again at every index (its
digest already stored), and every retry that failed again the same way counted as a header
read, so F5 re-queried the window's grid and counts for a file still locked."""
from __future__ import annotations

import shutil

from pydicom.data import get_testdata_file

from llmvis_desktop.core import indexer
from llmvis_desktop.core.imaging import dicom_decoders, reader
from llmvis_desktop.core.imaging.errors import ImageReadError
from llmvis_desktop.core.project import Project


class _NoDecoder:
    available_plugins = ()
    is_available = False


class _Plugin:
    available_plugins = ("pylibjpeg",)
    is_available = True


def _hashes(monkeypatch) -> list[str]:
    """The files the header pass hashes, by name."""
    seen: list[str] = []
    real = indexer.open_file_sha256_stat

    def spy(fh, *a, **k):
        seen.append(fh.name.rsplit("/", 1)[-1])
        return real(fh, *a, **k)

    monkeypatch.setattr(indexer, "open_file_sha256_stat", spy)
    return seen


def test_an_undecodable_dicom_is_read_again_but_not_hashed_again(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    folder.mkdir()
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm", download=False), folder / "ls.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm", download=False), folder / "plain.dcm")
    monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _NoDecoder())
    hashed = _hashes(monkeypatch)
    with Project.open(folder) as p:
        first = p.index()
        assert sorted(hashed) == ["ls.dcm", "plain.dcm"] and first.rows_changed
        hashed.clear()
        again = p.index()  # nothing changed: the DICOM's tags read again, not its whole file
        assert again.headers_read == 1 and again.failed_again == 1
        assert hashed == []
        assert not again.rows_changed  # (F5 re-queries no grid for it)
        [ls] = [i for i in p.image_ids() if p.image(i).relpath == "ls.dcm"]
        assert p.image(ls).status == "error"
        monkeypatch.setattr(dicom_decoders, "_decoder", lambda ts: _Plugin())  # a plugin installed
        fixed = p.index()
        assert fixed.headers_read == 1 and fixed.failed_again == 0 and fixed.rows_changed
        assert p.image(ls).status == "new" and hashed == []


def test_a_file_still_denied_is_tried_again_and_counted_apart(tmp_path, monkeypatch):
    """Permission denied, the file unchanged: tried at every index (a chmod changes no size
    or time); failing again the same way it changes no row; readable again, it does."""
    from PIL import Image

    for name in ("a.png", "locked.png"):
        Image.new("RGB", (8, 6), (40, 80, 120)).save(tmp_path / name)
    real = reader.read_header
    denied = {"on": True}

    def read_header(path, *a, **k):
        if denied["on"] and str(path).endswith("locked.png"):
            raise ImageReadError(path, "permission denied")
        return real(path, *a, **k)

    monkeypatch.setattr(reader, "read_header", read_header)
    with Project.open(tmp_path) as p:
        p.index()
        assert p.unreadable_files(10) == [("locked.png", "permission denied")]
        again = p.index()
        assert (again.headers_read, again.failed_again, again.rows_changed) == (1, 1, False)
        denied["on"] = False
        fixed = p.index()
        assert (fixed.headers_read, fixed.failed_again, fixed.rows_changed) == (1, 0, True)
        assert p.unreadable_files(10) == []
