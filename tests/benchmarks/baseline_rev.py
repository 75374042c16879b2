"""An older revision's code beside the working tree's, for the benchmarks' ``--baseline REV``:
:func:`import_baseline` extracts ``llmvis_desktop`` as of a git revision (``git archive``)
and makes it importable as ``llmvis_baseline`` (its imports are relative), in this process
and in any helper process it starts (they take the parent's ``sys.path``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def import_baseline(rev: str, into: Path) -> None:
    """``llmvis_desktop`` of ``rev`` under ``into``, importable as ``llmvis_baseline``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "llmvis_desktop"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "llmvis_desktop").rename(into / "llmvis_baseline")
    sys.path.insert(0, str(into))
