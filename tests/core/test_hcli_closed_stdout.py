"""`llmvis index X >&-` (stdout closed, as a daemon or a cron line may start it): the
index ran, then the summary's print met Python's None stdout, and the command ended with
a traceback ("'NoneType' object has no attribute 'flush'") and exit 1, a done job reported
as failed. A closed stream now takes what is written as the null device does."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import tiny_models


def _run_closed(args, closed: str, tmp_path) -> subprocess.CompletedProcess:
    import llmvis_desktop

    env = dict(os.environ, PYTHONPATH=str(Path(llmvis_desktop.__file__).parent.parent),
               LLMVIS_CONFIG_DIR=str(tmp_path / "cfg"), LLMVIS_DATA_DIR=str(tmp_path / "data"),
               LLMVIS_CACHE_DIR=str(tmp_path / "cache"), LLMVIS_LOG_DIR=str(tmp_path / "log"))
    line = " ".join(f"'{a}'" for a in [sys.executable, "-m", "llmvis_desktop.cli", *args])
    return subprocess.run(["sh", "-c", f"exec {line} {closed}"], env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_command_with_stdout_closed_does_its_work_and_exits_0(tmp_path):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    done = _run_closed(["index", str(folder)], ">&-", tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    shown = _run_closed(["info", str(folder), "--json"], "", tmp_path)  # the index was done and kept
    assert json.loads(shown.stdout)["images"] == 2


def test_a_failure_with_stderr_closed_still_exits_1(tmp_path):
    done = _run_closed(["info", str(tmp_path / "nope")], "2>&-", tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
