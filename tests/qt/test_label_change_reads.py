"""What the window reads after a change of the label list, on the taxonomy worker: the
labels, their usage and the current row's records were three sessions (each a checkout
ping, a BEGIN and a ROLLBACK on a team's PostgreSQL, 50 ms apiece 25 ms away); they are
one now. Once the panel shows what that read, the usage counts are not read again."""
from __future__ import annotations

import threading

import pytest

from qthelpers import open_and_index

from llmvis_desktop.core.store.engine import Store


@pytest.fixture
def sessions(monkeypatch):
    """(kind, thread id) of every Store.read / Store.write entered."""
    seen = []
    for kind in ("read", "write"):
        real = getattr(Store, kind)

        def opened(self, _real=real, _kind=kind):
            seen.append((_kind, threading.get_ident()))
            return _real(self)

        monkeypatch.setattr(Store, kind, opened)
    return seen


@pytest.mark.parametrize("how", ["add", "rename", "recolour", "remove"])
def test_a_label_change_is_one_write_and_one_read_on_its_worker(qtbot, window, labelled_folder, sessions, how):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None and win.review.current is not None, timeout=5000)
    labels = win.panel_ctl.labels
    sessions.clear()
    {"add": lambda: labels.addRequested.emit("fresh", ""),
     "rename": lambda: labels.renameRequested.emit("dent", "dent-x"),
     "recolour": lambda: labels.recolorRequested.emit("dent", "#123456"),
     "remove": lambda: labels.removeRequested.emit("dent")}[how]()
    assert win.panel_ctl.taxonomy_running is not None
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=5000)
    worker = next(t for kind, t in sessions if kind == "write")
    assert worker != threading.get_ident()
    assert [kind for kind, t in sessions if t == worker] == ["write", "read"]
    want = {"add": "fresh", "rename": "dent-x", "recolour": "dent", "remove": None}[how]
    assert (labels.chip(want) is not None) if want else labels.chip("dent") is None


def test_the_usage_counts_are_not_read_again_once_a_label_change_shows(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    ctl = win.panel_ctl
    qtbot.waitUntil(lambda: ctl.taxonomy_running is None and win.review.current is not None, timeout=5000)
    # the grid holds its rows as the index left them: the end of a first index reads them again
    # off the GUI thread, and rows that changed then ask for the counts anew (not the label's)
    qtbot.waitUntil(lambda: not win.model._stale and not win.model._fetch_wanted, timeout=10000)
    qtbot.wait(50)  # (what that re-read landed has run)
    ctl._usage_timer.stop()
    ctl.labels.addRequested.emit("fresh", "")
    qtbot.waitUntil(lambda: ctl.labels.chip("fresh") is not None, timeout=5000)
    assert ctl.taxonomy_running is None
    assert not ctl._usage_timer.isActive()  # (the change's own read had the counts)


def test_the_usage_counts_after_a_review_action_are_one_read(qtbot, window, labelled_folder, sessions, monkeypatch):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    ctl = win.panel_ctl
    qtbot.waitUntil(lambda: ctl.taxonomy_running is None and win.review.current is not None, timeout=5000)
    got = []
    ctl._usage_loader.done.connect(lambda result, error: got.append((result, error)))
    mine, submit = [], ctl._usage_loader.submit

    def traced_submit(fn, *args):
        def traced(*a):
            start = len(sessions)
            try:
                return fn(*a)
            finally:
                mine.extend(k for k, t in sessions[start:] if t == threading.get_ident())
        return submit(traced, *args)

    monkeypatch.setattr(ctl._usage_loader, "submit", traced_submit)
    ctl._update_usage()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[0][1] is None and {d.name for d in got[0][0][1]} >= {"dent", "scratch"}
    assert mine == ["read"]
