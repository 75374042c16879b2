"""Opening a project saved config.json (the folder at the top of the recent projects) on
the GUI thread, in the open's first passes of the event loop (a stall sampler saw the
write in the window-open phase). It is written on a writer thread now; quitting still
writes the configuration, on the GUI thread, after that write, so the newest is kept."""
from __future__ import annotations

import threading

from qthelpers import open_and_index

from llmvis_desktop.core import config as cfg_mod


def test_the_open_saves_off_the_gui_thread_and_quitting_saves(qtbot, window, image_folder, monkeypatch):
    saves = []  # (on the GUI thread?, the recent projects written)
    real = cfg_mod.save_config

    def recording(cfg, path=None):
        saves.append((threading.current_thread() is threading.main_thread(), list(cfg.recent_projects)))
        return real(cfg, path)

    monkeypatch.setattr(cfg_mod, "save_config", recording)
    folder = str(image_folder.resolve())
    open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: folder in cfg_mod.load_config().recent_projects, timeout=5000)
    assert saves and not any(on_gui for on_gui, _ in saves), saves

    window.config.reviewer = "changed before quitting"
    window.close()  # the quit path: written on the GUI thread, at once
    assert saves[-1] == (True, window.config.recent_projects)
    kept = cfg_mod.load_config()
    assert kept.reviewer == "changed before quitting" and folder in kept.recent_projects


def test_a_quit_during_a_slow_write_leaves_the_newest(qtbot, monkeypatch):
    """A write under way ends first, a copy waiting is dropped: the quit's config is the one kept."""
    from llmvis_desktop.qt.config_saver import ConfigSaver

    written = []
    real = cfg_mod.save_config
    under_way, quit_waits = threading.Event(), threading.Event()

    def slow(cfg, path=None):
        if threading.current_thread() is not threading.main_thread():
            under_way.set()
            assert quit_waits.wait(30)  # a slow disk: the quit comes while this is written
        written.append(cfg.reviewer)
        return real(cfg, path)

    monkeypatch.setattr(cfg_mod, "save_config", slow)
    saver = ConfigSaver()
    real_wait = saver.wait
    # (the quit's wait for the write under way ends it: events, not a 0.3 s write and a
    # 0.05 s sleep, which a loaded machine overran: "b" or nothing taken up before the quit)
    saver.wait = lambda timeout=None: (quit_waits.set(), real_wait(timeout))[1]
    saver.save_soon(cfg_mod.Config(reviewer="a"))
    assert under_way.wait(30)  # "a" is being written
    saver.save_soon(cfg_mod.Config(reviewer="b"))  # waits behind "a"; the quit makes it stale
    saver.save_now(cfg_mod.Config(reviewer="quit"))
    assert saver.wait(5)
    assert written == ["a", "quit"] and cfg_mod.load_config().reviewer == "quit"
