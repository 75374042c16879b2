"""A Ctrl+C in the first moments of `llmvis`, while Python still imported
llmvis_desktop.cli, ended in a Python traceback (and no JSON object with --json). The
entry point now says it as main() does and exits 130. LLMVIS_TEST_IMPORT_PAUSE makes the
import wait (it writes the file it names first) so the SIGINT lands there for sure."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ENTRY = "import sys; from llmvis_desktop.cli import main; sys.exit(main())"  # the installed `llmvis` script


def _interrupt_while_importing(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    marker = tmp_path / "importing"
    env = dict(os.environ, LLMVIS_TEST_IMPORT_PAUSE=str(marker), PYTHONPATH=str(Path(__file__).parents[2]))
    # Ctrl+C as a terminal delivers it: a test run started in the background of a script
    # (`pytest &`, nohup) hands its children SIGINT ignored, and the child slept its 60 s
    proc = subprocess.Popen([sys.executable, "-c", ENTRY, *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_ctrl_c_while_the_cli_imports_exits_130_in_one_line(tmp_path):
    got = _interrupt_while_importing(tmp_path, "info", str(tmp_path))
    assert got.returncode == 130, (got.returncode, got.stderr)
    assert "Traceback" not in got.stderr
    assert got.stderr.strip() == "llmvis info: interrupted before anything was done"
    assert got.stdout == ""


def test_with_json_the_object_is_printed_too(tmp_path):
    got = _interrupt_while_importing(tmp_path, "labels", "list", str(tmp_path), "--json")
    assert got.returncode == 130, (got.returncode, got.stderr)
    assert got.stderr.strip() == "llmvis labels list: interrupted before anything was done"
    assert json.loads(got.stdout) == {"error": "interrupted before anything was done", "exit_code": 130}
