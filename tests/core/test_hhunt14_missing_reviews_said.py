"""A re-index after reviewed files were deleted says how many of the vanished files held a
review (kept, their status "missing"): the window's counts line dropped "reviewed" by
them and the summary said only "N missing", as if the reviews were lost."""
from __future__ import annotations

import json

import numpy as np
from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project


def _folder(root, n=300):
    rng = np.random.default_rng(3)
    for i in range(n):
        sub = root / ("a" if i % 2 else "b")
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).save(sub / f"img_{i}.png")
    return root


def test_index_counts_the_reviewed_files_that_vanished(tmp_path):
    root = _folder(tmp_path / "imgs")
    with Project.open(root) as p:
        p.index()
        ids = {r.relpath: r.id for r in p.images(p.image_ids())}
        for i in range(0, 40):
            p.set_status(ids[f"b/img_{2 * i}.png"], "reviewed" if i % 4 else "rejected", "tester")
        for i in range(20, 120):  # 20 of the decided ones and 80 never looked at
            (root / f"b/img_{2 * i}.png").unlink()
        result = p.index()
    assert result.missing == 100
    assert result.missing_decided == 20
    from llmvis_desktop.qt.project_texts import scan_summary

    assert "100 missing (20 of them reviewed or rejected: kept, under Missing)" in scan_summary(result)


def test_cli_index_says_the_decided_missing(tmp_path, capsys):
    root = _folder(tmp_path / "imgs", 60)
    assert main(["index", str(root), "-q"]) == 0
    with Project.open(root) as p:
        ids = {r.relpath: r.id for r in p.images(p.image_ids())}
        p.set_status(ids["a/img_1.png"], "reviewed", "tester")
        p.set_status(ids["a/img_3.png"], "rejected", "tester")
    for name in ("a/img_1.png", "a/img_3.png", "a/img_5.png"):
        (root / name).unlink()
    capsys.readouterr()
    assert main(["index", str(root), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["missing"] == 3 and said["missing_decided"] == 2
    assert main(["index", str(root)]) == 0  # nothing new vanished: nothing said
    assert "reviewed or rejected" not in capsys.readouterr().out
