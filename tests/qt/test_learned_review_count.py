"""The learned suggester's readiness line and its retrain count in the window, as labels
change on images already reviewed.

A label toggled on a reviewed image changes the counts the readiness line gives, but the
line was read again only when an image *became* reviewed: taking 'scratch' off one of
five reviewed scratch images left "learns 2 labels" up (the first toggle on an image
seemed to refresh it only because it was counted as a new review, below). And the first
change the window saw on an image already reviewed (a label toggled, the refresh after a
job) counted as a review towards the retrain every 10 reviews.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import defectgen  # noqa: E402

KINDS = ("ok", "scratch", "crack")  # number keys 1, 2, 3


def _folder(tmp_path, reviewed: dict) -> Path:
    """Tiles of three kinds; ``reviewed[kind]`` of each reviewed with that label."""
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, 6, size=48, kinds=KINDS)
    with Project.open(folder) as p:
        p.scan()
        for k in KINDS:
            p.add_label(k)
        seen = {k: 0 for k in KINDS}
        for rel, kind in rows:
            if seen[kind] < reviewed.get(kind, 0):
                seen[kind] += 1
                p.apply_state(p.image_by_path(rel).id, {"labels": [kind], "review_status": "reviewed"},
                              "alice", "review")
    return folder


def _show(win, kind: str, status: str):
    """Show the first image labelled ``kind`` (reviewed) or of that kind's file (new)."""
    p = win.project
    for i in win.model.ids:
        rec = p.image(i)
        if rec.review_status == status and (kind in rec.labels or (status != "reviewed" and kind in rec.relpath)):
            win.grid.select_row(win.model.row_of(i))
            win.grid.setFocus()
            return rec
    raise AssertionError(f"no {status} image of {kind}")


def test_a_label_toggled_on_a_reviewed_image_updates_the_readiness_line(qtbot, window, tmp_path):
    win = window
    open_and_index(qtbot, win, _folder(tmp_path, {"ok": 5, "scratch": 5, "crack": 4}))
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is True and "learns 2 labels" in sc.learned_message, timeout=20000)
    _show(win, "ok", "reviewed")
    QTest.keyClick(win.grid, Qt.Key.Key_3)  # crack on a reviewed image: crack has 5 now
    qtbot.waitUntil(lambda: "learns 3 labels" in sc.learned_message, timeout=10000)
    QTest.keyClick(win.grid, Qt.Key.Key_3)  # and off again: 4
    qtbot.waitUntil(lambda: "not learned yet: 'crack' needs 1 more reviewed image" in sc.learned_message, timeout=10000)
    assert "learns 2 labels" in sc.learned_message and "learns 2 labels" in sc.status_label.text()
    # a label taken off a reviewed image can leave it not ready at all
    _show(win, "scratch", "reviewed")
    QTest.keyClick(win.grid, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: sc.learned_ready is False, timeout=10000)
    assert "needs 1 more reviewed image (5 per label, for two labels)" in sc.learned_message


def test_changes_to_an_image_already_reviewed_are_not_counted_as_reviews(qtbot, window, tmp_path):
    win = window
    open_and_index(qtbot, win, _folder(tmp_path, {"ok": 2}))
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is False, timeout=20000)
    _show(win, "ok", "reviewed")
    win.panel_ctl.refresh_after_bulk()  # as at the end of a job: the image on screen read again
    QTest.keyClick(win.grid, Qt.Key.Key_2)  # a label toggled on it
    QTest.keyClick(win.grid, Qt.Key.Key_2)
    assert sc.reviews_since_train == 0
    rec = _show(win, "scratch", "new")
    QTest.keyClick(win.grid, Qt.Key.Key_R)  # a review
    assert win.project.image(rec.id).review_status == "reviewed"
    assert sc.reviews_since_train == 1


def test_the_line_at_the_end_of_a_learned_job_names_the_labels_not_learned():
    """It said "3 labels from 16 reviewed images" only, and hid the readiness line (which
    names them) while it showed: labels without enough reviews got no card, unsaid."""
    from llmvis_desktop.core.suggest.learned import TrainReport
    from llmvis_desktop.qt.learned_holder import learned_result_text

    report = TrainReport(16, ("crack", "ok", "scratch"), ("stain",), "r", 2.0, 16,
                         not_learned=(("pitting", 5), ("stain", 1)))
    assert learned_result_text(report, 31) == (
        "Learned suggester: 3 labels from 16 reviewed images (2.0 s); 31 new suggestions; "
        "not learned yet: 'pitting' needs 5 more reviewed images, 'stain' needs 1 more")


def test_the_line_at_the_end_says_a_saved_fit_was_reused_not_its_time():
    """A network loaded as saved for the same reviewed set: it said "(0.0 s)", the time of
    no fit."""
    from llmvis_desktop.core.suggest.learned import TrainReport
    from llmvis_desktop.qt.learned_holder import learned_result_text

    report = TrainReport(40, ("crack", "ok"), (), "r", 0.04, 40, reused=True)
    assert learned_result_text(report, 7) == (
        "Learned suggester: 2 labels from 40 reviewed images (the saved fit reused); 7 new suggestions")
