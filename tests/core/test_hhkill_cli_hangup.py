"""SIGHUP (the terminal a command runs in closed, an ssh session to the GPU server dropped)
ended any `llmvis` command at once: `repair train` saved no checkpoint (up to 199 steps
lost) and said nothing. It now stops the command as SIGTERM and Ctrl+C do (what was done
is kept, the checkpoint saved); under ``nohup`` (SIGHUP ignored) the command goes on."""
from __future__ import annotations

import os
import signal

import numpy as np
from PIL import Image

from llmvis_desktop.cli_args import term_as_interrupt
from llmvis_desktop.core.repair.checkpoint import load_checkpoint

from repair_helpers import one_torch_thread  # noqa: F401 - autouse fixture


def _parser():
    import argparse

    from llmvis_desktop import cli_repair

    parser = argparse.ArgumentParser()
    cli_repair.add_parsers(parser.add_subparsers())
    return parser


def test_repair_train_saves_its_checkpoint_when_the_terminal_hangs_up(tmp_path, capsys, monkeypatch):
    from llmvis_desktop.core.repair import train as train_mod

    class Killed(Exception):
        pass

    def killed(signum, frame):
        raise Killed

    old = signal.signal(signal.SIGHUP, killed)  # without the fix: a clean failure, not a dead test run
    real = train_mod.train

    def hangup_at_step_2(*a, **k):
        shown = k["progress"]

        def prog(p):
            shown(p)
            if p.stage == "train" and p.done >= 2:
                os.kill(os.getpid(), signal.SIGHUP)
        return real(*a, **dict(k, progress=prog, report_every=1, save_every=0))

    monkeypatch.setattr(train_mod, "train", hangup_at_step_2)
    root = tmp_path / "proj"
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray((rng.random((64, 64)) * 255).astype(np.uint8)).save(root / f"t{i}.png")
    out = tmp_path / "ck.safetensors"
    try:
        args = _parser().parse_args(["repair", "train", str(root), "--from", "scratch", "--steps", "50",
                                     "--tile", "32", "--batch", "2", "--out", str(out), "--device", "cpu"])
        assert args.func(args) == 130
        assert signal.getsignal(signal.SIGHUP) is killed  # put back
    finally:
        signal.signal(signal.SIGHUP, old)
    assert load_checkpoint(out).step == 2 and "resumable checkpoint" in capsys.readouterr().err


def test_a_hangup_ignored_at_start_stays_ignored():
    """``nohup llmvis suggest ...``: the user asked for the job to outlive the terminal."""
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        restore = term_as_interrupt()
        try:
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
        finally:
            restore()
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, old)
