"""Suggestions ▸ Caption prompt and label template…: the window had no way to set either, so
its model jobs always used the defaults (a team could not keep "describe the defect:" for
everyone, and a window run after `llmvis suggest --template X` replaced that template's
pending cards with default-template ones). Now the dialog saves the project's own, the
window's jobs use them (the suggestion rows record them, the Jobs panel line names them),
and a template without {label} is refused in the dialog, naming it. The real tiny BLIP and
CLIP on the session's model thread."""
from __future__ import annotations

import sys
from pathlib import Path

from qthelpers import open_and_index, set_setting

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402


def _stored(project):
    from llmvis_desktop.core.project import Project

    with Project.open(project.root, project.db_url) as other:
        s = other.settings()
    return s.get("caption_prompt"), s.get("label_template")


def _prompts_of(project, kind):
    from sqlalchemy import select

    from llmvis_desktop.core.store import models as m

    with project.store.read() as s:
        return set(s.scalars(select(m.Suggestion.prompt).where(m.Suggestion.kind == kind)))


def test_prompts_set_in_the_dialog_make_the_windows_cards(qtbot, window, labelled_folder, tmp_path, shots_dir):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    blip = tiny_models.build_blip(tmp_path / "models" / "tiny-blip")
    clip = tiny_models.build_clip(tmp_path / "models" / "tiny-clip")
    set_setting(win, "captioner", str(blip))
    set_setting(win, "labeler", str(clip))
    win.suggest_ctl.update_actions()
    assert win.act_prompts.isEnabled()

    win.act_prompts.trigger()
    dlg = win.prompt_dialog
    assert dlg.isVisible() and dlg.prompt_edit.text() == "" and dlg.template_edit.text() == ""
    dlg.prompt_edit.setText("describe the defect:")
    dlg.template_edit.setText("a photo of a defect")
    dlg.save_button.click()  # no {label}: refused, named, nothing saved, still open
    assert dlg.isVisible() and dlg.error_label.isVisible()
    assert "'a photo of a defect'" in dlg.error_label.text() and "{label}" in dlg.error_label.text()
    dlg.grab().save(str(shots_dir / "prompt_dialog_refused.png"))
    assert _stored(project) == (None, None)

    dlg.template_edit.setText("a weld with a {label}")
    dlg.grab().save(str(shots_dir / "prompt_dialog.png"))
    dlg.save_button.click()
    assert not dlg.isVisible()
    qtbot.waitUntil(lambda: _stored(project) == ("describe the defect:", "a weld with a {label}"), timeout=10000)

    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=120000) as done:
        win.suggest_ctl.run_models("unsuggested")
    assert not isinstance(done.args[0], BaseException), done.args
    name = win.suggest_ctl.models_job.name
    assert "caption prompt \u201cdescribe the defect:\u201d" in name and "a weld with a {label}" in name
    assert _prompts_of(project, "caption") == {"describe the defect:"}
    assert _prompts_of(project, "label") == {"a weld with a {label}"}

    win.act_prompts.trigger()  # opens at the project's values; Reset goes back to the default
    dlg = win.prompt_dialog
    assert (dlg.prompt_edit.text(), dlg.template_edit.text()) == ("describe the defect:", "a weld with a {label}")
    resets = [b for b in dlg.findChildren(type(dlg.save_button)) if b.text() == "Reset"]
    resets[0].click()
    dlg.save_button.click()
    qtbot.waitUntil(lambda: _stored(project) == (None, "a weld with a {label}"), timeout=10000)
