"""The status bar at 1280x800 and 1024x768, no message shown: the learned suggester's
long readiness line ("Learned suggester: needs 10 more reviewed images (5 per label, for
two labels): ...") took the room and the image counts were cut ("30 images · s…" at
1024 px, "... · review…" at 1280: /tmp/hunt-hstatus/shots-base-*/01_main.png). The
counts matter more: the learned line gives way first (cut, whole in its tooltip)."""
from __future__ import annotations

import pytest

from qthelpers import answers_delivered, open_and_index


LONG = ("needs 7 more reviewed images (5 per label, for two labels): 3 more of "
        "'surface contamination near weld seam', 4 more of 'porosity cluster in the heat-affected zone' (or of another label)")


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_counts_whole_beside_a_long_learned_line(qtbot, window, labelled_folder, size):
    window.resize(*size)
    open_and_index(qtbot, window, labelled_folder)
    ctl = window.suggest_ctl
    answers_delivered(ctl._status_loader)  # its own status, read at the opening
    ctl._set_learned_status(False, LONG)  # (the line a half-reviewed project reads)
    window.statusBar().clearMessage()
    qtbot.waitUntil(lambda: window.counts_label.text().startswith("12 images · new 12"), timeout=20000)
    window.statusBar().layout().activate()
    counts, learned = window.counts_label, ctl.status_label
    assert learned.isVisible()
    assert not counts.is_elided(), (counts.shown_text(), counts.text(), counts.width())
    assert counts.shown_text() == counts.text()
    # the learned line is the one cut, whole in its tooltip
    assert learned.is_elided() and learned.shown_text().startswith("Learned suggester: needs 7")
    assert learned.toolTip() == f"Learned suggester: {LONG}"
    assert window.minimumSizeHint().width() <= 1024
