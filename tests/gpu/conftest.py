"""GPU checks: run on a machine with CUDA (``python -m pytest -q tests/gpu``).

They are not in the default test run (``testpaths``): CI has no GPU. Each test here
needs CUDA and is skipped where there is none.
"""
import os
import sys
from pathlib import Path

import pytest

CORE_TESTS = Path(__file__).resolve().parents[1] / "core"
if str(CORE_TESTS) not in sys.path:
    sys.path.insert(0, str(CORE_TESTS))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("llmvis_dirs")
    for kind in ("CONFIG", "DATA", "CACHE", "LOG"):
        monkeypatch.setenv(f"LLMVIS_{kind}_DIR", str(base / kind.lower()))
    yield
