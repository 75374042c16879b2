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
