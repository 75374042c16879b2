"""First-run dock heights in the right column: at 1920x1080 History had 186 px (two
events and a half, then scrolling) while the Suggestions dock kept some 250 px empty
below its cards; the room the docks' own sizes leave is now shared by the two."""
from __future__ import annotations

import pytest
from qthelpers import FakeScreen, open_and_index, settle

from llmvis_desktop.qt.widgets.history_panel import PREFERRED_HEIGHT


@pytest.mark.parametrize("w,h", [(1920, 1080), (1280, 800)])
def test_history_and_suggestions_share_the_room_left(qtbot, window, labelled_folder, w, h):
    window.screen = lambda: FakeScreen(w, h)
    window.resize(w, h)
    open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    sugg = window.panels["suggestions"].parentWidget()
    hist = window.panels["history"].parentWidget()
    pair = sugg.height() + hist.height()
    # History readable: half the two docks' room, more than its few events' hint
    assert hist.height() >= pair * 0.45, (sugg.height(), hist.height())
    assert hist.height() >= PREFERRED_HEIGHT + 60, hist.height()
    # Suggestions: at least the two cards it asks for, at most a few cards' room
    assert sugg.height() >= sugg.sizeHint().height(), (sugg.height(), sugg.sizeHint().height())
    assert sugg.height() <= pair * 0.55, (sugg.height(), hist.height())
    # the right column a little wider on a large screen (a History event's time on its line)
    assert window.panels["labels"].parentWidget().width() >= (470 if w >= 1920 else 400)
