"""The Models dialog chooses what the learned suggester learns from (issue #4): a local
CLIP/SigLIP model's image embeddings, or the handcrafted features. The window read the
project's ``learned_encoder`` setting but offered no way to choose it; the encoder's
fall-back to the CPU went to the log only; a CLIP folder that failed to load gave
transformers' bare RuntimeError, naming no folder."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from qthelpers import open_and_index

from llmvis_desktop.core import user_settings as us
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.features import ClipFeatures, HandcraftedFeatures
from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import defectgen  # noqa: E402
import tiny_models  # noqa: E402

KINDS = ("ok", "scratch")


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """A model folder with a tiny random CLIP and BLIP (built once for the module)."""
    base = tmp_path_factory.mktemp("hlenc_models")
    tiny_models.build_clip(base / "tiny-clip")
    tiny_models.build_blip(base / "tiny-blip")
    return base


def _reviewed_folder(tmp_path) -> Path:
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, 6, size=48, kinds=KINDS)
    with Project.open(folder) as p:
        p.scan()
        for k in KINDS:
            p.add_label(k)
        assert defectgen.review_first(p, rows, 5, actor="alice") == 10
    return folder


def _stored(project):
    with Project.open(project.root) as p:  # (a connection of its own: what the writer committed)
        return p.settings().get("learned_encoder")


def _run_learned(qtbot, sc):
    with qtbot.waitSignal(sc.learned_done, timeout=120000) as done:
        sc.run_learned()
    qtbot.waitUntil(lambda: not sc.learned_job.is_active, timeout=20000)  # (the next run waits for its end)
    return done.args[0]


def _models_dialog(qtbot, win) -> ModelManagerDialog:
    win.suggest_ctl.open_models()
    qtbot.waitUntil(lambda: win.suggest_ctl.model_dialog is not None, timeout=20000)
    return win.suggest_ctl.model_dialog


def test_choosing_clip_then_handcrafted_in_the_models_dialog(qtbot, window, tmp_path, models, shots_dir):
    win, sc = window, window.suggest_ctl
    win.config.model_dirs = [str(models)]
    open_and_index(qtbot, win, _reviewed_folder(tmp_path))
    sc.learned_ready = True
    first = _run_learned(qtbot, sc)
    assert not isinstance(first, BaseException), first
    assert isinstance(sc.learned.extractor, HandcraftedFeatures)  # built: the next choice must drop it

    dlg = _models_dialog(qtbot, win)
    enc = dlg.encoder
    assert enc.label.text() == "Learned suggester features: handcrafted (colour, texture, gradients)"
    assert not enc.clear_btn.isEnabled()
    assert dlg.select_path(str(models / "tiny-blip"))  # a captioner has no embeddings to give
    assert not enc.use_btn.isEnabled() and "CLIP or SigLIP" in enc.use_btn.toolTip()
    assert dlg.select_path(str(models / "tiny-clip"))
    assert enc.use_btn.isEnabled()
    dlg.grab().save(str(shots_dir / "hlenc_models_dialog.png"))
    with qtbot.waitSignal(enc.chosen, timeout=60000) as chosen:
        enc.use_btn.click()
    clip = str((models / "tiny-clip").resolve())
    assert chosen.args == [clip, "CLIP (tiny-clip)"]
    assert enc.label.text() == f"Learned suggester features: CLIP at {clip}"
    assert not enc.use_btn.isEnabled() and enc.clear_btn.isEnabled()  # (it is the encoder already)
    assert win.statusBar().currentMessage() == "Learned suggester: will retrain with CLIP (tiny-clip)\u2019s features"
    assert sc.learned is None  # the handcrafted one is dropped
    qtbot.waitUntil(lambda: _stored(win.project) == clip, timeout=20000)
    dlg.grab().save(str(shots_dir / "hlenc_models_dialog_chosen.png"))

    result = _run_learned(qtbot, sc)
    assert not isinstance(result, BaseException), result
    ext = sc.learned.extractor
    assert isinstance(ext, ClipFeatures) and ext.model_path == Path(clip) and ext.dim == 32  # the tiny CLIP's width
    assert sc.learned.model_id.startswith("learned:clip:tiny-clip-")
    assert result[1] > 0  # its suggestions were stored

    with qtbot.waitSignal(enc.chosen, timeout=10000) as chosen:
        enc.clear_btn.click()
    assert chosen.args == ["", ""]
    assert enc.label.text().endswith(": handcrafted (colour, texture, gradients)") and not enc.clear_btn.isEnabled()
    assert win.statusBar().currentMessage() == "Learned suggester: will retrain with handcrafted features"
    qtbot.waitUntil(lambda: _stored(win.project) is None, timeout=20000)
    assert us.current(win.project, ["learned_encoder"])["learned_encoder"]["set"] is False
    result = _run_learned(qtbot, sc)
    assert not isinstance(result, BaseException), result
    assert isinstance(sc.learned.extractor, HandcraftedFeatures)


def test_a_broken_clip_folder_is_refused_naming_it_and_nothing_is_stored(qtbot, tmp_path, models):
    broken = tmp_path / "models" / "clip-gone-weights"
    shutil.copytree(models / "tiny-clip", broken)
    cut = tmp_path / "models" / "clip-no-weights"  # refused as it is listed: the button says why
    shutil.copytree(models / "tiny-clip", cut)
    (cut / "model.safetensors").unlink()
    (tmp_path / "images").mkdir()
    with Project.open(tmp_path / "images") as project:
        dlg = ModelManagerDialog(project, [str(tmp_path / "models")], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        enc = dlg.encoder
        assert dlg.select_path(str(cut))
        assert not enc.use_btn.isEnabled() and enc.use_btn.toolTip().startswith("Refused: no weights")
        assert not enc.use_selected()

        assert dlg.select_path(str(broken)) and enc.use_btn.isEnabled()
        (broken / "model.safetensors").unlink()  # since the list was made
        assert enc.use_selected()
        qtbot.waitUntil(lambda: not enc.checking(), timeout=20000)
        assert dlg.status_text().startswith("clip-gone-weights was not chosen as the learned suggester's encoder: "
                                            f"learned_encoder: {broken}: no weights"), dlg.status_text()
        assert "learned_encoder" not in project.settings()
        assert enc.label.text().endswith(": handcrafted (colour, texture, gradients)")


def _corrupt_clip(models: Path, folder: Path) -> Path:
    """A CLIP folder that passes the checks before a load (config, safetensors whole) and
    fails in it: a vision weight of another shape than its config gives."""
    import torch
    from safetensors.torch import load_file, save_file

    shutil.copytree(models / "tiny-clip", folder)
    weights = load_file(folder / "model.safetensors")
    key = "vision_model.embeddings.position_embedding.weight"
    weights[key] = torch.zeros(weights[key].shape[0] + 3, weights[key].shape[1])
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    return folder


def test_an_encoder_that_fails_to_load_fails_the_job_naming_its_folder(qtbot, window, tmp_path, models):
    from llmvis_desktop.core.suggest.discovery import ModelRefused
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    win, sc = window, window.suggest_ctl
    folder = _reviewed_folder(tmp_path)
    corrupt = _corrupt_clip(models, tmp_path / "clip-corrupt")
    with Project.open(folder) as p:
        us.change(p, "learned_encoder", str(corrupt))  # (as `llmvis settings` stores it: it passes the checks)
    open_and_index(qtbot, win, folder)
    sc.learned_ready = True
    exc = _run_learned(qtbot, sc)
    assert isinstance(exc, ModelRefused), exc
    said = win.statusBar().currentMessage()
    assert said.startswith(f"The learned suggester failed: {corrupt}: cannot load this folder as the learned "
                           "suggester's encoder (its weights' shapes do not match its config.json"), said
    job = sc.learned_job
    panel = win.findChild(JobsPanel)
    qtbot.waitUntil(lambda: getattr(panel.row(str(job.id)), "finished", False), timeout=10000)
    shown = panel.row(str(job.id)).done_label.toolTip()
    assert str(corrupt) in shown and "Traceback" not in shown and "above report" not in shown, shown


def test_the_encoders_cpu_fallback_is_said_at_the_jobs_end(qtbot, window, tmp_path, models, monkeypatch):
    from llmvis_desktop.core.suggest import learned_encoder
    from llmvis_desktop.qt.widgets.jobs_panel import JobsPanel

    note = "cuda was asked for but this machine has none, so the learned suggester's encoder runs on the CPU"
    monkeypatch.setattr(learned_encoder, "encoder_device", lambda _pref: ("cpu", note))
    win, sc = window, window.suggest_ctl
    folder = _reviewed_folder(tmp_path)
    with Project.open(folder) as p:
        us.change(p, "learned_encoder", str(models / "tiny-clip"))
    open_and_index(qtbot, win, folder)
    sc.learned_ready = True
    result = _run_learned(qtbot, sc)
    assert not isinstance(result, BaseException), result
    assert win.statusBar().currentMessage().endswith(f"; {note}"), win.statusBar().currentMessage()
    job = sc.learned_job
    panel = win.findChild(JobsPanel)
    qtbot.waitUntil(lambda: getattr(panel.row(str(job.id)), "finished", False), timeout=10000)
    assert panel.row(str(job.id)).done_label.toolTip().endswith(f"; {note}")
    result = _run_learned(qtbot, sc)  # said once: the next job's line is its own
    assert note not in win.statusBar().currentMessage()


def test_the_holder_builds_with_the_choice_before_the_setting_is_written(tmp_path, models):
    """The dialog's choice is written on the settings' writer: a job started at once read
    the setting before it and learned from the old features. A build under way as the
    choice changes serves its own job only."""
    from llmvis_desktop.qt.learned_holder import LearnedHolder

    clip = str((models / "tiny-clip").resolve())
    with Project.open(_reviewed_folder(tmp_path)) as p:
        holder = LearnedHolder(p)
        assert isinstance(holder.get().extractor, HandcraftedFeatures)
        holder.drop(clip)  # (the setting not written yet)
        assert holder.suggester is None and holder.get().extractor.model_path == Path(clip)
        assert not holder.follow(clip)  # (the window's own write, seen by a look: nothing to do)
        us.change(p, "learned_encoder", clip)
        holder.drop("")  # handcrafted, the setting still naming the CLIP
        assert isinstance(holder.get().extractor, HandcraftedFeatures)

        holder.drop(None)  # a build under way when another encoder is chosen
        real = holder.project.settings

        def chosen_meanwhile():
            holder.drop("")
            return real()

        holder.project.settings = chosen_meanwhile
        try:
            mid = holder.get()
        finally:
            del holder.project.settings
        assert isinstance(mid.extractor, ClipFeatures) and holder.suggester is None  # not kept
        assert isinstance(holder.get().extractor, HandcraftedFeatures)


def test_a_teammates_encoder_change_is_followed(qtbot, window, tmp_path, models):
    win, sc = window, window.suggest_ctl
    open_and_index(qtbot, win, _reviewed_folder(tmp_path))
    sc.learned_ready = True
    assert not isinstance(_run_learned(qtbot, sc), BaseException)
    assert isinstance(sc.learned.extractor, HandcraftedFeatures)
    clip = str((models / "tiny-clip").resolve())
    reads = win.project_ctl.settings_reads
    qtbot.waitUntil(lambda: not reads.writer.in_flight(), timeout=20000)  # (the run's auto-retrain tick written)
    seen = dict(reads.cached(win.project), learned_encoder=clip)  # as a team watch's look reads it
    with qtbot.waitSignal(reads.changed, timeout=5000):
        reads.looked(win.project, seen, reads.seq)
    assert sc.learned is None
    assert win.statusBar().currentMessage() == ("Learned suggester: the project's encoder setting was changed: "
                                                "it will retrain with tiny-clip\u2019s features")
    with Project.open(win.project.root) as p:
        us.change(p, "learned_encoder", clip)
    assert not isinstance(_run_learned(qtbot, sc), BaseException)
    assert isinstance(sc.learned.extractor, ClipFeatures)


def test_a_refused_write_of_the_encoder_goes_back_to_what_is_stored(qtbot, window, tmp_path, models, monkeypatch):
    """The database refuses the choice (a teammate's lock): the dialog shows the handcrafted
    features again and says so, and the window's learned suggester is built as stored."""
    import sqlite3

    from llmvis_desktop.core.store import engine as store_engine

    monkeypatch.setattr(store_engine, "INTERACTIVE_WAIT_MS", 200)
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    win, sc = window, window.suggest_ctl
    win.config.model_dirs = [str(models)]
    project = open_and_index(qtbot, win, _reviewed_folder(tmp_path))
    dlg = _models_dialog(qtbot, win)
    writer = win.project_ctl.settings_reads.writer
    qtbot.waitUntil(lambda: not writer.in_flight(), timeout=10000)
    lock = sqlite3.connect(project.root / ".llmvis" / "project.sqlite", isolation_level=None,
                           check_same_thread=False)
    lock.execute("BEGIN IMMEDIATE")
    try:
        assert dlg.select_path(str(models / "tiny-clip"))
        with qtbot.waitSignal(writer.finished, timeout=60000):
            dlg.encoder.use_btn.click()
        qtbot.waitUntil(lambda: "not saved" in dlg.status_text(), timeout=10000)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    said = dlg.status_text()
    assert "tiny-clip as the learned suggester's encoder was not saved" in said and "locked" in said, said
    assert dlg.encoder.label.text().endswith(": handcrafted (colour, texture, gradients)")
    assert dlg.encoder.use_btn.isEnabled() and not dlg.encoder.clear_btn.isEnabled()
    assert _stored(project) is None
    assert isinstance(sc._holder.get().extractor, HandcraftedFeatures)  # as stored, not as chosen


def test_unticking_a_bin_encoders_opt_in_stops_its_use(qtbot, window, tmp_path, models):
    """A `.bin` CLIP opted in and chosen as the encoder, then its opt-in unticked: the window
    kept the suggester it had built with it, so the next learned run still used the pickle."""
    import torch
    from safetensors.torch import load_file

    from llmvis_desktop.core.suggest.discovery import ModelRefused

    win, sc = window, window.suggest_ctl
    pickled = tmp_path / "models" / "clip-bin"
    shutil.copytree(models / "tiny-clip", pickled)
    torch.save(load_file(str(pickled / "model.safetensors")), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    win.config.model_dirs = [str(tmp_path / "models")]
    open_and_index(qtbot, win, _reviewed_folder(tmp_path))
    sc.learned_ready = True
    dlg = _models_dialog(qtbot, win)
    assert dlg.select_path(str(pickled))
    dlg.bin_box.setChecked(True)
    with qtbot.waitSignal(dlg.encoder.chosen, timeout=60000):
        dlg.encoder.use_btn.click()
    qtbot.waitUntil(lambda: _stored(win.project) == str(pickled.resolve()), timeout=20000)
    qtbot.waitUntil(lambda: "bin" in (win.project.settings().get("model_optins") or {}).get(str(pickled), ()),
                    timeout=20000)
    result = _run_learned(qtbot, sc)
    assert not isinstance(result, BaseException), result
    assert isinstance(sc.learned.extractor, ClipFeatures)

    dlg.bin_box.setChecked(False)
    assert sc.learned is None  # built again at the next run, which checks the opt-ins as they are now
    qtbot.waitUntil(lambda: not (win.project.settings().get("model_optins") or {}).get(str(pickled)), timeout=20000)
    exc = _run_learned(qtbot, sc)
    assert isinstance(exc, ModelRefused) and str(pickled) in str(exc), exc
