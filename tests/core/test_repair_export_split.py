"""A repaired image and the image it was repaired from are one picture outside the
mask: an export's train/val/test split put each in a split of its own (decided per
file name), so a validation image had its repaired twin in the training set."""
import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair.apply import repair_file


def _splits(out, fmt):
    """file name -> split, as the export wrote them."""
    where = {}
    if fmt == "jsonl":
        for meta in out.glob("*/metadata.jsonl"):
            for line in meta.read_text(encoding="utf-8").splitlines():
                where[json.loads(line)["file_name"]] = meta.parent.name
    else:  # yolo classification: SPLIT/LABEL/NAME
        for f in out.glob("*/*/**/*.png"):
            rel = f.relative_to(out)
            where[rel.relative_to(*rel.parts[:2]).as_posix()] = rel.parts[0]
    return where


@pytest.mark.parametrize("fmt", ["jsonl", "yolo"])
def test_a_repair_lands_in_its_sources_split(tmp_path, fmt):
    root = tmp_path / "lot"
    root.mkdir()
    rng = np.random.default_rng(0)
    names = [f"part{i:02d}.png" for i in range(12)]
    for n in names:
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(root / n)
    mask = np.zeros((24, 32), bool)
    mask[8:14, 10:20] = True
    with Project.open(root) as p:
        p.index()
        p.add_label("scratch")
        outs = {}
        for n in names:
            res = repair_file(root / n, mask, method="telea", project=p, actor="tester")
            outs[res.output_path.relative_to(root).as_posix()] = n
        # a repair of a repair follows the first source; an undone repair's kept file is
        # the same picture too
        again = repair_file(root / "repaired" / "part00.repaired.png", mask, method="telea", project=p,
                            actor="tester")
        outs[again.output_path.relative_to(root).as_posix()] = "part00.png"
        undone = [r for r in p.repairs(p.image_by_path("part01.png").id)][0]
        p.unlink_repair(undone.id, "tester", delete_file=False)
        if fmt == "yolo":  # its folders hold labelled images only
            p.scan()
            for rel in [*names, *outs]:
                p.set_labels(p.image_by_path(rel).id, ["scratch"], actor="tester")
        out = tmp_path / "out"
        export_project(p, fmt, out, ExportOptions(split=(0.5, 0.5, 0.0), seed=3, include_repairs=True))
    where = _splits(out, fmt)
    assert set(names) <= set(where), where
    apart = {o: (where[o], s, where[s]) for o, s in outs.items() if where[o] != where[s]}
    assert len(outs) == 13 and all(o in where for o in outs)
    assert not apart, apart


def test_include_repairs_says_which_repairs_it_could_not_export(tmp_path):
    """--include-repairs left out, without a word, every repair saved outside the project
    folder (``repair apply --out elsewhere/``): 8 of 16 recorded repairs in the hunt's
    project, the summary saying nothing."""
    root = tmp_path / "lot"
    root.mkdir()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(root / "a.png")
    mask = np.zeros((24, 32), bool)
    mask[8:14, 10:20] = True
    with Project.open(root) as p:
        p.index()
        away = repair_file(root / "a.png", mask, method="telea", project=p, actor="t", out=str(tmp_path / "away") + "/")
        repair_file(root / "a.png", mask, method="telea", project=p, actor="t")  # inside: exported
        rep = export_project(p, "csv", tmp_path / "out.csv", ExportOptions(include_repairs=True))
        plain = export_project(p, "csv", tmp_path / "out2.csv", ExportOptions())
    said = [w for w in rep.warnings if str(away.output_path) in w]
    assert len(said) == 1 and "1 repair" in said[0] and "outside the project" in said[0], rep.warnings
    assert not any("outside the project" in w for w in plain.warnings)  # (not asked for)
