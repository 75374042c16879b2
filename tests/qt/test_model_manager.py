"""ModelManagerDialog over fake model folders (config + a safetensors header): no torch needed."""
from __future__ import annotations

import json
import shutil
import struct
from contextlib import contextmanager
from pathlib import Path

import pytest

from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog


def _fake_model(folder: Path, model_type: str, arch: str, weights: str = "safetensors", extra: dict = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": model_type, "architectures": [arch], **(extra or {})}))
    # a tokenizer and image processor settings: a folder a job can load (without them it is
    # listed refused for lacking them, as the load refuses it)
    (folder / "vocab.json").write_text("{}")
    (folder / "preprocessor_config.json").write_text("{}")
    if weights == "safetensors":
        header = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}).encode()
        (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 64)
    elif weights == "bin":
        (folder / "pytorch_model.bin").write_bytes(b"\0" * 64)
    return folder


@contextmanager
def shown_dialog(qtbot, tmp_path, models: Path, height: int = 480):
    """The dialog over the model folder ``models`` for a new project, shown at 1024 x ``height``."""
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.resize(1024, height)
        dlg.show()
        yield dlg


@pytest.fixture
def setup(tmp_path):
    models = tmp_path / "models"
    _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "clip-x", "clip", "CLIPModel")
    _fake_model(models / "old-blip", "blip", "BlipForConditionalGeneration", weights="bin")
    _fake_model(models / "bert", "bert", "BertModel")
    images = tmp_path / "images"
    images.mkdir()
    project = Project.open(images)
    yield project, models
    project.close()


def test_lists_models_and_saves_choices(qtbot, setup, tmp_path):
    project, models = setup
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    names = [i.name for i in dlg.infos]
    assert names == ["bert", "blip-x", "clip-x", "old-blip"]
    assert dlg.table.rowCount() == 4 and dlg.table.item(0, 4).text() == "refused"
    assert dlg.table.item(1, 4).text() == "yes" and dlg.table.item(1, 1).text() == "blip"

    assert dlg.select_path(str(models / "blip-x"))
    assert dlg.caption_btn.isEnabled() and not dlg.label_btn.isEnabled()
    with qtbot.waitSignal(dlg.modelChosen) as sig:
        dlg.caption_btn.click()
    assert sig.args == ["captioner", str(models / "blip-x")]
    assert project.settings()["captioner"] == str(models / "blip-x")

    dlg.select_path(str(models / "clip-x"))
    assert dlg.use_as("labeler") and project.settings()["labeler"] == str(models / "clip-x")
    assert not dlg.use_as("captioner") and "not a captioner" in dlg.status_text()


def test_pickle_model_needs_the_per_model_opt_in(qtbot, setup, tmp_path):
    project, models = setup
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    path = str(models / "old-blip")
    dlg.select_path(path)
    assert dlg.bin_box.isEnabled() and not dlg.code_box.isEnabled()
    assert not dlg.use_as("captioner") and "pickle .bin" in dlg.status_text()
    dlg.bin_box.setChecked(True)
    assert project.settings()["model_optins"] == {path: ["bin"]}
    assert dlg.use_as("captioner") and project.settings()["captioner"] == path
    dlg.bin_box.setChecked(False)
    assert project.settings()["model_optins"] == {}


def test_empty_state_says_how_to_add_a_model(qtbot, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(tmp_path / "none")], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        assert dlg.table.rowCount() == 0 and "config.json" in dlg.empty_label.text()
        dlg.grab().save(str(tmp_path / "models.png"))


def _row(dlg, path) -> list[str]:
    r = [i.path for i in dlg.infos].index(str(path))
    return [dlg.table.item(r, c).text() for c in range(dlg.table.columnCount())]


def test_fits_and_problem_columns_count_the_saved_opt_ins(qtbot, setup, tmp_path):
    project, models = setup
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    path = models / "old-blip"
    row = _row(dlg, path)
    assert row[4] == "refused" and "pickle .bin" in row[6]
    dlg.select_path(str(path))
    dlg.bin_box.setChecked(True)
    row = _row(dlg, path)
    assert row[4] == "yes" and row[6] == ""  # at once, without a rescan
    assert dlg._selected().path == str(path)  # the row was refilled, still selected
    assert dlg.use_as("captioner")
    dlg.rescan()
    assert _row(dlg, path)[4] == "yes" and _row(dlg, path)[6] == ""
    assert dlg.bin_box.isChecked()

    again = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(again)
    assert _row(again, path)[4] == "yes" and _row(again, path)[6] == ""
    # the opt-in only lifts the .bin refusal: an unknown architecture stays refused
    assert _row(again, models / "bert")[4] == "refused"

    dlg.bin_box.setChecked(False)
    row = _row(dlg, path)
    assert row[4] == "refused" and "pickle .bin" in row[6]


