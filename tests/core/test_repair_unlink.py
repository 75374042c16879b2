"""Undo of an accepted repair: unlink (event, hidden from counts and filters), files kept
unless asked, and then only the repair's own files deleted."""
import numpy as np
import pytest
from PIL import Image

import cv2  # noqa: E402,F401 - a runtime dependency

from llmvis_desktop.core.project import Project  # noqa: E402
from llmvis_desktop.core.repair import apply as apply_mod  # noqa: E402
from llmvis_desktop.core.store.records import ImageFilter  # noqa: E402
from llmvis_desktop.core.store.repo_repairs import RepairStateError  # noqa: E402
from llmvis_desktop.core.store.repo_review import NotFound  # noqa: E402


def _mask():
    m = np.zeros((40, 40), bool)
    m[5:15, 5:25] = True
    return m


@pytest.fixture
def project(tmp_path, db_url):
    """On SQLite and on PostgreSQL (conftest.db_url)."""
    root = tmp_path / "proj"
    root.mkdir()
    rng = np.random.default_rng(4)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3)).astype(np.uint8)).save(root / name)
    with Project.open(root, db_url) as p:
        p.index()
        yield p


def _repair(p, name):
    return apply_mod.repair_file(p.root / name, _mask(), method="telea", project=p, actor="tester")


def test_unlink_keeps_file_writes_event_and_hides_repair(project):
    p = project
    src = p.image_by_path("a.png")
    res = _repair(p, "a.png")
    assert p.info()["repairs"] == 1 and p.image(src.id).has_repair
    assert p.count(ImageFilter(has_repair=True)) == 1

    rec = p.unlink_repair(res.repair_id, "tester")
    assert rec.id == res.repair_id
    assert p.repairs(src.id) == []
    assert p.info()["repairs"] == 0
    assert not p.image(src.id).has_repair
    assert p.count(ImageFilter(has_repair=True)) == 0
    assert p.count(ImageFilter(has_repair=False)) == p.count()
    ev = [e for e in p.history(src.id) if e.action == "unrepair"]
    assert len(ev) == 1 and ev[0].actor == "tester"
    # history is append-only: the repair event is still there
    assert any(e.action == "repair" for e in p.history(src.id))
    assert res.output_path.is_file() and res.mask_path.is_file()
    assert (p.root / "a.png").is_file()
    with pytest.raises(RepairStateError):
        p.unlink_repair(res.repair_id, "tester")
    with pytest.raises(NotFound):
        p.unlink_repair(9999, "tester")


def test_unlink_with_delete_removes_only_own_files(project):
    p = project
    r1 = _repair(p, "a.png")
    r2 = _repair(p, "b.png")
    r3 = _repair(p, "a.png")  # a second repair of the same source
    assert r3.output_path != r1.output_path
    p.unlink_repair(r1.repair_id, "tester", delete_file=True)
    assert not r1.output_path.exists() and not r1.mask_path.exists()
    for keep in (p.root / "a.png", p.root / "b.png", r2.output_path, r2.mask_path, r3.output_path, r3.mask_path):
        assert keep.is_file(), keep
    src = p.image_by_path("a.png")
    assert [r.id for r in p.repairs(src.id)] == [r3.repair_id]
    assert p.image(src.id).has_repair and p.info()["repairs"] == 2
    ev = [e for e in p.history(src.id) if e.action == "unrepair"][-1]
    assert ev.after["file_deleted"] is True and len(ev.after["deleted"]) == 2
    # the output image row is missing at once (the grid showed it as a plain image until a rescan)
    assert p.image_by_path("repaired/a.repaired.png").status == "missing"
    p.scan()
    assert p.image_by_path("repaired/a.repaired.png").status == "missing"
    assert p.image_by_path("repaired/a.repaired-2.png").status != "missing"


def test_delete_never_touches_a_repair_source(project):
    """A repair whose output path points at another repair's source: the file is protected."""
    p = project
    r1 = _repair(p, "a.png")
    from llmvis_desktop.core.store import models as m

    with p.store.write() as s:
        s.get(m.Repair, r1.repair_id).output_path = "b.png"
    _repair(p, "b.png")
    p.unlink_repair(r1.repair_id, "tester", delete_file=True)
    assert (p.root / "b.png").is_file()
    assert not r1.mask_path.exists()


def test_failed_unlink_deletes_nothing(project, monkeypatch):
    p = project
    r1 = _repair(p, "a.png")
    from llmvis_desktop.core.store import repo_repairs

    real = repo_repairs.add_event

    def boom(*a, **k):
        real(*a, **k)
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(repo_repairs, "add_event", boom)
    with pytest.raises(RuntimeError):
        p.unlink_repair(r1.repair_id, "tester", delete_file=True)
    assert r1.output_path.is_file() and r1.mask_path.is_file()
    assert p.info()["repairs"] == 1
    monkeypatch.setattr(repo_repairs, "add_event", real)
    p.unlink_repair(r1.repair_id, "tester", delete_file=False)
    assert r1.output_path.is_file()


