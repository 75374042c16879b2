"""A saved repair indexes its own output folder, not the whole project: the save walked
every folder of the project again (a long rescan in a 100k-image folder after every
repair). What it indexes is what a rescan would give for that file."""
import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair import apply as apply_mod
from llmvis_desktop.core.store import models as m


def _state(p):
    with p.store.read() as s:
        rows = sorted(s.execute(
            m.Image.__table__.select().with_only_columns(
                m.Image.relpath, m.Image.size, m.Image.mtime_ns, m.Image.status)).all())
        folders = sorted(s.execute(m.Folder.__table__.select().with_only_columns(
            m.Folder.relpath, m.Folder.files, m.Folder.digest)).all())
    return rows, folders


def _folder(tmp_path):
    root = tmp_path / "proj"
    (root / "cam1").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in ("cam1/a.png", "cam1/b.png", "c.png"):
        Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(root / name)
    mask = np.zeros((40, 48), bool)
    mask[10:20, 10:20] = True
    return root, mask


def test_a_repair_lists_only_its_own_folder(tmp_path, monkeypatch):
    from llmvis_desktop.core.imaging import scan as scan_mod

    root, mask = _folder(tmp_path)
    with Project.open(root) as p:
        p.index()
        # a file dropped elsewhere meanwhile: the next index finds it, not the repair's save
        Image.new("RGB", (8, 8)).save(root / "cam1" / "late.png")
        listed = []
        walk = scan_mod.walk_folders

        def spy(*a, **kw):
            for folder in walk(*a, **kw):
                listed.append(folder.relpath)
                yield folder

        monkeypatch.setattr("llmvis_desktop.core.index_listing.walk_folders", spy)
        res = apply_mod.repair_file(root / "cam1" / "a.png", mask, method="telea", project=p, actor="ann")
        assert listed == ["cam1/repaired"]
        assert p.image_by_path("cam1/late.png") is None  # (a whole rescan indexed it)
        out = p.image_by_path("cam1/repaired/a.repaired.png")
        assert out is not None and res.output_image_id == out.id
        [rep] = p.repairs(p.image_by_path("cam1/a.png").id)
        assert rep.output_image_id == out.id


def test_what_a_repair_indexes_is_what_a_rescan_gives(tmp_path, db_url):
    root, mask = _folder(tmp_path)
    with Project.open(root, db_url) as p:
        p.index()
        apply_mod.repair_file(root / "cam1" / "a.png", mask, method="telea", project=p)
        # a repair of the repair: beside it, into a folder that now has rows and a digest
        apply_mod.repair_file(root / "cam1" / "repaired" / "a.repaired.png", mask, method="telea", project=p)
        # and one of the root's image, into a folder new to the index
        apply_mod.repair_file(root / "c.png", mask, method="telea", project=p)
        after_repairs = _state(p)
        again = p.scan()
        assert (again.added, again.changed, again.missing, again.moved) == (0, 0, 0, 0)
        assert _state(p) == after_repairs
        rels = [r[0] for r in after_repairs[0]]
        assert {"cam1/repaired/a.repaired.png", "cam1/repaired/a.repaired-2.png", "repaired/c.repaired.png"} <= set(rels)
    # the same files indexed from scratch by a new project: the same rows and folder digests
    fresh = tmp_path / "fresh.sqlite"
    with Project.open(root, f"sqlite:///{fresh}") as q:
        q.scan()
        assert _state(q) == after_repairs


def test_an_overwritten_repair_output_is_marked_changed_as_a_rescan_marks_it(tmp_path):
    root, mask = _folder(tmp_path)
    with Project.open(root) as p:
        p.index()
        first = apply_mod.repair_file(root / "c.png", mask, method="telea", project=p)
        p.read_headers()
        mask2 = np.zeros_like(mask)
        mask2[25:35, 30:40] = True
        apply_mod.repair_file(root / "c.png", mask2, method="ns", project=p, out=first.output_path, overwrite=True)
        row = p.image_by_path("repaired/c.repaired.png")
        st = first.output_path.stat()
        assert (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns)
        again = p.scan()
        assert (again.added, again.changed) == (0, 0)


def test_a_repair_into_a_hidden_folder_is_not_indexed_as_a_rescan_would_not(tmp_path):
    root, mask = _folder(tmp_path)
    with Project.open(root) as p:
        p.index()
        res = apply_mod.repair_file(root / "c.png", mask, method="telea", project=p, out_dir=".fixed")
        assert res.output_path.parent.name == ".fixed" and res.output_image_id is None
        assert p.image_by_path(".fixed/c.repaired.png") is None
        before = _state(p)
        again = p.scan()
        assert again.added == 0 and _state(p) == before


def test_scan_folder_leaves_out_a_folder_the_walk_would_not_enter(tmp_path):
    import os

    root, _ = _folder(tmp_path)
    bad = os.fsdecode(b"bad\xff")
    (root / bad).mkdir()
    Image.new("RGB", (8, 8)).save(root / bad / "x.png")
    with Project.open(root) as p:
        p.index()
        got = p.scan_folder(bad)
        assert got.added == 0 and p.count() == 3
