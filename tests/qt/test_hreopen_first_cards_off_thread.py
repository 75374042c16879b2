"""Reopening a project: the Suggestions panel's cards of the image selected first (the
reviewer's place) are read with the grid's first ids, off the GUI thread. The panel read
them itself and the GUI thread waited up to 30 ms for that read (``CARDS_WAIT_S``), in the
one stretch of the event loop that restored the place and painted the grid (a 48 ms stall
of a 100k-image reopen on a loaded machine; /tmp/hunt-hreopen/probe.py reopen)."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion


def test_reopen_shows_the_place_with_its_cards_read_off_the_gui_thread(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    place = win.model.ids[4]
    sid, = project.add_suggestions([NewSuggestion(place, "caption", "a scratched plate", "m", 0.9)])
    win.grid.select_row(4)
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == place, timeout=5000)
    win.close_project()
    waited = []
    real = win.panel_ctl._load_cards
    win.panel_ctl._load_cards = lambda rec, *a, **k: (waited.append(rec.id), real(rec, *a, **k))[1]
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    assert win.review.current.id == place  # the reviewer's place, restored
    assert place not in waited  # its cards came with the ids: nothing read (and waited for) here
    assert win.panel_ctl.suggestions.card_ids() == {sid}  # shown with the image
