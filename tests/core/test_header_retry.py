"""Header failures that can go away with the file unchanged are tried again; exports
never write an unknown size."""
import json
import os
import shutil

from PIL import Image

from llmvis_desktop.core.imaging import reader
from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.project import Project


def _rows(p):
    return {r.relpath: r for r in p.images(p.image_ids())}


def test_a_file_unreadable_for_a_while_is_read_once_it_can_be(tmp_path, monkeypatch):
    Image.new("RGB", (8, 6)).save(tmp_path / "a.png")
    Image.new("RGB", (8, 6)).save(tmp_path / "b.png")
    real = reader._open_file

    def denied(path):
        if str(path).endswith("a.png"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    with Project.open(tmp_path) as p:
        monkeypatch.setattr(reader, "_open_file", denied)
        p.index()
        a = _rows(p)["a.png"]
        assert (a.status, a.error) == ("error", "permission denied")
        monkeypatch.setattr(reader, "_open_file", real)  # chmod 644: the folder's digest is the same
        p.index()
        a = _rows(p)["a.png"]
        assert (a.status, a.error, a.width, a.height) == ("new", None, 8, 6)
        assert p.info()["headers_pending"] == 0


def test_a_damaged_file_is_not_read_again_and_again(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with Project.open(tmp_path) as p:
        p.index()
        assert _rows(p)["bad.png"].status == "error"
        assert p.read_headers() == 0 and p.info()["headers_pending"] == 0


def test_a_file_gone_during_its_header_read_and_back_is_read_again(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    Image.new("RGB", (8, 6)).save(root / "a.png")
    # another image that stays: a listing with no image at all is refused (an unmounted share)
    Image.new("RGB", (4, 4)).save(root / "stays.png")
    shutil.copy2(root / "a.png", tmp_path / "keep.png")
    with Project.open(root) as p:
        p.scan()
        os.unlink(root / "a.png")  # between the listing and the header read
        p.read_headers()
        p.scan()
        assert _rows(p)["a.png"].status == "missing"
        shutil.copy2(tmp_path / "keep.png", root / "a.png")  # back, unchanged
        p.index()
        a = _rows(p)["a.png"]
        assert (a.status, a.error, a.width, a.height) == ("new", None, 8, 6)


def test_a_missing_damaged_file_coming_back_is_still_an_error(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    # another image that stays: a listing with no image at all is refused (an unmounted share)
    Image.new("RGB", (4, 4)).save(tmp_path / "stays.png")
    with Project.open(tmp_path) as p:
        p.index()
        os.rename(tmp_path / "bad.png", tmp_path / "away")
        p.index()
        os.rename(tmp_path / "away", tmp_path / "bad.png")
        p.scan()
        assert _rows(p)["bad.png"].status == "error"  # not shown as a good new image
        p.read_headers()
        bad = _rows(p)["bad.png"]
        assert bad.status == "error" and bad.error


def test_coco_never_writes_an_unknown_size(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    Image.new("RGB", (8, 6)).save(root / "a.png")
    (root / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with Project.open(root) as p:
        p.scan()  # headers not read yet
        out = tmp_path / "out.json"
        report = export_project(p, "coco", out, ExportOptions(anonymize=False))
    images = json.loads(out.read_text("utf-8"))["images"]
    assert [(i["file_name"], i["width"], i["height"]) for i in images] == [("a.png", 8, 6)]
    assert any("bad.png" in w and "size unknown" in w for w in report.warnings)


def test_a_database_from_before_the_retry_reads_its_transient_errors_again(tmp_path):
    """Migration 0005: rows an older version left as final "permission denied" (or a
    file missing for a moment) errors get their header pending again; a damaged file's
    verdict stays."""
    import sqlite3

    Image.new("RGB", (8, 6)).save(tmp_path / "a.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with Project.open(tmp_path) as p:
        p.index()
    db = tmp_path / ".llmvis" / "project.sqlite"
    con = sqlite3.connect(db)
    with con:  # what 0004 left for a file read while it was unreadable
        con.execute("UPDATE images SET status='error', error='permission denied', header_done=1, width=NULL "
                    "WHERE relpath='a.png'")
        con.execute("UPDATE alembic_version SET version_num='0004'")
        con.execute("DROP TABLE suggest_runs")  # made by 0009, after 0004: a database from then has none
    con.close()
    with Project.open(tmp_path) as p:
        assert p.info()["headers_pending"] == 1
        p.index()
        rows = _rows(p)
        assert (rows["a.png"].status, rows["a.png"].width) == ("new", 8)
        assert rows["bad.png"].status == "error"


def test_an_image_over_the_pixel_limit_is_not_left_pending_until_the_limit_changes(tmp_path):
    """A 50000 x 50000 PNG header stayed "headers pending" for good (`llmvis info`), and
    every index read it again: too large is the file's state under this limit, recorded
    as done; a different limit reads it again."""
    from imagegen import bomb_png_bytes

    (tmp_path / "huge.png").write_bytes(bomb_png_bytes(50000, 50000))
    Image.new("RGB", (8, 6)).save(tmp_path / "ok.png")
    with Project.open(tmp_path) as p:
        p.index()
        huge = _rows(p)["huge.png"]
        assert huge.status == "error" and huge.error.startswith("image too large")
        assert p.info()["headers_pending"] == 0
        assert p.read_headers() == 0  # not read again
    with Project.open(tmp_path, max_pixels=3_000_000_000) as p:  # a line-scan user raises the limit
        assert p.read_headers() == 1
        huge = _rows(p)["huge.png"]
        assert (huge.status, huge.error, huge.width, huge.height) == ("new", None, 50000, 50000)
        assert p.read_headers() == 0
