"""README documents the shape of ``llmvis evaluate --json``: every top-level key of the
report, and those of its ``labels`` object, are named in the command's row (it named
two, ``labels.left_out`` and ``calibration_by_model``: a script had to read the source)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.evaluate import evaluate

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_names_every_key_of_the_json_report(tmp_path):
    (tmp_path / "e").mkdir()
    with Project.open(tmp_path / "e") as p:
        report = json.loads(json.dumps(evaluate(p)))
    [row] = [line for line in README.read_text(encoding="utf-8").splitlines()
             if line.startswith("| `llmvis evaluate FOLDER")]
    named = set(re.findall(r"`([a-z0-9_.]+)`", row))
    missing = sorted(k for k in report if k not in named)
    assert not missing, f"README's evaluate row does not name {missing}"
    missing = sorted(k for k in report["labels"] if k not in named and f"labels.{k}" not in named)
    assert not missing, f"README's evaluate row does not name labels.{missing}"
