"""A repair save into a project killed after its files were in place and before its record
was committed left ``repaired/a.repaired.png`` that the next index listed as an ordinary
new image with no provenance (exports took the GAN output for a photo). Now the output is
marked unrecorded until its record is committed: no scan indexes it meanwhile, and the
next scan after a kill takes the save back, or (killed after the commit) links it."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import llmvis_desktop
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import models as m

REPO = Path(llmvis_desktop.__file__).resolve().parent.parent

# where the child dies (os._exit: as a kill -9 there, no finally runs)
KILLS = {
    # the output and its mask in place, nothing recorded yet
    "placed": "apply.record_repair = lambda *a, **k: os._exit(137)",
    # the output's folder indexed (its row made), the repair record not yet added
    "indexed": "Project.add_repair = lambda *a, **k: os._exit(137)",
    # the record committed, the marker not yet removed
    "committed": textwrap.dedent("""\
        real_drop = apply.drop
        apply.drop = lambda marker: os._exit(137) if marker is not None else None"""),
}


def _project(tmp_path) -> Path:
    root = tmp_path / "proj"
    (root / "cam").mkdir(parents=True)
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(root / "cam" / "a.png")
    mask = np.zeros((40, 48), np.uint8)
    mask[10:20, 10:25] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    with Project.open(root) as p:
        p.index()
    return root


def _killed(root: Path, mask: Path, step: str) -> None:
    code = "\n".join([
        "import os",
        "from llmvis_desktop.core.project import Project",
        "from llmvis_desktop.core.repair import apply",
        KILLS[step],
        f"p = Project.open({str(root)!r})",
        f"apply.repair_file({str(root / 'cam' / 'a.png')!r}, {str(mask)!r}, method='telea', project=p)",
    ])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 137, proc.stderr


def _rows(p) -> dict:
    with p.store.read() as s:
        return {rel: (i, st) for i, rel, st in s.execute(
            m.Image.__table__.select().with_only_columns(m.Image.id, m.Image.relpath, m.Image.status))}


def _markers(folder: Path) -> list[str]:
    return sorted(x.name for x in folder.glob(".*.repairing")) if folder.is_dir() else []


@pytest.mark.parametrize("step", ["placed", "indexed"])
def test_a_save_killed_before_its_record_is_taken_back_not_indexed(tmp_path, step):
    root = _project(tmp_path)
    out_dir = root / "cam" / "repaired"
    _killed(root, tmp_path / "mask.png", step)
    assert (out_dir / "a.repaired.png").is_file()  # what the kill left
    with Project.open(root) as p:
        p.index()
        rows = _rows(p)
        assert "cam/repaired/a.repaired.png" not in rows, rows  # never an ordinary image
        assert p.repairs(rows["cam/a.png"][0]) == []
    assert not (out_dir / "a.repaired.png").exists()
    assert not (out_dir / ".masks" / "a.repaired.mask.png").exists()
    assert _markers(out_dir) == []
    with Project.open(root) as p:  # a repair now takes the free name again
        from llmvis_desktop.core.repair import apply

        res = apply.repair_file(root / "cam" / "a.png", tmp_path / "mask.png", method="telea", project=p)
        assert res.output_path.name == "a.repaired.png"
        assert res.output_image_id == p.image_by_path("cam/repaired/a.repaired.png").id
    assert _markers(out_dir) == []


def test_a_save_killed_after_its_record_is_linked(tmp_path):
    root = _project(tmp_path)
    out_dir = root / "cam" / "repaired"
    _killed(root, tmp_path / "mask.png", "committed")
    assert _markers(out_dir)
    with Project.open(root) as p:
        p.index()
        rows = _rows(p)
        out_id, status = rows["cam/repaired/a.repaired.png"]
        assert status != m.STATUS_MISSING
        [rep] = p.repairs(rows["cam/a.png"][0])
        assert rep.output_image_id == out_id
    assert (out_dir / "a.repaired.png").is_file()
    assert _markers(out_dir) == []


def test_a_scan_meanwhile_leaves_a_save_in_progress_out(tmp_path):
    """Another scan (another window, ``llmvis index``) while a save is between its files and
    its record: the output is not listed, and the save's marker is left to it."""
    from llmvis_desktop.core.repair import pending

    root = _project(tmp_path)
    out = root / "cam" / "repaired" / "a.repaired.png"
    out.parent.mkdir()
    Image.new("RGB", (48, 40)).save(out)
    marker = pending.write_marker(out, out.parent / ".masks" / "a.repaired.mask.png", [], True)  # this process: alive
    with Project.open(root) as p:
        p.index()
        assert "cam/repaired/a.repaired.png" not in _rows(p)
        with pending.admitting(out):  # the save's own scan lists it
            p.scan_folder("cam/repaired")
        assert "cam/repaired/a.repaired.png" in _rows(p)
    assert marker.exists() and out.exists()
