"""A light/dark switch while the app runs (the OS's dark mode turned on or off; the app
has no theme setting of its own, it follows the palette). The review docks worked their
colours out of the palette when they were built: after a switch the label chips, the
caption box, the suggestion cards and the history kept the old theme's grounds and text
(white islands with near-black text in a dark window, dark ones in a light window), and
the viewer bar's text kept the old palette's colour, until a restart
(/tmp/hunt-hsmall3/render_theme.py). Now the palette change restyles every panel."""
from __future__ import annotations

from PySide6.QtGui import QCursor

from contrast import dark_palette, ground, luminance, text_contrast
from qthelpers import open_and_index

from llmvis_desktop.core.store.records import NewSuggestion

READABLE = 4.5
DARK, LIGHT = 0.1, 0.8  # a ground's luminance: a dark theme's under, a light one's over


def _grounds(win) -> dict:
    pc = win.panel_ctl
    chip = next(iter(pc.labels._chips.values()))
    card = next(c for c in pc.suggestions._pool if c.isVisible())
    return {"chip": (chip, luminance(ground(chip))),
            "caption": (pc.caption.edit.viewport(), luminance(ground(pc.caption.edit.viewport()))),
            "card": (card, luminance(ground(card))),
            "history": (pc.history.browser.viewport(), luminance(ground(pc.history.browser.viewport())))}


def _opened(qtbot, win, folder):
    project = open_and_index(qtbot, win, folder)
    ids = project.image_ids()
    project.add_suggestions([NewSuggestion(i, "caption", "a dented can", "m", score=0.9) for i in ids])
    win.review.go_to_row(1)
    win.review._refresh(win.review.current.id)
    win.panel_ctl.flush_cards()
    win.panel_ctl.flush_history()
    win.panel_ctl.caption.set_caption("a fine scratch across the upper left corner")  # (shown only)
    QCursor.setPos(5000, 5000)  # (a chip under the pointer takes its hover colour)
    qtbot.waitUntil(lambda: win.panel_ctl.history.browser.isVisible(), timeout=5000)


def test_a_switch_to_dark_and_back_restyles_every_panel(qtbot, qapp, window, labelled_folder):
    win = window
    light = qapp.palette()
    _opened(qtbot, win, labelled_folder)
    before = _grounds(win)
    assert text_contrast(win.viewer.fit_button) >= READABLE
    assert all(lum > LIGHT for _, lum in before.values()), before
    try:
        qapp.setPalette(dark_palette())  # as the platform does when the OS goes dark
        qtbot.waitUntil(lambda: all(lum < DARK for _, lum in _grounds(win).values()), timeout=5000)
        for name, (w, _) in _grounds(win).items():
            assert text_contrast(w) >= READABLE, name
        assert text_contrast(win.viewer.fit_button) >= READABLE  # (1.2:1: the old palette's light text)
    finally:
        qapp.setPalette(light)
    qtbot.waitUntil(lambda: all(lum > LIGHT for _, lum in _grounds(win).values()), timeout=5000)
    for name, (w, _) in _grounds(win).items():
        assert text_contrast(w) >= READABLE, name
    assert text_contrast(win.viewer.fit_button) >= READABLE
