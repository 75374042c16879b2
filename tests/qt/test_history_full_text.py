"""The History panel cut a caption to 69 characters and "…", with no tooltip nor any
way to read the rest: the audit trail in the GUI could not say what a caption was.
Each cut entry now has a "full text" link that shows it whole (and "less" again)."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QUrl

from llmvis_desktop.core.store.records import EventRecord

OLD = "an early caption of the part: " + " ".join(f"word{i}" for i in range(60)) + " END-OF-OLD"
NEW = "the new caption, long as well: " + " ".join(f"term{i}" for i in range(40)) + " END-OF-NEW"


def _ev(i, action, before, after):
    return EventRecord(i, 1, "alice", datetime(2024, 5, 1, 9, i, tzinfo=timezone.utc), action, before, after, None)


def test_a_cut_caption_in_the_history_can_be_read_whole(qtbot):
    from llmvis_desktop.qt.widgets import history_panel as hp

    p = hp.HistoryPanel()
    qtbot.addWidget(p)
    p.set_events([_ev(1, "caption", None, OLD), _ev(2, "caption", OLD, NEW), _ev(3, "status", None, "reviewed")])
    text = p.browser.toPlainText()
    assert "END-OF-OLD" not in text and "\u2026" in text  # short at first
    newest_first = p.entries()
    change = newest_first[1]
    assert change["what"] != change["full"]
    assert "END-OF-OLD" in change["full"] and "END-OF-NEW" in change["full"]
    assert newest_first[0]["full"] == newest_first[0]["what"]  # nothing cut: no link
    html = p.browser.toHtml()
    assert html.count("history:full:") == 2, html
    p.browser.anchorClicked.emit(QUrl(f"history:full:{change['id']}"))
    text = p.browser.toPlainText()
    assert "END-OF-OLD" in text and "END-OF-NEW" in text
    assert f"history:less:{change['id']}" in p.browser.toHtml()
    p.browser.anchorClicked.emit(QUrl(f"history:less:{change['id']}"))
    assert "END-OF-NEW" not in p.browser.toPlainText()
    # another image's events: everything short again
    p.set_events([_ev(4, "caption", None, OLD)])
    assert "END-OF-OLD" not in p.browser.toPlainText()


def test_describe_event_gives_the_whole_text_when_asked():
    from llmvis_desktop.qt.widgets.history_panel import describe_event

    ev = _ev(1, "caption", OLD, NEW)
    assert describe_event(ev, full=True) == f"caption: '{OLD}' \u2192 '{NEW}'"
    assert len(describe_event(ev)) < 160  # the short form is unchanged


MULTI = "scratch near the left edge,\nabout 3 mm long\n\n  second finding:   a dent"


def test_the_full_text_keeps_a_captions_line_breaks(qtbot):
    """The expanded text ran a multi-line caption's lines together into one (its line
    breaks collapsed into spaces); the short form stays one line."""
    from llmvis_desktop.qt.widgets import history_panel as hp

    p = hp.HistoryPanel()
    qtbot.addWidget(p)
    p.set_events([_ev(1, "caption", None, MULTI)])
    [entry] = p.entries()
    assert "\n" not in entry["what"] and "edge, about 3 mm" in entry["what"]
    assert entry["full"] == ("caption: (empty) \u2192 'scratch near the left edge,\nabout 3 mm long\n\n"
                             "second finding: a dent'")
    assert "history:full:" in p.browser.toHtml()  # the short form differs: the whole text can be shown
    p.browser.anchorClicked.emit(QUrl(f"history:full:{entry['id']}"))
    lines = p.browser.toPlainText().replace("\u2028", "\n").splitlines()
    assert "about 3 mm long" in lines, lines
    assert any(ln.startswith("caption: (empty) \u2192 'scratch near the left edge,") for ln in lines), lines
