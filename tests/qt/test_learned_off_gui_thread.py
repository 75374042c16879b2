"""Opening a project froze the window ~0.5 s: the learned suggester was built on the GUI
thread (its readiness check asked for it there), importing the learning modules,
reading the feature cache and computing a blank image's features. It is built on the
status loader's or a job's thread, once per project."""
from __future__ import annotations

import threading

from qthelpers import open_and_index

from llmvis_desktop.core.suggest.learned import LearnedSuggester


def test_the_gui_thread_never_builds_the_learned_suggester(qtbot, window, labelled_folder, monkeypatch):
    built = []  # the thread of each suggester built
    real = LearnedSuggester.__init__

    def init(self, *args, **kwargs):
        built.append(threading.current_thread())
        real(self, *args, **kwargs)

    monkeypatch.setattr(LearnedSuggester, "__init__", init)
    sc = window.suggest_ctl
    with qtbot.waitSignal(window.index_finished, timeout=20000), \
            qtbot.waitSignal(sc.learned_done, timeout=20000) as done:
        # at once as the project is open: whichever of it and the readiness check comes
        # first builds it (the project opens on a worker thread)
        window.project_opened.connect(lambda _p: sc.run_learned())
        assert window.open_project(labelled_folder)
    assert "reviewed" in str(done.args[0])  # not ready: no image reviewed yet
    qtbot.waitUntil(lambda: sc.learned_ready is False, timeout=20000)
    assert "reviewed" in sc.learned_message
    assert len(built) == 1 and built[0] is not threading.main_thread(), built
    assert sc.learned is not None and sc.learned.project is window.project
    with qtbot.waitSignal(sc.status_changed, timeout=20000):
        sc.refresh_learned_status()  # later checks use the same one
    assert len(built) == 1

    window.close_project()
    open_and_index(qtbot, window, labelled_folder)  # another project: its own, off the GUI thread too
    qtbot.waitUntil(lambda: len(built) == 2 and sc.learned_ready is False, timeout=20000)
    assert built[1] is not threading.main_thread()


def test_the_readiness_builds_no_learned_suggester(qtbot, window, labelled_folder, monkeypatch):
    """The readiness read at every project opened built the learned suggester on the status
    loader's thread, importing the learning modules (23) as the window opened: its paints
    waited for the interpreter lock meanwhile (``bench_first_job_stall.py --sample``)."""
    built = []
    real = LearnedSuggester.__init__

    def init(self, *args, **kwargs):
        built.append(threading.current_thread())
        real(self, *args, **kwargs)

    monkeypatch.setattr(LearnedSuggester, "__init__", init)
    sc = window.suggest_ctl
    open_and_index(qtbot, window, labelled_folder)
    qtbot.waitUntil(lambda: sc.learned_ready is False, timeout=20000)
    assert "needs" in sc.learned_message and "5" in sc.learned_message, sc.learned_message
    with qtbot.waitSignal(sc.status_changed, timeout=20000):
        sc.refresh_learned_status()
    assert built == [] and sc.learned is None


def test_opening_a_project_imports_no_model_package_when_no_model_thread_runs(qtbot, window, monkeypatch):
    """free_unused_models (called at every project opened) imported the model worker, and
    with it the model discovery package, only to learn that no model thread was running."""
    import sys

    name = "llmvis_desktop.core.suggest.worker"
    monkeypatch.delitem(sys.modules, name, raising=False)  # as in a session that loaded no model
    assert window.suggest_ctl.free_unused_models() is True
    assert name not in sys.modules
