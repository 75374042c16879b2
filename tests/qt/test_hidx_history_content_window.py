"""The History line of a file saved again with its size kept said "read again as new
content" whether its content was found to differ or could not be compared. An event that
records which (``"content"`` in its after, written since) says so; an older one, without
the field, reads as before."""
from __future__ import annotations

from datetime import datetime, timezone

T0 = int(datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc).timestamp()) * 10**9
BEFORE = "earlier suggestions count as made for the old image"


def _ev(i, content=None, same_size=True):
    from llmvis_desktop.core.store.records import EventRecord

    after = {"size": 100 if same_size else 120, "mtime_ns": T0 + 600 * 10**9}
    if content is not None:
        after["content"] = content
    return EventRecord(i, 1, "indexer", datetime(2024, 5, 1, 10, i, tzinfo=timezone.utc), "file_changed",
                       {"size": 100, "mtime_ns": T0}, after, None)


def _events():
    return [_ev(1, "differs"), _ev(2, "no digest"), _ev(3, "unreadable"), _ev(4)]


def test_a_same_size_change_says_whether_the_content_differs_or_was_not_compared():
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    differs, no_digest, unreadable, old = (describe_event(ev) for ev in _events())
    assert differs.startswith("file re-saved on disk, same size (modified ")
    assert differs.endswith(": content differs, read again as new content; " + BEFORE), differs
    assert no_digest.endswith(": content could not be compared (no digest of the earlier content), "
                              "read again as new content; " + BEFORE), no_digest
    assert unreadable.endswith(": content could not be compared (the file could not be read whole), "
                               "read again as new content; " + BEFORE), unreadable
    # an event written before the field: its old wording
    assert old.endswith("): read again as new content; " + BEFORE), old
    assert "differs" not in old and "compared" not in old
    # a field of no known value, or a size change: as before
    assert describe_event(_ev(4, "something else")) == old
    resized = describe_event(_ev(6, "differs", same_size=False))
    assert resized == describe_event(_ev(6, same_size=False))
    assert resized.startswith("file changed on disk: new content (100 \u2192 120 bytes)"), resized


def test_the_history_panel_shows_which(qtbot):
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    p.resize(420, 520)
    p.set_events(_events())
    p.show()
    qtbot.waitExposed(p)
    text = p.browser.toPlainText()
    assert "content differs" in text and text.count("could not be compared") == 2
    p.grab().save("/tmp/hidx/history_content.png")
