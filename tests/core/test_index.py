"""Folder index: streaming scan, incremental rescan, missing files, loops, cancel."""
import os
import time

import pytest
from PIL import Image

from llmvis_desktop.core.imaging.scan import walk_images
from llmvis_desktop.core.project import Project, ProjectError
from llmvis_desktop.core.tasks import CancelToken, Cancelled


def _paths(project):
    return [r.relpath for r in project.images(project.image_ids())]


def test_first_scan_lists_without_opening(png_folder, monkeypatch):
    import builtins

    opened = []
    real_open = builtins.open

    def spy(file, *a, **k):
        opened.append(str(file))
        return real_open(file, *a, **k)

    with Project.open(png_folder) as p:
        monkeypatch.setattr(builtins, "open", spy)
        result = p.scan()
        monkeypatch.setattr(builtins, "open", real_open)
        assert result.added == 5
        assert _paths(p) == ["img0.png", "img1.png", "img2.png", "sub/s0.png", "sub/s1.png"]
        assert p.info()["headers_pending"] == 5
        assert not [f for f in opened if f.endswith(".png")]


def test_streams_batches_and_skips_hidden(png_folder):
    (png_folder / ".llmvis").mkdir(exist_ok=True)
    Image.new("L", (4, 4)).save(png_folder / ".llmvis" / "inside.png")
    batches = list(walk_images(png_folder, batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    names = [e.relpath for b in batches for e in b]
    assert not any(n.startswith(".") or "/." in n for n in names)


def test_incremental_rescan(png_folder):
    with Project.open(png_folder) as p:
        p.index()
        ids = dict((r.relpath, r.id) for r in p.images(p.image_ids()))
        p.set_caption(ids["img1.png"], "keep me", "alice")
        p.add_label("dent")
        p.toggle_label(ids["img1.png"], "dent", "alice")
        # change one, remove an annotated one, add one
        time.sleep(0.01)
        Image.new("RGB", (30, 20)).save(png_folder / "img0.png")
        os.remove(png_folder / "img1.png")
        Image.new("RGB", (5, 5)).save(png_folder / "sub" / "new.png")
        r = p.scan()
        assert (r.added, r.changed, r.missing) == (1, 1, 1)
        gone = p.image(ids["img1.png"])
        assert gone.status == "missing" and gone.caption == "keep me" and gone.labels == ("dent",)
        assert p.read_headers() == 2
        assert p.image(ids["img0.png"]).width == 30
        unchanged = p.scan()
        assert (unchanged.added, unchanged.changed, unchanged.missing) == (0, 0, 0)
        # the file comes back: its status is restored, nothing was lost
        Image.new("RGB", (16, 12)).save(png_folder / "img1.png")
        r = p.scan()
        assert r.changed == 1 or r.restored == 1
        back = p.image(ids["img1.png"])
        assert back.status == "new" and back.caption == "keep me"


def test_symlink_loop_survives(png_folder):
    os.symlink(png_folder, png_folder / "sub" / "loop")
    os.symlink(png_folder / "sub", png_folder / "again")
    names = [e.relpath for b in walk_images(png_folder) for e in b]
    assert len(names) == 5 and len(set(names)) == 5


def test_broken_symlink_is_an_error_row(png_folder):
    os.symlink(png_folder / "nowhere.png", png_folder / "dangling.png")
    with Project.open(png_folder) as p:
        p.index()
        rec = p.image_by_path("dangling.png")
        assert rec.status == "error"
        assert "symbolic link" in rec.error


def test_unreadable_subfolder_is_reported_not_marked_missing(png_folder, monkeypatch):
    with Project.open(png_folder) as p:
        p.scan()
        real = os.scandir

        def flaky(path):
            if str(path).endswith("sub"):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", flaky)
        r = p.scan()
        assert r.unreadable_folders == [("sub", "Permission denied")]
        assert r.missing == 0
        assert p.counts_by_status().get("missing", 0) == 0


def test_missing_root_is_a_clear_error(tmp_path):
    root = tmp_path / "drive"
    root.mkdir()
    Image.new("L", (4, 4)).save(root / "a.png")
    p = Project.open(root)
    p.scan()
    os.remove(root / "a.png")
    root.rename(tmp_path / "unplugged")
    with pytest.raises(ProjectError, match="cannot be opened"):
        p.scan()
    assert p.counts_by_status() == {"new": 1}  # nothing marked missing
    p.close()


def test_cancel_keeps_committed_batches(tmp_path):
    root = tmp_path / "many"
    for d in range(5):
        (root / f"d{d}").mkdir(parents=True)
        for i in range(10):
            Image.new("L", (2, 2)).save(root / f"d{d}" / f"{i:03d}.png")
    token = CancelToken()

    def progress(pr):
        if pr.done >= 20:
            token.cancel()

    with Project.open(root) as p:
        with pytest.raises(Cancelled):
            p.scan(token, progress, batch_size=10)
        assert p.count() == 20  # two folders committed, with their digests
        assert p.counts_by_status() == {"new": 20}
        r = p.scan()
        assert (r.added, r.missing) == (30, 0)


def test_rescan_skips_unchanged_folders(png_folder, monkeypatch):
    from llmvis_desktop.core.store import repo_folders

    with Project.open(png_folder) as p:
        p.scan()
        asked = []
        real = repo_folders.files_in_folder
        monkeypatch.setattr(repo_folders, "files_in_folder", lambda s, rel: asked.append(rel) or real(s, rel))
        assert p.scan().added == 0 and asked == []
        time.sleep(0.01)
        Image.new("L", (9, 9)).save(png_folder / "sub" / "s0.png")
        r = p.scan()
        # (read twice: for the files to compare by content, outside the write; again in it)
        assert set(asked) == {"sub"} and (r.added, r.changed, r.missing) == (0, 1, 0)
        # a whole folder vanishing marks its files missing
        import shutil

        shutil.rmtree(png_folder / "sub")
        r = p.scan()
        assert r.missing == 2 and p.counts_by_status() == {"new": 3, "missing": 2}


def test_bad_files_become_error_rows_and_index_carries_on(png_folder):
    from imagegen import write_bad_files

    bad_dir = png_folder / "bad"
    bad_dir.mkdir()
    expected = write_bad_files(bad_dir)
    with Project.open(png_folder) as p:
        p.index()
        rows = {r.relpath: r for r in p.images(p.image_ids())}
    for name, reason in expected.items():
        rel = f"bad/{name}"
        if name == "jpegls.dcm":  # only its pixels need the missing decoder: indexed with its size
            assert (rows[rel].status, rows[rel].width) == ("error", 64), rows[rel]
            assert "needs a decoder plugin" in rows[rel].error
            continue
        assert rows[rel].status == "error", (rel, rows[rel])
        assert reason.lower() in rows[rel].error.lower(), (rel, rows[rel].error)
    good = [r for r in rows.values() if not r.relpath.startswith("bad/")]
    assert len(good) == 5 and all(r.status == "new" and r.width for r in good)
    # reviewing an unreadable file records the review but keeps showing the error
    with Project.open(png_folder) as p:
        rec = p.set_status(rows["bad/truncated.jpg"].id, "rejected", "alice")
        assert (rec.status, rec.review_status) == ("error", "rejected")


def test_truncated_png_and_jpeg_caught_at_header_time(tmp_path):
    import io

    from llmvis_desktop.core.imaging import ImageReadError, read_header

    for fmt, ext in (("JPEG", "jpg"), ("PNG", "png")):
        buf = io.BytesIO()
        Image.effect_noise((64, 64), 40).save(buf, fmt)
        path = tmp_path / f"cut.{ext}"
        path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
        with pytest.raises(ImageReadError, match="cut short"):
            read_header(path)
        (tmp_path / f"whole.{ext}").write_bytes(buf.getvalue() + b"\0" * 100)  # padding is fine
        assert read_header(tmp_path / f"whole.{ext}").width == 64


def test_folder_named_like_an_image_is_walked(png_folder):
    odd = png_folder / "looks_like.png"
    odd.mkdir()
    Image.new("L", (4, 4)).save(odd / "inner.png")
    (png_folder / "1.2.840.10008").write_bytes(b"not dicom")  # UID-style name, no preamble
    names = sorted(e.relpath for b in walk_images(png_folder) for e in b)
    assert "looks_like.png/inner.png" in names and "looks_like.png" not in names
    assert "1.2.840.10008" not in names and len(names) == 6


def test_a_renamed_folder_keeps_its_reviews(tmp_path):
    """Renaming a camera folder left its 30 reviews behind as "missing" rows and brought
    the same images back as new ones: nothing reviewed any more."""
    import os

    from PIL import Image

    from llmvis_desktop.core.project import Project

    root = tmp_path / "line"
    (root / "cam_0").mkdir(parents=True)
    for i in range(3):
        Image.new("L", (4, 4), i * 40).save(root / "cam_0" / f"f{i}.png")
    Image.new("L", (4, 4), 9).save(root / "cam_0" / "copy.png")
    with Project.open(root) as p:
        p.index()
        p.add_label("dent")
        first = p.image_by_path("cam_0/f0.png")
        p.apply_state(first.id, {"labels": ["dent"], "caption": "a dent", "review_status": "reviewed"},
                      "tester", "review")
    os.rename(root / "cam_0", root / "cam_0_renamed")
    # a copy elsewhere with the same name and time is not taken for the moved file
    (root / "other").mkdir()
    Image.new("L", (4, 4), 9).save(root / "other" / "copy.png")
    os.utime(root / "other" / "copy.png", ns=(os.stat(root / "cam_0_renamed" / "copy.png").st_mtime_ns,) * 2)
    with Project.open(root) as p:
        res = p.scan()
        assert (res.moved, res.added, res.missing) == (3, 2, 1)
        moved = p.image(first.id)
        assert moved.relpath == "cam_0_renamed/f0.png" and moved.status == "reviewed"
        assert moved.labels == ("dent",) and moved.caption == "a dent"
        assert [e.action for e in p.history(first.id)][-1] == "move"
        assert p.image_by_path("cam_0/copy.png").status == "missing"  # two candidates: left alone
        assert len(p.image_ids()) == 6


def test_a_rescan_relinks_moves_that_a_killed_scan_left_behind(tmp_path, monkeypatch):
    """A scan killed (or cancelled) after it marked a renamed folder's rows missing and
    before it relinked them left every review on a 'missing' row: the rerun saw nothing
    new and never relinked."""
    import os

    from PIL import Image

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store import repo_moves

    root = tmp_path / "line"
    (root / "cam_0").mkdir(parents=True)
    for i in range(2):
        Image.new("L", (4, 4), i * 40).save(root / "cam_0" / f"f{i}.png")
    with Project.open(root) as p:
        p.index()
        first = p.image_by_path("cam_0/f0.png")
        p.set_caption(first.id, "a dent", "tester")
    os.rename(root / "cam_0", root / "cam_1")
    real = repo_moves.relink_moved
    monkeypatch.setattr(repo_moves, "relink_moved", lambda s: 0)  # the scan that died
    with Project.open(root) as p:
        p.scan()
        assert p.image(first.id).status == "missing"
    monkeypatch.setattr(repo_moves, "relink_moved", real)
    with Project.open(root) as p:
        res = p.scan()
        assert (res.moved, res.added, res.missing) == (2, 0, 0)
        moved = p.image(first.id)
        assert moved.relpath == "cam_1/f0.png" and moved.caption == "a dent"
        assert len(p.image_ids()) == 2
        assert p.scan().moved == 0  # nothing left to relink: no write at all


def test_a_rescan_with_missing_files_and_nothing_to_relink_takes_no_write_lock(tmp_path):
    """Looking for moves opened a write transaction on every rescan of a project with a
    missing file: behind another process's import, the GUI's open and `llmvis suggest`
    (both index first) failed with 'database is locked'."""
    import sqlite3

    from PIL import Image

    from llmvis_desktop.core.project import Project

    root = tmp_path / "line"
    root.mkdir()
    for name in ("a.png", "b.png"):
        Image.new("L", (4, 4)).save(root / name)
    with Project.open(root) as p:
        p.index()
        (root / "b.png").unlink()
        assert p.scan().missing == 1
        other = sqlite3.connect(root / ".llmvis" / "project.sqlite", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE images SET caption = 'x'")
            res = p.scan()
            assert (res.added, res.missing, res.moved) == (0, 0, 0)
        finally:
            other.execute("ROLLBACK")
            other.close()


def test_a_file_renamed_in_case_or_unicode_form_keeps_its_review(tmp_path):
    """img_0001.png renamed IMG_0001.png (and a name rewritten from NFD to NFC) left
    the reviewed row missing, with its caption, and the file back as a new empty row."""
    import unicodedata

    root = tmp_path / "line"
    root.mkdir()
    nfd = unicodedata.normalize("NFD", "défaut.png")
    for i, name in enumerate(("img_0001.png", nfd, "twin_a.png", "Twin_A.png", "other.png")):
        Image.new("L", (4, 4), i * 40).save(root / name)
        os.utime(root / name, ns=(1_700_000_000_000_000_000,) * 2)  # twins: same time
    with Project.open(root) as p:
        p.index()
        ids = {}
        for name in ("img_0001.png", nfd, "twin_a.png"):
            ids[name] = p.image_by_path(name).id
            p.set_caption(ids[name], f"seen {name}", "alice")
            p.set_status(ids[name], "reviewed", "alice")
    os.rename(root / "img_0001.png", root / "IMG_0001.png")
    os.rename(root / nfd, root / unicodedata.normalize("NFC", nfd))
    # two rows could be the one renamed TWIN_A.png: left alone
    os.rename(root / "twin_a.png", root / "TWIN_A.png")
    with Project.open(root) as p:
        res = p.scan()
        assert (res.moved, res.added, res.missing) == (2, 1, 1)
        img = p.image(ids["img_0001.png"])
        assert img.relpath == "IMG_0001.png" and img.status == "reviewed"
        assert img.caption == "seen img_0001.png"
        assert [e.action for e in p.history(img.id)][-1] == "move"
        accented = p.image(ids[nfd])
        assert accented.relpath == unicodedata.normalize("NFC", nfd) and accented.status == "reviewed"
        assert p.image(ids["twin_a.png"]).status == "missing"
        assert p.image_by_path("TWIN_A.png").status == "new"
        assert len(p.image_ids()) == 6
