"""GPU checks: run on a machine with CUDA (``python -m pytest -q tests/gpu``).

They are not in the default test run (``testpaths``): CI has no GPU. Each test here
needs CUDA and is skipped where there is none.
"""
import importlib.util
import os
import sys
from pathlib import Path

CORE_TESTS = Path(__file__).resolve().parents[1] / "core"
if str(CORE_TESTS) not in sys.path:
    sys.path.insert(0, str(CORE_TESTS))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _core_conftest():
    """tests/core/conftest.py under its own name, for its per-test directory isolation."""
    spec = importlib.util.spec_from_file_location("llmvis_core_conftest", CORE_TESTS / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_isolated_dirs = _core_conftest()._isolated_dirs  # autouse: config/data/cache dirs per test