def test_rescan_deselects_a_model_that_is_gone(qtbot, setup, tmp_path):
    import shutil

    project, models = setup
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    # a model that is still there stays selected, though its row number changes
    dlg.select_path(str(models / "clip-x"))
    shutil.rmtree(models / "bert")
    dlg.rescan_btn.click()
    assert dlg._selected().path == str(models / "clip-x") and dlg.label_btn.isEnabled()

    dlg.select_path(str(models / "blip-x"))  # row 0 now; clip-x takes its row after the rescan
    shutil.rmtree(models / "blip-x")
    dlg.rescan_btn.click()
    assert [i.name for i in dlg.infos] == ["clip-x", "old-blip"]
    assert dlg._selected() is None and dlg.table.selectedIndexes() == []
    assert not dlg.caption_btn.isEnabled() and not dlg.label_btn.isEnabled()
    assert "blip-x is no longer listed" in dlg.status_text()
    assert not dlg.use_as("labeler") and "labeler" not in project.settings()
    assert not dlg.use_as("captioner") and "captioner" not in project.settings()


def test_use_as_looks_at_the_folder_again(qtbot, setup, tmp_path):
    import shutil

    project, models = setup
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    dlg.select_path(str(models / "blip-x"))
    shutil.rmtree(models / "blip-x")  # deleted behind the dialog's back
    with qtbot.assertNotEmitted(dlg.modelChosen):
        assert not dlg.use_as("captioner")
    assert "no longer there" in dlg.status_text() and str(models / "blip-x") in dlg.status_text()
    assert "captioner" not in project.settings()

    dlg.select_path(str(models / "clip-x"))
    (models / "clip-x" / "model.safetensors").unlink()  # now refused: no weights
    assert not dlg.use_as("labeler") and "no weights" in dlg.status_text()
    assert "labeler" not in project.settings()
    assert _row(dlg, models / "clip-x")[4] == "refused"  # the row shows it too
    assert "no weights" in dlg._selected().problem  # and the dialog's ModelInfo is the fresh one


def test_use_as_keeps_the_hf_cache_model_id(qtbot, tmp_path):
    cache = tmp_path / "hub"
    snap = cache / "models--acme--tiny-blip" / "snapshots" / "abc123"
    _fake_model(snap, "blip", "BlipForConditionalGeneration")
    (cache / "models--acme--tiny-blip" / "refs").mkdir()
    (cache / "models--acme--tiny-blip" / "refs" / "main").write_text("abc123")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [], device="cpu", hf_cache=cache)
        qtbot.addWidget(dlg)
        assert [i.name for i in dlg.infos] == ["acme/tiny-blip"]
        assert dlg.select_path(str(snap)) and dlg.use_as("captioner")
        assert project.settings()["captioner"] == "acme/tiny-blip"  # not the snapshot: see below
        assert dlg.infos[0].model_id == "acme/tiny-blip" and dlg.infos[0].source == "hf-cache"
        assert dlg.table.item(0, 0).text() == "acme/tiny-blip"


def test_a_very_long_model_name_is_elided(qtbot, setup, tmp_path):
    project, models = setup
    long_name = "clip-" + "very-long-model-name-" * 9 + "end"
    assert len(long_name) > 190
    _fake_model(models / long_name, "clip", "CLIPModel")
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    assert dlg.select_path(str(models / long_name)) and dlg.use_as("labeler")
    dlg.resize(1000, 500)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert 0 < dlg.table.columnWidth(0) <= 400  # capped; the name elided
    r = [i.name for i in dlg.infos].index(long_name)
    assert dlg.table.item(r, 0).text() == long_name and long_name in dlg.table.item(r, 0).toolTip()
    # every column but Problem fits beside it
    assert sum(dlg.table.columnWidth(c) for c in range(6)) < dlg.table.viewport().width()
    assert dlg.table.horizontalScrollBar().maximum() == 0
    # the captioner/labeler line wraps instead of widening the dialog
    assert long_name in dlg.current_label.text() and dlg.current_label.wordWrap()
    assert dlg.minimumSizeHint().width() < 1000
    dlg.grab().save(str(tmp_path / "long.png"))


