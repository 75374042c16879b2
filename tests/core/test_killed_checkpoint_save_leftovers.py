"""A repair checkpoint save killed between writing its weights and renaming them (a
training run killed as it saved) left ``.repair.safetensors.XXXX.tmp`` beside it for
ever, as large as the checkpoint: a random name (mkstemp) with no owner to tell a
killed writer's file from a live one's. The next save of the same checkpoint removes
what a gone writer left, never a live one's."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")

KILLED_SAVE = r"""
import os, signal, sys
import torch
from llmvis_desktop.core.repair import checkpoint
real = os.replace
calls = []
def replace(src, dst):
    calls.append(src)
    if len(calls) == 1:  # the second save's weights are written: killed before their rename
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
state = {"w": torch.zeros(64, 64)}
checkpoint.save_checkpoint(sys.argv[1], {"c": 1}, state, step=1)
checkpoint.os.replace = replace
checkpoint.save_checkpoint(sys.argv[1], {"c": 1}, {"w": torch.ones(64, 64)}, step=2)
"""


def test_a_killed_checkpoint_save_s_file_is_removed_by_the_next_save(tmp_path):
    import torch

    from llmvis_desktop.core.repair import checkpoint

    out = tmp_path / "repair.safetensors"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    run = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(out)], env=env, capture_output=True, text=True)
    assert run.returncode == -9, run.stderr
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 3 and "repair.safetensors" in left and "repair.json" in left, left
    card = json.loads((tmp_path / "repair.json").read_text())
    assert card["steps"] == 1 and card["sha256"] == checkpoint.checkpoint_hash(out)  # the first save is whole
    checkpoint.save_checkpoint(out, {"c": 1}, {"w": torch.ones(64, 64)}, step=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repair.json", "repair.safetensors"]
    card = json.loads((tmp_path / "repair.json").read_text())
    assert card["steps"] == 3 and card["sha256"] == checkpoint.checkpoint_hash(out)


def test_a_live_writer_s_checkpoint_file_is_kept(tmp_path):
    import torch

    from llmvis_desktop.core.repair import checkpoint
    from llmvis_desktop.core.tmp_names import own_tmp

    out = tmp_path / "repair.safetensors"
    live = own_tmp(out, ".tmp")  # this process: another thread's save under way
    live.write_bytes(b"x")
    checkpoint.save_checkpoint(out, {"c": 1}, {"w": torch.ones(4, 4)}, step=1)
    assert live.exists()
