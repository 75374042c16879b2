"""File ▸ Open keeps the loaded models the next project also chooses (same folder, same
revision, same device, same opt-ins) and unloads the others: it unloaded every model, so
a team switching between two projects with one captioner loaded it again each time.
Real tiny models (tests/core/tiny_models.py), the window's own suggestion jobs; loads
are counted at Engine.load, the one way weights are read."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import tiny_models  # noqa: E402

from qthelpers import open_and_index, set_setting  # noqa: E402

from llmvis_desktop.core.suggest import batch, engines  # noqa: E402
from llmvis_desktop.core.suggest.batch import OPTINS_SETTING  # noqa: E402
from llmvis_desktop.core.suggest.worker import shared_worker  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from safetensors.torch import load_file

    base = tmp_path_factory.mktemp("models")
    tiny_models.build_blip(base / "tiny-blip")
    tiny_models.build_clip(base / "tiny-clip")
    pickled = tiny_models.build_blip(base / "tiny-blip-bin")
    torch.save(load_file(str(pickled / "model.safetensors")), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    return base


@pytest.fixture
def setup(window, models, tmp_path, monkeypatch):
    """The window on CPU with the model folder; loads counted; reading in threads (no
    reader processes on a test machine)."""
    loads = []
    real = engines.Engine.load

    def counting(self):
        loads.append(Path(self.info.path).name)
        return real(self)

    monkeypatch.setattr(engines.Engine, "load", counting)
    monkeypatch.setattr(batch, "auto_processes", lambda: 0)
    window.config.model_dirs = [str(models)]
    window.config.device = "cpu"
    folders = {name: tiny_models.image_folder(tmp_path / name, 4) for name in ("a", "b")}
    return loads, folders


def _open(qtbot, win, folder, captioner=None, labeler=None, optins=None):
    """File ▸ Open of a project whose choices were saved before (as a team's are)."""
    from llmvis_desktop.core.project import Project

    with Project.open(folder) as project:
        for name in ("scratch", "ok"):
            if name not in [d.name for d in project.labels()]:
                project.add_label(name)
        project.set_setting("captioner", captioner)
        project.set_setting("labeler", labeler)
        project.set_setting(OPTINS_SETTING, optins or {})
    return open_and_index(qtbot, win, folder)


def _run(qtbot, win):
    with qtbot.waitSignal(win.suggest_ctl.models_done, timeout=60000) as done:
        win.suggest_ctl.run_models("all")
    qtbot.waitUntil(lambda: not win.suggest_ctl.models_job.is_active, timeout=10000)
    return done.args[0]


def _loaded():
    worker = shared_worker()
    worker.call(lambda: None)  # what the switch queued has run
    return sorted((Path(info.path).name, role) for info, role, _dev, _dtype in worker.loaded_models())


def test_switching_projects_keeps_the_captioner_both_choose(qtbot, window, setup):
    loads, folders = setup
    win = window
    _open(qtbot, win, folders["a"], "tiny-blip", "tiny-clip")
    report = _run(qtbot, win)
    assert report.suggestions > 0 and not report.model_failures, report
    assert sorted(loads) == ["tiny-blip", "tiny-clip"]
    assert _loaded() == [("tiny-blip", "caption"), ("tiny-clip", "label")]

    b = _open(qtbot, win, folders["b"], "tiny-blip")  # the same captioner, no labeler
    assert _loaded() == [("tiny-blip", "caption")]  # the labeler B does not use: unloaded
    win.suggest_ctl.open_models()  # the Models dialog says which are loaded
    qtbot.waitUntil(lambda: win.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    text = win.suggest_ctl.model_dialog.loaded_text()
    assert "tiny-blip (captioner; cpu, float32)" in text and "tiny-clip" not in text, text
    report = _run(qtbot, win)
    assert report.suggestions > 0 and sorted(loads) == ["tiny-blip", "tiny-clip"]  # not loaded again
    assert {s.kind for s in tiny_models.all_suggestions(b)} == {"caption"}

    _open(qtbot, win, folders["a"], "tiny-blip", "tiny-clip")
    assert _loaded() == [("tiny-blip", "caption")]
    _run(qtbot, win)
    assert sorted(loads) == ["tiny-blip", "tiny-clip", "tiny-clip"]  # only the labeler loaded again
    win.close_project()  # no project: nothing stays loaded
    assert _loaded() == []


def test_a_model_loaded_with_a_projects_opt_in_is_not_kept_for_one_without_it(qtbot, window, setup, models):
    loads, folders = setup
    win = window
    errors = []
    win.show_error = errors.append
    pickled = str(models / "tiny-blip-bin")
    _open(qtbot, win, folders["a"], pickled, optins={pickled: ["bin"]})
    report = _run(qtbot, win)
    assert report.suggestions > 0 and loads == ["tiny-blip-bin"]

    # B chooses the same model without opting in: unloaded at the switch, and refused
    b = _open(qtbot, win, folders["b"], pickled)
    assert _loaded() == []
    failed = _run(qtbot, win)
    assert isinstance(failed, Exception) and "pickle" in str(failed)
    assert errors and "pickle" in errors[-1] and loads == ["tiny-blip-bin"]
    assert tiny_models.all_suggestions(b) == []

    # B opts in for itself: loaded (with B's opt-in), and kept when A, opted in too, opens
    win.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: win.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    dlg = win.suggest_ctl.model_dialog
    assert dlg.loaded_text().startswith("Loaded now: none")
    set_setting(win, OPTINS_SETTING, {pickled: ["bin"]})  # (as its dialog saves it)
    assert _run(qtbot, win).suggestions > 0 and loads == ["tiny-blip-bin"] * 2
    qtbot.waitUntil(lambda: "tiny-blip-bin (captioner" in dlg.loaded_text(), timeout=5000)  # while shown
    _open(qtbot, win, folders["a"], pickled, optins={pickled: ["bin"]})
    assert _loaded() == [("tiny-blip-bin", "caption")]
    _run(qtbot, win)
    assert loads == ["tiny-blip-bin"] * 2


def test_an_open_that_fails_after_the_close_unloads_every_model(qtbot, window, setup, monkeypatch):
    """The previous project closed, the next one refused: no project, so no model stays."""
    from llmvis_desktop.core.suggest.discovery import resolve_model
    from llmvis_desktop.qt import project_controller as pc

    loads, folders = setup
    _open(qtbot, window, folders["a"], "tiny-blip")
    shared_worker().engine(resolve_model("tiny-blip", window.config.model_dirs), "caption", "cpu")
    assert _loaded() == [("tiny-blip", "caption")]

    def refuse(*args, **kwargs):
        raise pc.ProjectError("cannot open this database")

    monkeypatch.setattr(pc.Project, "open", refuse)
    errors = []
    window.show_error = errors.append
    assert window.open_project(folders["b"])  # started; refused on the opener's thread
    qtbot.waitUntil(lambda: not window.project_ctl.opening(), timeout=10000)
    assert window.project is None and errors and _loaded() == []