def test_the_model_manager_reads_no_weight_file_whole(qtbot, tmp_path, monkeypatch):
    """A revision hashes every weight file (15 s the first time for a 15 GB model): the
    dialog lists without revisions, on the GUI thread; the job resolves one."""
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest import discovery
    from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog

    models = tmp_path / "models" / "m"
    models.mkdir(parents=True)
    (models / "config.json").write_text('{"model_type": "blip", "architectures": ["BlipForConditionalGeneration"]}')
    (models / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    hashed = []
    monkeypatch.setattr(discovery, "_sha256", lambda path, *a: hashed.append(path) or "0" * 64)
    (tmp_path / "imgs").mkdir()
    with Project.open(tmp_path / "imgs") as p:
        dlg = ModelManagerDialog(p, [str(tmp_path / "models")], "cpu")
        qtbot.addWidget(dlg)
        assert [i.name for i in dlg.infos] == ["m"] and dlg.infos[0].revision is None
        dlg.rescan()
        assert hashed == []
    assert discovery.resolve_model(str(models)).revision is not None and hashed


def test_no_model_folder_is_worded_plainly(qtbot, tmp_path):
    """It said "No models found in no model folder set (...)"."""
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        text = dlg.empty_label.text()
        assert "in no model folder" not in text
        assert text.startswith("No models found in the Hugging Face cache, and no model folder is set")


def test_the_model_in_use_is_selected_and_tab_leaves_the_table(qtbot, setup, tmp_path):
    project, models = setup
    project.set_setting("labeler", str(models / "clip-x"))
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    assert dlg._selected() is not None and dlg._selected().path == str(models / "clip-x")
    # already the labeler: its "Use as" says so (disabled); "Stop using labeler" is at hand
    assert not dlg.label_btn.isEnabled() and "already the project's labeler" in dlg.label_btn.toolTip()
    assert dlg.clear_lab_btn.isEnabled()
    assert not dlg.table.tabKeyNavigation()


def test_stop_using_a_captioner_or_labeler(qtbot, setup, tmp_path):
    """The manager had only "Use as ...": a captioner whose folder was gone could not be let go."""
    project, models = setup
    project.set_setting("captioner", str(tmp_path / "gone-blip"))
    project.set_setting("labeler", str(models / "clip-x"))
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    assert dlg.clear_cap_btn.isEnabled() and dlg.clear_lab_btn.isEnabled()
    with qtbot.waitSignal(dlg.modelChosen) as sig:
        dlg.clear_cap_btn.click()
    assert sig.args == ["captioner", ""]
    assert project.settings()["captioner"] is None and project.settings()["labeler"] == str(models / "clip-x")
    assert "no longer uses a captioner" in dlg.status_text() and "Captioner: (none)" in dlg.current_label.text()
    assert not dlg.clear_cap_btn.isEnabled() and not dlg.clear(("captioner"))
    assert dlg.clear("labeler") and project.settings()["labeler"] is None and not dlg.clear_lab_btn.isEnabled()


def test_run_suggestions_with_a_missing_captioner_still_runs_the_labeler(qtbot, window, image_folder, tmp_path,
                                                                         monkeypatch):
    """A captioner folder gone stopped the whole job before the labeler ran ("Model suggestions
    stopped: ...: no such model folder"); now the job runs, the missing one is that model's failure."""
    from qthelpers import open_and_index, set_setting

    from llmvis_desktop.core.suggest import batch

    models = tmp_path / "models"
    clip = _fake_model(models / "clip-x", "clip", "CLIPModel")
    seen = {}

    def fake_run(project, captioner, labeler, **kw):
        seen.update(captioner=captioner, labeler=labeler, dirs=kw.get("model_dirs"))
        return batch.SuggestReport(images=1, suggestions=1, device="cpu",
                                   model_failures={"caption": "the captioner did not run: gone"})

    monkeypatch.setattr(batch, "run_suggest", fake_run)
    monkeypatch.setattr(window, "show_error", lambda msg: seen.setdefault("error", msg))
    open_and_index(qtbot, window, image_folder)
    set_setting(window, "captioner", str(tmp_path / "gone-blip"))
    set_setting(window, "labeler", str(clip))
    with qtbot.waitSignal(window.suggest_ctl.models_done, timeout=20000) as done:
        window.suggest_ctl.run_models("all")
    assert isinstance(done.args[0], batch.SuggestReport), done.args[0]
    assert seen["captioner"] == str(tmp_path / "gone-blip") and seen["labeler"].path == str(clip)
    assert "the captioner did not run" in seen["error"]


def test_the_models_dialog_closes_with_its_project(qtbot, window, image_folder, tmp_path):
    """Left open across File ▸ Open, the manager wrote the choice into the previous project
    ("... is now the project's captioner", while the open one still had none)."""
    from qthelpers import make_images, open_and_index

    models = tmp_path / "models"
    blip = _fake_model(models / "blip-x", "blip", "BlipForConditionalGeneration")
    window.config.model_dirs = [str(models)]
    other = tmp_path / "other_images"
    make_images(other, 3)
    open_and_index(qtbot, window, image_folder)
    first = window.project
    window.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    dlg = window.suggest_ctl.model_dialog
    assert dlg is not None and dlg.project is first
    assert dlg.current_label.text().startswith(f"Project {image_folder.name}:")
    open_and_index(qtbot, window, other)
    import shiboken6

    assert window.suggest_ctl.model_dialog is None and not (shiboken6.isValid(dlg) and dlg.isVisible())
    window.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    dlg2 = window.suggest_ctl.model_dialog
    assert dlg2 is not dlg and dlg2.project is window.project and dlg2.isVisible()
    assert dlg2.current_label.text().startswith(f"Project {other.name}:")
    assert dlg2.select_path(str(blip))
    with qtbot.waitSignal(window.project_ctl.settings_reads.writer.finished, timeout=10000):  # (written off the GUI thread)
        assert dlg2.use_as("captioner")
    assert window.project.settings()["captioner"] == str(blip)
    with Project.open(image_folder) as a:
        assert a.settings().get("captioner") is None


def test_an_hf_cache_model_is_saved_by_its_id(qtbot, tmp_path):
    """A model picked from the HF cache was saved as its snapshot folder: once the model was
    updated (refs/main moved, the old snapshot cleaned) the project's choice named nothing."""
    from llmvis_desktop.core.suggest.batch import optins_for
    from llmvis_desktop.core.suggest.discovery import resolve_model

    cache = tmp_path / "hub"
    repo = cache / "models--acme--old-blip"
    _fake_model(repo / "snapshots" / "abc123", "blip", "BlipForConditionalGeneration", weights="bin")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [], device="cpu", hf_cache=cache)
        qtbot.addWidget(dlg)
        assert dlg.select_path("acme/old-blip")  # by id, as it is saved
        dlg.bin_box.setChecked(True)
        assert project.settings()["model_optins"] == {"acme/old-blip": ["bin"]}
        with qtbot.waitSignal(dlg.modelChosen) as sig:
            assert dlg.use_as("captioner")
        assert sig.args == ["captioner", "acme/old-blip"]
        assert project.settings()["captioner"] == "acme/old-blip"
        dlg.close()

        # the model is updated in the cache: a new snapshot, the old one cleaned
        shutil.rmtree(repo / "snapshots" / "abc123")
        new = _fake_model(repo / "snapshots" / "def456", "blip", "BlipForConditionalGeneration", weights="bin")
        (repo / "refs" / "main").write_text("def456")
        info = resolve_model(project.settings()["captioner"], [], hf_cache=cache)
        assert info.path == str(new) and optins_for(project, info) == (True, False)
        again = ModelManagerDialog(project, [], device="cpu", hf_cache=cache)
        qtbot.addWidget(again)
        assert again._selected() is not None and again._selected().path == str(new)  # the row in use
        assert again.bin_box.isChecked() and again.table.item(0, 4).text() == "yes"
        again.bin_box.setChecked(False)
        assert project.settings()["model_optins"] == {}


