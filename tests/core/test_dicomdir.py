"""A DICOMDIR (the directory file every DICOM disc or USB export carries beside its
images) is not an image: the index leaves it out and says so, instead of listing it as
an unreadable file ("DICOM has no pixel data", an error tile, "damaged" in suggest)."""
import shutil

from pydicom.data import get_testdata_file

from llmvis_desktop.core.project import Project

DICOMDIR = get_testdata_file("DICOMDIR", download=False)
CT = get_testdata_file("CT_small.dcm", download=False)


def _folder(tmp_path):
    folder = tmp_path / "disc"
    (folder / "IMAGES").mkdir(parents=True)
    shutil.copy(DICOMDIR, folder / "DICOMDIR")
    shutil.copy(DICOMDIR, folder / "1.2.826.0.1.3680043.8.498.1")  # a directory under a UID-style name
    shutil.copy(CT, folder / "IMAGES" / "IM000001")  # an image without an extension: still indexed
    shutil.copy(CT, folder / "IMAGES" / "1.2.826.0.1.3680043.8.498.2")  # and UID-style
    return folder


def test_a_dicomdir_is_left_out_of_the_index_and_named(tmp_path):
    folder = _folder(tmp_path)
    with Project.open(folder) as p:
        result = p.index()
        rows = p.images(p.image_ids())
        assert sorted(r.relpath for r in rows) == ["IMAGES/1.2.826.0.1.3680043.8.498.2", "IMAGES/IM000001"]
        assert all(r.status != "error" for r in rows), [(r.relpath, r.error) for r in rows]
        assert p.unreadable_files() == []
    lines = result.skipped_lines()
    assert len(lines) == 1 and lines[0].startswith("2 left out: a DICOMDIR"), lines
    assert "DICOMDIR" in lines[0] and "1.2.826.0.1.3680043.8.498.1" in lines[0], lines


def test_a_dicomdir_left_out_again_at_the_next_index(tmp_path):
    folder = _folder(tmp_path)
    with Project.open(folder) as p:
        p.index()
        (folder / "IMAGES" / "IM000001").touch()  # the folder is listed again
        again = p.index()
        assert p.count() == 2 and again.missing == 0


def _indexed_before_dicomdirs_were_left_out(folder, db_url, monkeypatch):
    """A project indexed by a version that listed a DICOMDIR as an image: its row is an
    error ("DICOM has no pixel data")."""
    from llmvis_desktop.core.imaging import formats, scan

    with monkeypatch.context() as mp:
        mp.setattr(scan, "_sniff", lambda entry: formats.DICOM_IMAGE if entry.is_file() else None)
        with Project.open(folder, db_url) as p:
            p.index()
            old = p.image_by_path("DICOMDIR")
            assert old is not None and old.status == "error" and "no pixel data" in old.error, old
    return old


def test_an_earlier_index_s_dicomdir_row_is_removed_not_called_missing(tmp_path, db_url, monkeypatch):
    folder = _folder(tmp_path)
    _indexed_before_dicomdirs_were_left_out(folder, db_url, monkeypatch)
    with Project.open(folder, db_url) as p:
        result = p.index()
        assert result.missing == 0 and p.counts_by_status().get("missing", 0) == 0, p.counts_by_status()
        assert sorted(r.relpath for r in p.images(p.image_ids())) == [
            "IMAGES/1.2.826.0.1.3680043.8.498.2", "IMAGES/IM000001"]
        assert p.unreadable_files() == [] and result.removed == 2
        lines = result.skipped_lines()
        assert any("2 listed by an earlier index removed" in line and "DICOMDIR" in line for line in lines), lines
        again = p.index()  # and nothing more at the next one
        assert again.missing == 0 and again.removed == 0 and p.count() == 2


