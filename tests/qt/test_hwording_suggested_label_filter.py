"""The label filter with the status filter "Suggested" (or "Unreviewed") lists the images
where that label is suggested (a pending label card), besides those carrying it: the
label filter read only the labels images carry, so "Suggested" + "dent" (images to
review, not yet labelled) listed none, silently (/tmp/hunt-hhuntind/hunt_day3.py).
"Reviewed" + "dent", or "All images" + "dent", stay the labels images carry."""
from __future__ import annotations

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import ImageFilter, NewSuggestion


def _choose(qtbot, win, status, label):
    fb = win.filter_bar
    fb.status.setCurrentIndex(fb.status.findText(status))
    fb.label.setCurrentIndex(fb.label.findText(label))


def test_suggested_and_a_label_lists_the_images_where_it_is_suggested(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    ids = project.image_ids()
    a, b, c = ids[:3]
    project.add_suggestions([NewSuggestion(a, "label", "dent", "zs", score=0.7),
                             NewSuggestion(a, "label", "ok", "zs", score=0.2),
                             NewSuggestion(b, "label", "ok", "zs", score=0.9),
                             NewSuggestion(c, "label", "dent", "zs", score=0.6)])
    project.set_labels(c, ["dent"], "tester")
    project.set_status(c, "reviewed", "tester")  # c: dent by a reviewer, its card still pending
    _choose(qtbot, win, "Suggested", "dent")
    qtbot.waitUntil(lambda: win.model.ids == [a], timeout=5000)
    _choose(qtbot, win, "Unreviewed", "dent")
    qtbot.waitUntil(lambda: win.model.ids == [a], timeout=5000)
    _choose(qtbot, win, "Reviewed", "dent")
    qtbot.waitUntil(lambda: win.model.ids == [c], timeout=5000)  # the label it carries
    _choose(qtbot, win, "All images", "dent")
    qtbot.waitUntil(lambda: win.model.ids == [c], timeout=5000)
    _choose(qtbot, win, "Suggested", "ok")
    qtbot.waitUntil(lambda: sorted(win.model.ids) == sorted([a, b]), timeout=5000)
    # a decided card no longer counts
    from llmvis_desktop.core import review_actions as ra
    ra.reject(project, a, "tester")
    assert project.image_ids(ImageFilter(statuses=("suggested",), label="ok", label_suggested=True)) == [b]
    assert "suggest" in win.filter_bar.label.toolTip().lower()
