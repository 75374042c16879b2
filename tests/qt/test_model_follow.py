"""The Models dialog and the Ask box follow the project's saved choices as jobs read them:
a chat model opted in by its Hugging Face cache id may answer questions, a captioner saved
as a folder name (or an org/name) shows selected when the dialog opens, and unticking an
opt-in unloads the model loaded with it. Fake model folders (config + weights file): no
torch needed."""
from __future__ import annotations

import json
import struct
from pathlib import Path

from qthelpers import open_and_index, set_setting

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.batch import OPTINS_SETTING
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog


def _fake_model(folder: Path, model_type: str, arch: str, weights: str = "safetensors") -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": model_type, "architectures": [arch]}))
    # a tokenizer and image processor settings: a folder a job can load (without them it is
    # listed refused for lacking them, as the load refuses it)
    (folder / "vocab.json").write_text("{}")
    (folder / "preprocessor_config.json").write_text("{}")
    if weights == "safetensors":
        header = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}).encode()
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 64)
    else:
        (folder / "pytorch_model.bin").write_bytes(b"\0" * 64)
    return folder


def _cached(cache: Path, model_id: str, model_type: str, arch: str, weights: str) -> Path:
    """A model in the Hugging Face cache layout (snapshots/<rev>/, refs/main)."""
    repo = cache / ("models--" + model_id.replace("/", "--"))
    snap = _fake_model(repo / "snapshots" / "abc123", model_type, arch, weights)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    return snap


def test_ask_takes_a_chat_model_opted_in_by_its_hf_cache_id(qtbot, window, image_folder, tmp_path, monkeypatch):
    """The Models dialog saves an HF-cache model's opt-in under its id, and suggestion jobs
    read it so; the Ask box read opt-ins by folder path only and refused the model."""
    from llmvis_desktop.core.suggest.batch import optins_for
    from llmvis_desktop.core.suggest.discovery import resolve_model

    cache = tmp_path / "hub"
    _cached(cache, "acme/tiny-llava", "llava", "LlavaForConditionalGeneration", "bin")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    open_and_index(qtbot, window, image_folder)
    set_setting(window, OPTINS_SETTING, {"acme/tiny-llava": ["bin"]})  # as the dialog saves it
    set_setting(window, "captioner", "acme/tiny-llava")
    info = resolve_model("acme/tiny-llava")
    assert info.source == "hf-cache" and optins_for(window.project, info) == (True, False)  # jobs: opted in

    asker = window.suggest_ctl.asker
    asker.refresh()
    ask = window.panel_ctl.suggestions.ask_edit
    qtbot.waitUntil(lambda: asker.chat_model is not None or "refused" in ask.toolTip(), timeout=10000)
    assert ask.isEnabled() and asker.chat_model.model_id == "acme/tiny-llava", ask.toolTip()

    set_setting(window, OPTINS_SETTING, {})  # no opt-in: refused, saying why
    asker.refresh()
    qtbot.waitUntil(lambda: "refused" in ask.toolTip(), timeout=10000)
    assert not ask.isEnabled() and "pickle .bin" in ask.toolTip()


def test_the_dialog_opens_with_the_model_saved_as_a_folder_name_selected(qtbot, tmp_path):
    """A captioner saved as a folder name in a model folder ("tiny-blip", as `llmvis suggest
    --captioner` takes it) or an org/name below one was not selected when the dialog opened,
    so its buttons and opt-ins started disabled."""
    models = tmp_path / "models"
    _fake_model(models / "clip-x", "clip", "CLIPModel")
    _fake_model(models / "tiny-blip", "blip", "BlipForConditionalGeneration", weights="bin")
    _fake_model(models / "acme" / "tiny-clip", "clip", "CLIPModel")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        project.set_setting("captioner", "tiny-blip")
        project.set_setting(OPTINS_SETTING, {str(models / "tiny-blip"): ["bin"]})
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.show()
        assert dlg._selected() is not None and dlg._selected().path == str(models / "tiny-blip")
        assert dlg.bin_box.isEnabled() and dlg.bin_box.isChecked()
        # (already the captioner: its button says so instead of being enabled)
        assert not dlg.caption_btn.isEnabled() and "already" in dlg.caption_btn.toolTip()
        dlg.grab().save(str(tmp_path / "models-by-name.png"))

        project.set_setting("captioner", None)
        project.set_setting("labeler", "acme/tiny-clip")  # an org/name below a model folder
        again = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(again)
        assert again._selected() is not None and again._selected().path == str(models / "acme" / "tiny-clip")
        assert not again.label_btn.isEnabled() and "already" in again.label_btn.toolTip()
        assert not again.caption_btn.isEnabled()


