"""A caption save refused over a teammate's newer caption said when they changed it in
local time with no zone ("bob changed this image's caption at 19:41"), while the History
panel said "2024-01-15 19:41:07 CET": at two sites one of the two read as the other's
clock. Now the refusal names the same local time and zone the History panel shows for
that change (``core.when``), with the date when it is not today's."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.when import format_when, short_when


@pytest.fixture
def cet(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_short_when_names_the_zone_and_a_past_day(cet):
    at = datetime(2024, 1, 15, 18, 41, 7)  # naive, as SQLite gives it back: UTC
    assert short_when(at, now=datetime(2024, 1, 15, 22, 0, tzinfo=timezone.utc)) == "19:41 CET"
    assert short_when(at, now=datetime(2024, 1, 17, 9, 0, tzinfo=timezone.utc)) == "2024-01-15 19:41 CET"
    assert short_when(None) == ""
    assert format_when(at) == "2024-01-15 19:41:07 CET"  # the History panel's line for it


def test_caption_refusal_says_the_history_panels_time(cet, png_folder):
    with Project.open(png_folder) as setup:
        setup.scan()
        url, image_id = setup.db_url, setup.image_ids()[0]
    with Project.open(png_folder, url) as alice, Project.open(png_folder, url) as bob:
        shown = alice.image(image_id)
        ra.set_caption(bob, image_id, "bob's words", "bob", seen=shown.review_status, seen_caption=None)
        with pytest.raises(ra.CaptionChanged) as refused:
            ra.set_caption(alice, image_id, "alice's words", "alice", seen=shown.review_status, seen_caption=None)
        [ev] = [e for e in alice.history(image_id) if e.action.endswith("caption")]
    panel = format_when(ev.at)  # "YYYY-MM-DD HH:MM:SS CET"
    hhmm, zone = panel[11:16], panel.rsplit(" ", 1)[1]
    assert zone == "CET" or zone == "CEST"
    assert refused.value.at.endswith(f"{hhmm} {zone}"), (refused.value.at, panel)
    assert f"bob changed this image's caption at {refused.value.at} " in str(refused.value)
