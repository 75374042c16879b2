"""Importing the package makes torch's idle OpenMP threads sleep, not spin (set before
torch loads; a user's own OMP_WAIT_POLICY is kept): spinning, the learned suggester's
network fit on a busy 2-core machine took 1.7-2.0 s per step instead of 0.08-0.11 s."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ("import llmvis_desktop.core.suggest.cnn, os, sys; "
        "print(os.environ.get('OMP_WAIT_POLICY'), 'torch' in sys.modules)")


def _run(extra: dict) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env.update(extra, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True,
                          check=True).stdout.split()


def test_package_import_sets_passive_wait_before_torch():
    assert _run({}) == ["PASSIVE", "False"]  # set, and torch not loaded by the import


def test_a_users_setting_is_kept():
    assert _run({"OMP_WAIT_POLICY": "ACTIVE"}) == ["ACTIVE", "False"]
