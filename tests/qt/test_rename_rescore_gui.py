"""The window's Suggestions ▸ Run ▸ Images not yet suggested after a label was renamed in
the window: it skipped every image (the job counted the cards of the old name's text as
done), and the Suggestions panel kept showing the score made for the old text under the
new name. It now scores every image again; run once more, with nothing changed, it skips
them all."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from qthelpers import open_and_index, set_setting

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402


def _run_unsuggested(qtbot, win):
    win.suggest_menu.aboutToShow.emit()
    assert win.act_run_unsuggested.isEnabled()
    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=120000) as b:
        win.act_run_unsuggested.trigger()
    return b.args[0]


def _cards(project, image_id):
    return {s.value: s.score for s in project.suggestions(image_id, pending_only=True) if s.kind == "label"}


def test_images_not_yet_suggested_after_a_rename_in_the_window_are_all_of_them(qtbot, window, tmp_path):
    folder = tiny_models.image_folder(tmp_path / "imgs", 4)
    clip = tiny_models.build_clip(tmp_path / "clip")
    win = window
    project = open_and_index(qtbot, win, folder)
    for name in ("scrtch", "dent", "ok"):
        project.add_label(name)
    win.panel_ctl.reload_labels()
    set_setting(win, "labeler", str(clip))
    first = _run_unsuggested(qtbot, win)
    assert first.images == 4, first
    before = {i: _cards(project, i) for i in project.image_ids()}

    labels = win.panel_ctl.labels
    labels.renameRequested.emit("scrtch", "scratch on metal")  # the chip's Rename…, saved off the GUI thread
    qtbot.waitUntil(lambda: labels.chip("scratch on metal") is not None, timeout=10000)
    again = _run_unsuggested(qtbot, win)
    assert again.images == 4 and again.skipped == 0, again  # it skipped all 4
    after = {i: _cards(project, i) for i in project.image_ids()}
    assert after != {i: {("scratch on metal" if k == "scrtch" else k): v for k, v in c.items()}
                     for i, c in before.items()}  # the new text's scores, not the old ones renamed
    assert _run_unsuggested(qtbot, win).images == 0  # nothing changed since: nothing to do
    win.suggest_menu.aboutToShow.emit()
    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=120000):
        win.act_run_all.trigger()  # every image scored afresh: the same cards
    assert {i: _cards(project, i) for i in project.image_ids()} == after
    shots = os.environ.get("LLMVIS_SHOTS")
    if shots:
        win.grab().save(str(Path(shots) / "rename_rescore.png"))
