"""`llmvis suggest` stopped (SIGTERM, Ctrl+C) while its model thread was still inside
torch (loading a model, or unloading it after the last batch): it said what it kept,
then died at exit with "terminate called without an active exception" and SIGABRT
(exit 134, a core dump) instead of 130; a script that resumes on 130 saw a crash."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import tiny_models


def test_sigterm_while_the_model_thread_is_in_torch_exits_130(tmp_path):
    import llmvis_desktop

    folder = tiny_models.image_folder(tmp_path / "imgs", 4)
    blip = tiny_models.build_blip(tmp_path / "blip")
    ready = tmp_path / "ready"
    code = (
        "import sys, time, pathlib\n"
        "from llmvis_desktop.core.suggest import worker\n"
        "def busy(self, *a, **k):  # a model load: long, in torch's C++ code (the GIL let go)\n"
        "    import torch\n"
        "    torch.set_num_threads(1)\n"
        "    x = torch.rand(1200, 1200)\n"
        f"    pathlib.Path({str(ready)!r}).write_text('1')\n"
        "    end = time.monotonic() + 60\n"
        "    while time.monotonic() < end:\n"
        "        x = torch.tanh(x @ x)\n"
        "worker.ModelWorker._engine = busy\n"
        "from llmvis_desktop.cli import main\n"
        f"sys.argv = ['llmvis', 'suggest', {str(folder)!r}, '--captioner', {str(blip)!r}, '--device', 'cpu']\n"
        "sys.exit(main())\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(llmvis_desktop.__file__).parent.parent))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), proc.communicate(timeout=10)
        time.sleep(0.5)  # inside a multiplication
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "terminate called" not in err, err
    assert proc.returncode == 130, (proc.returncode, err)
    assert "interrupted; no suggestion was stored (4 images to go)" in err and "run again to resume" in err
