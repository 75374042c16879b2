"""A model the project would refuse (pickle .bin weights not opted in; its own code,
trust_remote_code, not opted in), selected in the Models dialog: "Use as captioner" /
"Use as labeler" are disabled, the reason in their tooltip and in the status line;
ticking the opt-in enables them at once, unticking (or a tick the database refused)
disables them again (/tmp/hunt-hmodelset/new-refused-tick.png: they looked enabled, and
a click was refused with the reason)."""
from __future__ import annotations

import json

from test_model_manager import _fake_model
from test_hmodelset_model_writes_off_thread import _lock

from qthelpers import open_and_index

from llmvis_desktop.core.store import engine as store_engine


def _open(qtbot, window, tmp_path):
    models = tmp_path / "models"
    blip = _fake_model(models / "blip-bin", "blip", "BlipForConditionalGeneration", weights="bin")
    coded = _fake_model(models / "blip-code", "blip", "BlipForConditionalGeneration")
    cfg = json.loads((coded / "config.json").read_text())
    cfg["auto_map"] = {"AutoModelForVision2Seq": "modeling_mine.Mine"}
    (coded / "config.json").write_text(json.dumps(cfg))
    clip = _fake_model(models / "clip-x", "clip", "CLIPModel")
    window.config.model_dirs = [str(models)]
    window.config.device = "cpu"
    window.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)
    return window.suggest_ctl.model_dialog, str(blip), str(coded), str(clip)


def _writer(window):
    return window.project_ctl.settings_reads.writer


def test_refused_model_buttons_are_disabled_with_the_reason(qtbot, window, image_folder, tmp_path):
    open_and_index(qtbot, window, image_folder)
    dlg, blip, coded, clip = _open(qtbot, window, tmp_path)
    writer = _writer(window)

    assert dlg.select_path(blip)
    btn = dlg.caption_btn
    assert not btn.isEnabled(), "a refused model's Use as captioner looks usable"
    assert "pickle .bin" in btn.toolTip() and "pickle .bin" in dlg.status_text()
    assert not dlg.label_btn.isEnabled() and "not a labeler" in dlg.label_btn.toolTip()
    with qtbot.waitSignal(writer.finished, timeout=10000):
        dlg.bin_box.setChecked(True)  # enabled at once, and still once stored
        assert btn.isEnabled() and btn.toolTip() == ""
    assert btn.isEnabled() and btn.toolTip() == ""
    with qtbot.waitSignal(writer.finished, timeout=10000):
        dlg.bin_box.setChecked(False)
    assert not btn.isEnabled() and "pickle .bin" in btn.toolTip()
    assert "pickle .bin" in dlg.status_text(), dlg.status_text()

    assert dlg.select_path(coded)
    assert not btn.isEnabled() and "trust_remote_code" in btn.toolTip()
    assert "trust_remote_code" in dlg.status_text()
    with qtbot.waitSignal(writer.finished, timeout=10000):
        dlg.code_box.setChecked(True)
    assert btn.isEnabled()
    with qtbot.waitSignal(writer.finished, timeout=10000):
        btn.click()
    assert "blip-code is now the project's captioner" in dlg.status_text()

    assert dlg.select_path(clip)  # usable: enabled, no tooltip, no problem said
    assert dlg.label_btn.isEnabled() and dlg.label_btn.toolTip() == ""
    assert not dlg.caption_btn.isEnabled() and "not a captioner" in dlg.caption_btn.toolTip()


def test_a_refused_tick_disables_them_again(qtbot, window, image_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(store_engine, "INTERACTIVE_WAIT_MS", 200)
    project = open_and_index(qtbot, window, image_folder)
    dlg, blip, coded, clip = _open(qtbot, window, tmp_path)
    writer = _writer(window)
    assert dlg.select_path(blip)
    lock = _lock(project)
    try:
        with qtbot.waitSignal(writer.finished, timeout=10000):
            dlg.bin_box.setChecked(True)
            assert dlg.caption_btn.isEnabled()  # shown at once
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert not dlg.bin_box.isChecked()
    assert not dlg.caption_btn.isEnabled() and "pickle .bin" in dlg.caption_btn.toolTip()
    assert "was not saved" in dlg.status_text()