class _OptInEngine:
    """Stands for a loaded model on the model thread, with the opt-ins it was loaded with."""

    def __init__(self, info, device="auto", **opts):
        self.info, self.device, self.loaded, self.messages = info, "cpu", object(), []
        self.allow_bin = bool(opts.get("allow_bin"))
        self.allow_remote_code = bool(opts.get("allow_remote_code"))

    def unload(self):
        self.loaded = None


def test_unticking_an_opt_in_unloads_the_model_loaded_with_it(qtbot, window, image_folder, tmp_path, monkeypatch):
    """Unticking left the model loaded (only unusable: the next job refused it) until the
    project closed; now it is unloaded at once, and the dialog says so."""
    from llmvis_desktop.core.suggest import engines
    from llmvis_desktop.core.suggest.discovery import inspect_folder
    from llmvis_desktop.core.suggest.worker import shared_worker

    monkeypatch.setattr(engines, "engine_class", lambda kind: _OptInEngine)
    models = tmp_path / "models"
    pickled = inspect_folder(_fake_model(models / "old-blip", "blip", "BlipForConditionalGeneration", "bin"),
                             revision=False)
    clip = inspect_folder(_fake_model(models / "clip-x", "clip", "CLIPModel"), revision=False)
    window.config.model_dirs = [str(models)]
    window.config.device = "cpu"
    open_and_index(qtbot, window, image_folder)
    set_setting(window, "captioner", pickled.path)
    set_setting(window, "labeler", clip.path)
    set_setting(window, OPTINS_SETTING, {pickled.path: ["bin"]})
    worker = shared_worker()
    worker.engine(pickled, "caption", "cpu", allow_bin=True)
    worker.engine(clip, "label", "cpu")

    def loaded():
        worker.call(lambda: None)  # what was queued before has run
        return sorted(Path(info.path).name for info, _role, _dev, _dtype in worker.loaded_models())

    assert loaded() == ["clip-x", "old-blip"]
    window.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    dlg = window.suggest_ctl.model_dialog
    assert dlg.select_path(pickled.path) and dlg.bin_box.isChecked()
    with qtbot.waitSignal(window.project_ctl.settings_reads.writer.finished, timeout=10000):  # (written off the GUI thread)
        dlg.bin_box.setChecked(False)
    assert window.project.settings()[OPTINS_SETTING] == {}
    assert loaded() == ["clip-x"]  # the other model stays
    assert "no longer opted in" in dlg.status_text() and "unloaded" in dlg.status_text(), dlg.status_text()
    qtbot.waitUntil(lambda: "old-blip" not in dlg.loaded_text(), timeout=5000)
    dlg.grab().save(str(tmp_path / "models-unticked.png"))

    # ticked again: nothing to unload, and nothing said of it
    dlg.bin_box.setChecked(True)
    assert loaded() == ["clip-x"] and "unloaded" not in dlg.status_text()

    # unticked while a model job runs: unloaded once it is done (it started with the opt-in)
    from PySide6.QtCore import QObject, Signal

    class _Signals(QObject):
        finished = Signal()

    class _Job:
        is_active = True
        signals = _Signals()

    worker.engine(pickled, "caption", "cpu", allow_bin=True)
    assert loaded() == ["clip-x", "old-blip"]
    job = window.suggest_ctl.models_job = _Job()
    dlg.bin_box.setChecked(False)
    assert loaded() == ["clip-x", "old-blip"] and "once the running model job is done" in dlg.status_text()
    job.is_active = False
    job.signals.finished.emit()
    assert loaded() == ["clip-x"]
    window.suggest_ctl.models_job = None
