"""On Windows, output redirected to a file or pipe is written in the ANSI code page
(cp1252...): `llmvis labels add FOLDER 傷 > log.txt` added the label, then failed printing
"added 傷" ('charmap' codec can't encode...) and exited 1; a script trying again was told
the label already exists. `index` of a folder named in Japanese did the index and exited 1
the same way. A character the stream's encoding lacks is now written as its escape
(\\u50b7) and the command's own exit code stands."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tiny_models


def _llmvis(args, tmp_path) -> subprocess.CompletedProcess:
    import llmvis_desktop

    env = dict(os.environ, PYTHONPATH=str(Path(llmvis_desktop.__file__).parent.parent), PYTHONIOENCODING="cp1252",
               LLMVIS_CONFIG_DIR=str(tmp_path / "cfg"), LLMVIS_DATA_DIR=str(tmp_path / "data"),
               LLMVIS_CACHE_DIR=str(tmp_path / "cache"), LLMVIS_LOG_DIR=str(tmp_path / "log"))
    env.pop("PYTHONUTF8", None)
    return subprocess.run([sys.executable, "-X", "utf8=0", "-m", "llmvis_desktop.cli", *args], env=env,
                          capture_output=True, timeout=120)


def test_names_the_output_encoding_lacks_do_not_fail_a_done_command(tmp_path):
    folder = tiny_models.image_folder(tmp_path / "検査 données", 2)
    done = _llmvis(["index", str(folder)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"\\u691c\\u67fb donn\xe9es" in done.stdout  # é in cp1252, the rest escaped
    added = _llmvis(["labels", "add", str(folder), "傷"], tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == b"added \\u50b7 (key 1, colour #4caf50)"
    listed = _llmvis(["labels", "list", str(folder), "--json"], tmp_path)
    assert listed.returncode == 0 and b'"name": "\\u50b7"' in listed.stdout  # once: not added twice