def _state(p, repair_id):
    from llmvis_desktop.core.store import models as m

    with p.store.read() as s:
        row = s.get(m.Repair, repair_id)
        return row.unlinked_at, row.unlinked_by


def test_relink_after_unlink_appends_event_and_counts_again(project):
    p = project
    src = p.image_by_path("a.png")
    res = _repair(p, "a.png")
    p.unlink_repair(res.repair_id, "tester")
    assert _state(p, res.repair_id)[0] is not None
    before = [(e.action, e.before, e.after) for e in p.history(src.id)]

    rec = p.relink_repair(res.repair_id, "redoer")
    assert rec.id == res.repair_id
    assert _state(p, res.repair_id) == (None, None)
    assert [r.id for r in p.repairs(src.id)] == [res.repair_id]
    assert p.info()["repairs"] == 1 and p.image(src.id).has_repair
    assert p.count(ImageFilter(has_repair=True)) == 1
    hist = p.history(src.id)
    # append-only: every earlier event is unchanged, one rerepair event is added
    assert [(e.action, e.before, e.after) for e in hist if e.action != "rerepair"] == before
    ev = [e for e in hist if e.action == "rerepair"]
    assert len(ev) == 1 and ev[0].actor == "redoer"
    assert ev[0].before["repair_id"] == res.repair_id and ev[0].before["unlinked_by"] == "tester"
    assert ev[0].after == {"repair_id": res.repair_id, "output": rec.output_path}
    assert sorted(e.action for e in hist) == ["repair", "rerepair", "unrepair"]

    with pytest.raises(RepairStateError):
        p.relink_repair(res.repair_id, "tester")  # already linked
    # undo/redo again: two more events, the state follows
    p.unlink_repair(res.repair_id, "tester")
    p.relink_repair(res.repair_id, "tester")
    assert [e.action for e in p.history(src.id)].count("rerepair") == 2
    assert [e.action for e in p.history(src.id)].count("unrepair") == 2
    assert p.info()["repairs"] == 1
    with pytest.raises(NotFound):
        p.relink_repair(9999, "tester")


def test_relink_refused_when_file_deleted(project):
    p = project
    src = p.image_by_path("a.png")
    res = _repair(p, "a.png")
    p.unlink_repair(res.repair_id, "tester", delete_file=True)
    n = len(p.history(src.id))
    with pytest.raises(RepairStateError):
        p.relink_repair(res.repair_id, "tester")
    assert p.repairs(src.id) == [] and p.info()["repairs"] == 0
    assert len(p.history(src.id)) == n and _state(p, res.repair_id)[1] == "tester"


def test_undo_with_delete_of_a_rerepaired_file_keeps_it_and_says_so(project):
    """The file stays (another repair was made from it), so the image must not be marked
    missing (it stayed missing for good), and the event must not say file_deleted."""
    p = project
    src = p.image_by_path("a.png")
    r1 = _repair(p, "a.png")
    r2 = apply_mod.repair_file(r1.output_path, _mask(), method="telea", project=p, actor="tester")
    p.unlink_repair(r1.repair_id, "tester", delete_file=True)
    assert r1.output_path.is_file() and r2.output_path.is_file()
    out_img = p.image_by_path("repaired/a.repaired.png")
    assert out_img.status != "missing"
    ev = [e for e in p.history(src.id) if e.action == "unrepair"][-1]
    assert ev.after["file_deleted"] is False and str(r1.output_path) not in ev.after["deleted"]
    assert "kept" in ev.after["kept"]
    assert not r1.mask_path.exists()  # its own mask went, as asked
    # a plain undo-with-delete still deletes and marks missing
    p.unlink_repair(r2.repair_id, "tester", delete_file=True)
    assert not r2.output_path.exists()
    assert p.image_by_path("repaired/a.repaired-2.png").status == "missing"
    ev = [e for e in p.history(out_img.id) if e.action == "unrepair"][-1]
    assert ev.after["file_deleted"] is True and "kept" not in ev.after


def test_export_leaves_undone_repairs_unlinked_and_deleted_files_out(project):
    """Exports still named undone repairs' outputs derived_from their source, and listed
    the files deleted on undo."""
    import csv

    from llmvis_desktop.core.interchange import ExportOptions, export_project

    p = project
    kept = _repair(p, "a.png")
    undone_keep = _repair(p, "b.png")
    undone_del = _repair(p, "a.png")
    p.unlink_repair(undone_keep.repair_id, "tester", delete_file=False)
    p.unlink_repair(undone_del.repair_id, "tester", delete_file=True)
    for fmt in ("csv", "coco"):
        out = p.root.parent / f"out.{fmt}"
        rep = export_project(p, fmt, out, ExportOptions(include_repairs=True, anonymize=False))
        gone = undone_del.output_path.relative_to(p.root).as_posix()
        assert any(gone in w and "missing" in w for w in rep.warnings), rep.warnings
        if fmt == "csv":
            rows = {r["file_name"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
            assert rows[kept.output_path.relative_to(p.root).as_posix()]["derived_from"] == "a.png"
            assert rows[undone_keep.output_path.relative_to(p.root).as_posix()]["derived_from"] == ""
            assert gone not in rows