def test_an_earlier_index_s_dicomdir_row_with_review_work_is_kept_and_named(tmp_path, db_url, monkeypatch):
    folder = _folder(tmp_path)
    old = _indexed_before_dicomdirs_were_left_out(folder, db_url, monkeypatch)
    with Project.open(folder, db_url) as p:
        p.add_label("scratch")
        p.toggle_label(old.id, "scratch", "alice")  # a reviewer's work on it: kept, with its history
        history = p.history(old.id)
        result = p.index()
        kept = p.image_by_path("DICOMDIR")
        assert kept is not None and kept.id == old.id and kept.status == "error", kept
        assert kept.labels == ("scratch",) and p.history(old.id) == history  # nothing rewritten
        assert result.missing == 0 and p.counts_by_status().get("missing", 0) == 0, p.counts_by_status()
        assert result.removed == 1 and p.image_by_path("1.2.826.0.1.3680043.8.498.1") is None  # no work on it
        lines = result.skipped_lines()
        assert any("1 kept" in line and "DICOMDIR" in line and "review work" in line for line in lines), lines
        (folder / "IMAGES" / "IM000001").touch()
        assert p.index().missing == 0 and p.image_by_path("DICOMDIR").status == "error"
        (folder / "DICOMDIR").unlink()  # gone for real: missing, as any file
        assert p.index().missing == 1 and p.image_by_path("DICOMDIR").status == "missing"


def test_a_dicomdir_row_already_marked_missing_with_work_is_listed_again(tmp_path, monkeypatch):
    """The version before this one marked an earlier index's DICOMDIR row missing."""
    folder = _folder(tmp_path)
    old = _indexed_before_dicomdirs_were_left_out(folder, None, monkeypatch)
    with Project.open(folder) as p:
        p.set_caption(old.id, "disc index", "alice")
        (folder / "DICOMDIR").rename(tmp_path / "aside")
        assert p.index().missing == 1 and p.image_by_path("DICOMDIR").status == "missing"
        (tmp_path / "aside").rename(folder / "DICOMDIR")
        result = p.index()
        row = p.image_by_path("DICOMDIR")
        assert row.status == "error" and row.caption == "disc index" and result.missing == 0, row
        assert result.kept_left_out == ["DICOMDIR"]


def test_a_dicomdir_named_dcm_is_left_out_too(tmp_path):
    """Exports and tools that add an extension to every file name write ``DICOMDIR.dcm``
    (pydicom's own ``DICOMDIR-empty.dcm``): it was listed as an unreadable image ("DICOM
    has no pixel data"), an error tile, though the index leaves out a DICOMDIR "whatever
    its name". A ``.dcm`` image named so is still indexed."""
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(DICOMDIR, folder / "DICOMDIR.dcm")
    shutil.copy(DICOMDIR, folder / "dicomdir-2.DCM")
    shutil.copy(CT, folder / "DICOMDIR_scout.dcm")  # an image, named oddly: indexed
    shutil.copy(CT, folder / "ct.dcm")
    with Project.open(folder) as p:
        result = p.index()
        rows = p.images(p.image_ids())
        assert sorted(r.relpath for r in rows) == ["DICOMDIR_scout.dcm", "ct.dcm"], [(r.relpath, r.error) for r in rows]
        assert p.unreadable_files() == []
    lines = result.skipped_lines()
    assert len(lines) == 1 and lines[0].startswith("2 left out: a DICOMDIR"), lines


def test_a_dicomdir_under_any_other_name_is_called_a_dicomdir_not_a_damaged_image(tmp_path):
    """A DICOMDIR renamed ``index.dcm`` is not sniffed by the listing (that would open
    every ``.dcm`` file): its reason says what it is instead of a bare "no pixel data"."""
    from llmvis_desktop.core.imaging import ImageReadError, read_header, read_image

    shutil.copy(DICOMDIR, tmp_path / "index.dcm")
    for read in (read_header, read_image):
        try:
            read(tmp_path / "index.dcm")
        except ImageReadError as exc:
            assert "DICOMDIR" in exc.reason and "not an image" in exc.reason, exc.reason
        else:
            raise AssertionError("read")
