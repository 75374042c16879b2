"""A learned-suggester cache save killed between writing its temporary file and renaming
it (the feature cache: one file as large as the cache) left that file for ever: each
save writes a name of its own (tmp_names.own_tmp), and nothing took back the names of
writers that are gone. The next save of the same file removes them; a live writer's
file, and a recent one of another host (a shared project folder), are kept."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from llmvis_desktop.core.owner import OTHER_HOST_AGE
from llmvis_desktop.core.suggest.features import FeatureCache

KILLED_SAVE = r"""
import os, signal, sys
import numpy as np
from pathlib import Path
from llmvis_desktop.core.suggest import features
cache = features.FeatureCache(Path(sys.argv[1]), "hand")
for i in range(50):
    cache.put(i, 1000 + i, np.full(64, i, np.float32), 10)
features.os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)  # killed before its rename
cache.save()
"""


def _saved(path: Path, n: int) -> FeatureCache:
    cache = FeatureCache(path, "hand")
    for i in range(n):
        cache.put(i, 1000 + i, np.full(64, i, np.float32), 10)
    cache.save()
    return cache


def test_a_killed_save_s_file_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "features" / "hand.npz"
    _saved(path, 3)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    run = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(path)], env=env, capture_output=True, text=True)
    assert run.returncode == -9, run.stderr
    left = [p for p in path.parent.iterdir() if p != path]
    assert len(left) == 1 and left[0].stat().st_size > 50 * 64 * 4  # the killed save's whole file
    assert len(FeatureCache(path, "hand")) == 3  # the old cache is whole
    _saved(path, 4)
    assert sorted(p.name for p in path.parent.iterdir()) == ["hand.npz"]
    assert len(FeatureCache(path, "hand")) == 4


def test_a_live_writer_s_file_and_another_host_s_recent_one_are_kept(tmp_path):
    from llmvis_desktop.core.suggest.tmp_names import own_tmp

    path = tmp_path / "features" / "hand.npz"
    path.parent.mkdir(parents=True)
    live = own_tmp(path, ".tmp.npz")  # this process: a save under way in another thread
    live.write_bytes(b"x" * 10)
    other = path.with_name(f"{path.name}.otherhost-4242-7-0123abcd.tmp.npz")
    other.write_bytes(b"y" * 10)
    old_other = path.with_name(f"{path.name}.otherhost-4243-7-0123abce.tmp.npz")
    old_other.write_bytes(b"z" * 10)
    past = time.time() - OTHER_HOST_AGE - 60
    os.utime(old_other, (past, past))
    unrelated = path.with_name("notes.txt")
    unrelated.write_text("mine")
    _saved(path, 2)
    assert live.exists() and other.exists() and unrelated.exists()
    assert not old_other.exists()