def test_old_settings_saved_by_snapshot_path_still_read(qtbot, tmp_path):
    cache = tmp_path / "hub"
    repo = cache / "models--acme--old-blip"
    snap = _fake_model(repo / "snapshots" / "abc123", "blip", "BlipForConditionalGeneration", weights="bin")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(images) as project:
        project.set_setting("captioner", str(snap))
        project.set_setting("model_optins", {str(snap): ["bin"]})
        dlg = ModelManagerDialog(project, [], device="cpu", hf_cache=cache)
        qtbot.addWidget(dlg)
        assert dlg._selected().path == str(snap) and dlg.bin_box.isChecked()
        dlg.bin_box.setChecked(False)
        assert project.settings()["model_optins"] == {}


def test_a_model_too_big_for_the_device_is_chosen_only_when_confirmed(qtbot, setup, tmp_path, monkeypatch):
    """A row saying "too big" was accepted as captioner without a word."""
    from PySide6.QtWidgets import QMessageBox

    from llmvis_desktop.qt.dialogs import model_manager

    project, models = setup
    monkeypatch.setattr(model_manager, "fits", lambda size, device, params=None: False)
    monkeypatch.setattr(model_manager, "free_memory", lambda device: 2 * 1024 ** 3, raising=False)
    asked = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: asked.append(text) or answer[0])
    dlg = ModelManagerDialog(project, [str(models)], device="cpu", hf_cache=tmp_path / "no-cache")
    qtbot.addWidget(dlg)
    path = str(models / "blip-x")
    assert dlg.select_path(path) and _row(dlg, path)[4] == "too big"
    assert not dlg.use_as("captioner")
    assert len(asked) == 1 and "too big for cpu" in asked[0] and "2.0 GB free" in asked[0]
    assert project.settings().get("captioner") is None and "was not chosen" in dlg.status_text()
    answer[0] = QMessageBox.StandardButton.Yes
    assert dlg.use_as("captioner") and project.settings()["captioner"] == path
    assert "Warning: it needs about" in dlg.status_text()
    monkeypatch.setattr(model_manager, "fits", lambda size, device, params=None: True)
    dlg.select_path(str(models / "clip-x"))
    assert dlg.use_as("labeler") and len(asked) == 2  # one that fits: not asked


