"""The GUI process leaves one core to the GUI thread: torch, imported later for a
suggestion or repair job, runs on all cores but one unless the user said otherwise."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """
import os
from llmvis_desktop.qt.app import create_app
app = create_app(["t"])
import torch
print(os.environ.get("OMP_NUM_THREADS"), torch.get_num_threads())
"""


def _run(env_extra: dict) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env.update({"QT_QPA_PLATFORM": "offscreen"}, **env_extra)
    out = subprocess.run([sys.executable, "-c", SNIPPET], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def test_torch_gets_all_cores_but_one():
    want = max(1, (os.cpu_count() or 2) - 1)
    assert _run({}) == [str(want), str(want)]


def test_a_thread_count_the_user_set_is_kept():
    assert _run({"OMP_NUM_THREADS": "1"}) == ["1", "1"]
