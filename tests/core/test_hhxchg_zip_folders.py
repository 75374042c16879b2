"""A zip archive of YOLO classification folders (a zipped export sent by a colleague,
Roboflow's classification "Folder Structure" download) or of caption .txt sidecars (a
zipped caption dataset) was refused: "a zip archive; the yolo format reads image files on
disk: unzip it and import the folder". Both formats match records by the image's path
(below its class folder, or the sidecar's path without .txt), so they are now read from
the archive as it is, as the other formats are: nothing unzipped, the same size caps."""
from __future__ import annotations

import os
import zipfile

import pytest

from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, export_project, import_file

from interchange_helpers import copy_files, open_scanned, state


def _kept(p):
    """Caption, labels, status and suggestions by image (who and when: the import's own)."""
    return {rel: (caption, labels, status, sugg) for rel, (caption, labels, status, _by, _at, sugg) in state(p).items()}


def _zip(folder, z, top=None):
    """``folder``'s files into the archive ``z`` (under ``top``/ when given), as a user zips it."""
    with zipfile.ZipFile(z, "w") as zf:
        for dirpath, _dirs, files in os.walk(folder):
            for fn in files:
                full = os.path.join(dirpath, fn)
                rel = os.path.relpath(full, folder).replace(os.sep, "/")
                zf.write(full, f"{top}/{rel}" if top else rel)
    return z


@pytest.mark.parametrize("fmt,top", [("yolo", None), ("yolo", "dataset_v2"), ("txt", None), ("txt", "captions")])
def test_a_zipped_export_imports_as_its_folder_does(proj, tmp_path, fmt, top):
    out = tmp_path / "export"
    export_project(proj, fmt, out, ExportOptions(anonymize=False, split=(0.5, 0.5, 0.0)))
    z = _zip(out, tmp_path / f"{fmt}.zip", top)
    want = open_scanned(copy_files(proj.root, tmp_path / "a"))
    got = open_scanned(copy_files(proj.root, tmp_path / "b"))
    try:
        from_folder = import_file(want, fmt, out)
        from_zip = import_file(got, fmt, z)  # (refused: "unzip it and import the folder")
        assert from_zip.matched == from_folder.matched > 0 and not from_zip.unmatched, from_zip.summary()
        assert from_zip.source == f"{z.name}/{top}" if top else from_zip.source == z.name
        assert _kept(got) == _kept(want)
        assert [lbl.name for lbl in got.labels()] == [lbl.name for lbl in want.labels()]
    finally:
        want.close()
        got.close()


def test_a_roboflow_classification_zip_imports(small, tmp_path):
    """Roboflow's download: train/, valid/ and test/ at the top with a class folder each,
    README files beside them."""
    project, ids = small
    z = tmp_path / "defects.v3i.folder.zip"
    png = (project.root / "img1.png").read_bytes()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("README.roboflow.txt", "exported via roboflow.com")
        zf.writestr("README.dataset.txt", "# defects > 2024-05-01")
        zf.writestr("train/a/img1.png", png)
        zf.writestr("valid/b/img2.png", png)
        zf.writestr("test/a/img3.png", png)
        zf.writestr("__MACOSX/train/a/._img1.png", b"\0\5\26\7")
    report = import_file(project, "yolo", z)
    assert report.matched == 3 and not report.unmatched, report.summary()
    got = {r.name: r.labels for r in project.images(list(ids.values()))}
    assert got == {"img1.png": ("a",), "img2.png": ("b",), "img3.png": ("a",), "img4.png": ()}


def test_an_archive_with_two_yolo_datasets_names_them_and_member_picks_one(small, tmp_path):
    project, _ids = small
    z = tmp_path / "two.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("old/train/a/img1.png", b"x")
        zf.writestr("new/train/b/img1.png", b"x")
    with pytest.raises(InterchangeError, match=r"two\.zip: a zip archive with 2 yolo candidates: 'new', 'old'"):
        import_file(project, "yolo", z)
    import_file(project, "yolo", z, member="new")
    assert project.image_by_path("img1.png").labels == ("b",)


def test_an_archive_with_no_split_folder_or_sidecar_is_refused_saying_so(small, tmp_path):
    project, _ids = small
    z = tmp_path / "images.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("photos/img1.png", b"x")
    with pytest.raises(InterchangeError, match=r"images\.zip: a zip archive holding no split folder"):
        import_file(project, "yolo", z)
    with pytest.raises(InterchangeError, match=r"images\.zip: a zip archive holding no \.txt sidecar"):
        import_file(project, "txt", z)
    assert all(not r.labels and not r.caption for r in project.images(project.image_ids()))
