"""The History panel showed an index event for a file saved again with the same size as
"file changed on disk (same size, new time)", which reviewers read as "nothing changed":
the index had taken it as new content (not found the same as before, or not comparable),
and the image's earlier suggestions count as made for the old image. Each index event now
says what happened to the file and what it means; the stored events are unchanged."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timezone  # noqa: E402

ARROW = "\u2192"
T0 = int(datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc).timestamp()) * 10**9


def _ev(i, action, before, after, minute=0):
    from llmvis_desktop.core.store.records import EventRecord

    return EventRecord(i, 1, "indexer", datetime(2024, 5, 1, 10, minute, tzinfo=timezone.utc), action, before, after,
                       None)


def _events():
    return [
        _ev(1, "file_changed", {"size": 48213, "mtime_ns": T0}, {"size": 48213, "mtime_ns": T0 + 1812 * 10**9}, 1),
        _ev(2, "file_changed", {"size": 48213, "mtime_ns": T0}, {"size": 51002, "mtime_ns": T0 + 60 * 10**9}, 2),
        _ev(3, "file_missing", "present", "missing", 3),
        _ev(4, "file_restored", "missing", "present", 4),
        _ev(5, "file_changed", {}, {}, 5),
    ]


def test_each_index_event_reads_as_what_happened_to_the_file(monkeypatch):
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    import time

    try:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        said = [describe_event(ev) for ev in _events()]
        ev = _ev(6, "file_changed", {"size": 1, "mtime_ns": T0}, {"size": 1, "mtime_ns": T0 + 86400 * 10**9})
        other_day = describe_event(ev)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert said[0] == (f"file re-saved on disk, same size (modified 2024-05-01 09:00:00 UTC {ARROW} 09:30:12 UTC): "
                       "read again as new content; earlier suggestions count as made for the old image"), said[0]
    assert said[1] == (f"file changed on disk: new content (48,213 {ARROW} 51,002 bytes); earlier suggestions "
                       "count as made for the old image")
    assert said[2] == "file gone from the folder (deleted, moved or renamed outside the tool); its review is kept"
    assert said[3] == "file back in the folder; its review status is back"
    assert said[4] == "file changed on disk; earlier suggestions count as made for the old image"
    assert not any("new time" in s or "same size, new" in s for s in said)
    # another day: the second time with its date
    assert f"2024-05-01 09:00:00 UTC {ARROW} 2024-05-02 09:00:00 UTC" in other_day, other_day


def test_the_panel_shows_them(qtbot):
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    p.resize(420, 520)
    p.set_events(_events())
    p.show()
    qtbot.waitExposed(p)
    text = p.browser.toPlainText()
    assert "file re-saved on disk, same size" in text and "same size, new time" not in text
    assert [e["what"].split(";")[0] for e in p.entries()][-1].startswith("file re-saved on disk")
    p.grab().save("/tmp/hmsg_history.png")
