"""A review action's record (what the grid's tile, the label panel and the status bar are
given after a label key, Enter or an undo) listed the image's labels alphabetically, while
the grid reads them by taxonomy position (the user's order): a tile's chips changed order
when the window was read again. The record lists them as the grid does."""
from __future__ import annotations

from llmvis_desktop.core import review_actions as ra


def test_an_actions_record_lists_the_labels_as_the_grid_does(labeled_pngs):
    p, _, ids = labeled_pngs(1)  # the taxonomy: scratch, dent (in that order)
    p.add_labels(["crack", "blob"])  # then crack, blob: not alphabetical
    i = ids[0]
    for name in ("blob", "dent", "crack", "scratch"):
        res = ra.toggle_label(p, i, name, "rev", on=True)
    assert p.image(i).labels == ("scratch", "dent", "crack", "blob")  # the grid's read
    assert res.record.labels == p.image(i).labels, res.record.labels
    res = ra.toggle_label(p, i, "dent", "rev", on=False)
    assert res.record.labels == ("scratch", "crack", "blob"), res.record.labels
    res = ra.set_status(p, i, "reviewed", "rev")  # (an action that reads no label list)
    assert res.record.labels == ("scratch", "crack", "blob"), res.record.labels
