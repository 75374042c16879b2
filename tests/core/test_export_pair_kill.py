"""An export that replaces its pair of files (CSV and its labels file, COCO and its
captions, Label Studio and its label config, with --force) moved each old file aside
before renaming the new one in: a kill between the two steps left no file under the
name at all (the old export hidden as ``.NAME.old``). Each name now always holds a
whole file, old or new."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

KILLED = r"""
import os, signal, sys
from pathlib import Path
from llmvis_desktop.core.interchange import files
kill_at = int(sys.argv[3])
real = os.replace
calls = []
def replace(src, dst):
    calls.append(src)
    if len(calls) == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
files.os.replace = replace
files.write_pair_atomic([(Path(sys.argv[1]), "new labels\n"), (Path(sys.argv[2]), "new csv\n")], replace=True)
"""


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4])
def test_a_forced_export_killed_at_any_rename_leaves_each_file_whole(tmp_path, kill_at):
    labels, main = tmp_path / "x.labels.txt", tmp_path / "x.csv"
    labels.write_text("old labels\n")
    main.write_text("old csv\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    run = subprocess.run([sys.executable, "-c", KILLED, str(labels), str(main), str(kill_at)],
                         env=env, capture_output=True, text=True)
    if run.returncode == 0:  # fewer renames than kill_at: it ended
        assert labels.read_text() == "new labels\n" and main.read_text() == "new csv\n"
        return
    assert run.returncode == -9, run.stderr
    assert labels.read_text() in ("old labels\n", "new labels\n")
    assert main.read_text() in ("old csv\n", "new csv\n")

