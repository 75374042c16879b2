"""The learned suggester's readiness line ("needs 8 more reviewed images...") was read
again after every review: every reviewed record and the label list (3 statements, 4 round
trips on a team's PostgreSQL), the window's largest read per Enter. It moves only with
reviews and labels, which the writes' records carry: the line now follows them with no
read, and the readiness is read again once, a while after the last write (another
reviewer's reviews, a file gone). Counted on SQLite, every thread's statements."""
from __future__ import annotations

import re

from test_hpgwin2_window_reads import _act, opened  # noqa: F401 - the fixture

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.learned import LearnedSuggester
from llmvis_desktop.qt import suggest_controller

READINESS = re.compile(r"SELECT images\.id\s+FROM images\s+WHERE images\.status IN", re.S)


def _fresh_line(win) -> str:
    return LearnedSuggester(win.project).status()[1]


def _enter(qtbot, win, gate):
    gate.clear()
    _act(qtbot, win, gate, lambda: (win.setFocus(), win.review.actions()["accept"].trigger()))


def test_enter_reads_no_readiness_and_the_line_follows(qtbot, opened, monkeypatch):  # noqa: F811
    monkeypatch.setattr(suggest_controller, "RECHECK_MS", 600_000)  # (the later look: not in this test)
    win, seen, gate = opened
    ctl = win.suggest_ctl
    qtbot.waitUntil(lambda: ctl.learned_message == _fresh_line(win), timeout=10000)
    lines = [ctl.learned_message]
    for k in range(4):
        seen.rows.clear()
        if k == 3:  # a label key on an image reviewed already: the readiness counts it too
            win.review.go_to_row(0)
            _act(qtbot, win, gate, lambda: win.review.toggle_label_key(1))
        else:
            _enter(qtbot, win, gate)
        reads = [s for _, s in seen.window() if READINESS.search(s)]
        assert not reads, reads
        want = _fresh_line(win)
        qtbot.waitUntil(lambda: ctl.learned_message == want, timeout=10000)
        lines.append(want)
    assert len(set(lines)) == len(lines), lines  # it moved with each


def test_the_readiness_is_read_again_once_after_the_writes(qtbot, opened, monkeypatch):  # noqa: F811
    """A teammate's reviews, which no record of this window carries, are in the line once the
    later look has read it (once for a burst of keys, not once per key)."""
    monkeypatch.setattr(suggest_controller, "RECHECK_MS", 600_000)
    win, seen, gate = opened
    ctl = win.suggest_ctl
    qtbot.waitUntil(lambda: ctl.learned_message == _fresh_line(win), timeout=10000)
    ids = win.project.image_ids()
    with Project.open(win.project.root) as teammate:
        for i in ids[-3:]:
            teammate.set_labels(i, ["dent"], "teammate")
            teammate.set_status(i, "reviewed", "teammate")
    seen.rows.clear()
    _enter(qtbot, win, gate)
    _enter(qtbot, win, gate)
    assert not [s for _, s in seen.window() if READINESS.search(s)]
    assert ctl._recheck.isActive()  # the later look, waiting for the keys to pause
    want = _fresh_line(win)
    assert ctl.learned_message != want  # (the teammate's reviews not in it yet)
    seen.rows.clear()
    with qtbot.waitSignal(ctl.status_changed, timeout=10000):
        ctl._recheck.timeout.emit()
    assert ctl.learned_message == want
    assert len([s for _, s in seen.window() if READINESS.search(s)]) == 1
