"""The small JSON files of the user cache folder (the model digests, the CPU-core
trials) were saved through a name of this process's own (``.model_digests.json.PID.tmp``,
``cpu_cores.json.PID-TID.tmp``) that nothing took back: each kill between a save's write
and its rename left one more for ever. The next save removes what a gone writer left."""
from __future__ import annotations

import os
import subprocess
import sys

KILLED_DIGESTS = r"""
import os, signal, sys
from pathlib import Path
from llmvis_desktop.core.suggest import digest_cache
digest_cache.os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)
with digest_cache.DigestCache(lambda p: "ab" * 32) as cache:
    cache.hash(Path(sys.argv[1]))
"""

KILLED_CORES = r"""
import os, signal, sys
from pathlib import Path
from llmvis_desktop.core.suggest import cores_saved
cores_saved.os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)
cores_saved.save({(("m", "1"), "costs"): (1.0, 2.0)}, Path(sys.argv[1]), 4)
"""


def _killed(code: str, arg, tmp_path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
               LLMVIS_CACHE_DIR=str(tmp_path / "cache"))
    run = subprocess.run([sys.executable, "-c", code, str(arg)], env=env, capture_output=True, text=True)
    assert run.returncode == -9, run.stderr


def test_a_killed_digest_save_s_file_is_removed_by_the_next_save(tmp_path, monkeypatch):
    from llmvis_desktop.core.suggest import digest_cache

    monkeypatch.setenv("LLMVIS_CACHE_DIR", str(tmp_path / "cache"))
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"w")
    _killed(KILLED_DIGESTS, weights, tmp_path)
    assert len(list((tmp_path / "cache").iterdir())) == 1  # the killed save's file, no cache yet
    other = tmp_path / "v.bin"
    other.write_bytes(b"v")
    with digest_cache.DigestCache(lambda p: "cd" * 32) as cache:
        cache.hash(other)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [digest_cache.DIGEST_CACHE_NAME]


def test_a_killed_cores_save_s_file_is_removed_by_the_next_save(tmp_path):
    from llmvis_desktop.core.suggest import cores_saved

    path = tmp_path / "cache" / "cores.json"
    _killed(KILLED_CORES, path, tmp_path)
    assert len(list(path.parent.iterdir())) == 1
    cores_saved.save({(("m", "2"), "costs"): (3.0, 4.0)}, path, 4)
    assert [p.name for p in path.parent.iterdir()] == ["cores.json"]