class _FakeEngine:
    """Stands for a loaded model on the model thread (no torch)."""

    def __init__(self, info, device="auto", **opts):
        self.info, self.device, self.loaded, self.messages = info, "cpu", object(), []

    def unload(self):
        self.loaded = None


def test_models_no_longer_chosen_are_unloaded(qtbot, window, image_folder, tmp_path, monkeypatch):
    """Replacing or clearing the captioner, or closing the project, left every model loaded on
    the model thread until the app exited."""
    from qthelpers import open_and_index, set_setting

    from llmvis_desktop.core.suggest import engines
    from llmvis_desktop.core.suggest.discovery import inspect_folder
    from llmvis_desktop.core.suggest.worker import shared_worker

    monkeypatch.setattr(engines, "engine_class", lambda kind: _FakeEngine)
    models = tmp_path / "models"
    a = inspect_folder(_fake_model(models / "llava-a", "llava", "LlavaForConditionalGeneration"), revision=False)
    b = inspect_folder(_fake_model(models / "llava-b", "llava", "LlavaForConditionalGeneration"), revision=False)
    clip = inspect_folder(_fake_model(models / "clip-x", "clip", "CLIPModel"), revision=False)
    assert a.kind == "chat" and a.problem is None
    window.config.model_dirs = [str(models)]
    window.config.device = "cpu"  # the device jobs ask for: models loaded for another are not kept
    open_and_index(qtbot, window, image_folder)
    set_setting(window, "captioner", "llava-a")  # a name in the model folder, as it may be saved
    set_setting(window, "labeler", clip.path)
    worker = shared_worker()
    for info, role in ((a, "caption"), (a, "answer"), (b, "answer"), (clip, "label")):
        worker.engine(info, role, "cpu")

    def loaded():
        worker.call(lambda: None)  # what was queued before has run
        return sorted({p for p, _role, _dev in worker.loaded()})

    window.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: window.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    dlg = window.suggest_ctl.model_dialog
    assert dlg.select_path(b.path) and dlg.use_as("captioner")
    assert loaded() == sorted([b.path, clip.path])  # llava-a is no longer chosen
    assert dlg.clear("labeler") and loaded() == [b.path]
    worker.engine(clip, "label", "cpu")
    window.close_project()
    assert loaded() == []
