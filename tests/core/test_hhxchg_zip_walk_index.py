"""Walking a folder inside a zip archive (a zipped labelme folder, imagefolder, YOLO or
sidecar export) scanned every member of the archive once per folder: a zipped YOLO export
of 30,000 images in 5,000 folders (each class folder repeats the project's folders) took
a minute to read. The archive's folders and files are now indexed once; a walk reads the
member list once, whatever the number of folders."""
from __future__ import annotations

import zipfile

from llmvis_desktop.core.interchange import archive


class _CountingDict(dict):
    """A dict that counts how often it is iterated over."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.scans = 0

    def __iter__(self):
        self.scans += 1
        return super().__iter__()


def test_a_walk_reads_the_member_list_once(tmp_path):
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for c in range(3):
            for d in range(60):
                zf.writestr(f"train/c{c}/lot{d}/img.png", b"")
                zf.writestr(f"train/c{c}/lot{d}/img.txt", "caption")
    with archive.open_archive(z) as zf:
        arc = archive.Archive(z, zf)
        arc.files = _CountingDict(arc.files)
        top = archive.ArchivePath(arc, "")
        seen = [(str(folder), list(dirs), list(files)) for folder, dirs, files in archive.walk(top)]
        listed = [p.name for p in (top / "train").iterdir()]
    assert arc.files.scans <= 2, arc.files.scans  # (it was one scan per folder and one more: 186)
    assert len(seen) == 1 + 1 + 3 + 180
    assert seen[0] == ("many.zip", ["train"], [])
    assert ("many.zip/train/c1/lot7", [], ["img.png", "img.txt"]) in seen
    assert listed == ["c0", "c1", "c2"]


def test_a_pruned_walk_skips_the_folders_taken_out(tmp_path):
    z = tmp_path / "dots.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a/.hidden/x.json", "{}")
        zf.writestr("a/seen/y.json", "{}")
    with archive.open_archive(z) as zf:
        top = archive.ArchivePath(archive.Archive(z, zf), "a")
        visited = []
        for folder, dirs, _files in archive.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            visited.append(folder.rel)
    assert visited == ["a", "a/seen"]
