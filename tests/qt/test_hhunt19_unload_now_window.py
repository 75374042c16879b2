"""The Models dialog's "Unload now" frees the loaded models: a model stayed in memory
until the project stopped choosing it or was closed, and a team needing the GPU for
something else (training the repair model) had no way to free it. Not under a running
model job, which uses them (it says so). The real tiny BLIP on the session's model thread."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qthelpers import open_and_index, running_job, set_setting

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402


@pytest.fixture
def blip(tmp_path):
    return tiny_models.build_blip(tmp_path / "models" / "tiny-blip")


def _dialog(qtbot, win):
    sc = win.suggest_ctl
    sc.open_models()
    qtbot.waitUntil(lambda: getattr(sc, "model_dialog", None) is not None, timeout=10000)
    return sc.model_dialog


def test_unload_now_frees_the_loaded_models(qtbot, window, labelled_folder, blip, monkeypatch, shots_dir):
    from llmvis_desktop.core.suggest.discovery import inspect_folder
    from llmvis_desktop.core.suggest.worker import shared_worker

    win = window
    open_and_index(qtbot, win, labelled_folder)
    set_setting(win, "captioner", str(blip))
    worker = shared_worker()
    worker.engine(inspect_folder(blip), "caption", "cpu")
    dlg = _dialog(qtbot, win)
    btn = dlg.loaded_line.unload_btn
    assert "tiny-blip" in dlg.loaded_text() and btn.isVisible() and btn.isEnabled()
    dlg.grab().save(str(shots_dir / "hhunt19_unload_now.png"))

    job = running_job()  # a model job uses them: nothing unloaded, and it says why
    monkeypatch.setattr(win.suggest_ctl, "models_job", job)
    btn.click()
    assert "Nothing was unloaded" in dlg.status_text() and worker.loaded_models()
    monkeypatch.setattr(win.suggest_ctl, "models_job", None)

    btn.click()
    assert "Unloaded from memory: tiny-blip" in dlg.status_text()
    worker.call(lambda: None)  # (the unload was queued to the model thread)
    assert worker.loaded_models() == ()
    dlg.show_loaded()
    assert dlg.loaded_text().startswith("Loaded now: none") and not btn.isEnabled()
    assert win.project.settings().get("captioner") == str(blip)  # still the project's captioner
