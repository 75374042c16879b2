"""A termination signal (SIGTERM: a kill, a session ending; SIGHUP: the terminal closed)
ended the app at once: a caption typed and not yet saved was lost, and so was a review the
window had already moved on from while its write was still under way (a team's server),
though closing the window saves both. Now it closes the window as the close button does.
A real app process (``qt.app.run``) is sent the signal here."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from llmvis_desktop.core.config import Config, save_config
from llmvis_desktop.core.project import Project

# the app as `llmvis-desktop FOLDER` starts it (qt.app.run); once the folder is open, a
# slow database (each write 1.5 s, as on a server far away), Enter on the first image
# (the window moves on while it is written) and a caption typed on the next, unsaved
_CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from llmvis_desktop.qt import app as appmod
from llmvis_desktop.qt.main_window import MainWindow

folder = sys.argv[1]
appmod.create_app()
state = {"step": 0}

def window():
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)

def step():
    win = window()
    if win is None or win.project is None or win.model.rowCount() < 2 or win.review.current is None:
        return
    timer.stop()
    win.review._writer.before_write = lambda w: time.sleep(1.5)
    first = win.review.current.id
    win.grid.setFocus()
    QTest.keyClick(win.grid, Qt.Key.Key_Return)
    second = win.review.current.id
    ed = win.panel_ctl.caption
    ed.begin_edit()
    ed.edit.setPlainText("typed, not yet saved")
    print("READY", first, second, flush=True)

timer = QTimer()
timer.timeout.connect(step)
timer.start(50)
sys.exit(appmod.run(folder))
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_a_termination_signal_saves_what_closing_saves(image_folder, sig):
    save_config(Config(reviewer="tester", thumbnail_size=64))  # (the test's own config dir)
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(image_folder)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        line = proc.stdout.readline().split()
        assert line and line[0] == "READY", proc.stderr.read() if proc.poll() is not None else line
        first, second = int(line[1]), int(line[2])
        proc.send_signal(getattr(signal, sig))
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    with Project.open(image_folder) as p:
        assert p.image(first).review_status == "reviewed"  # its write was under way
        assert p.image(second).caption == "typed, not yet saved"
