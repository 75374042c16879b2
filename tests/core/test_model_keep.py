"""The model thread keeps a loaded model for the next project that chooses it, and never
hands one out under opt-ins it was not loaded with (tiny models, the real load path)."""
from __future__ import annotations

import pytest
import torch

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import engines
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.suggest.discovery import ModelRefused, inspect_folder
from llmvis_desktop.core.suggest.worker import ModelWorker


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Tiny BLIP and CLIP, and a BLIP whose weights are only a pickle .bin (opt-in needed)."""
    from safetensors.torch import load_file

    base = tmp_path_factory.mktemp("keep_models")
    blip, clip = tiny_models.build_blip(base / "tiny-blip"), tiny_models.build_clip(base / "tiny-clip")
    pickled = tiny_models.build_blip(base / "tiny-blip-bin")
    torch.save(load_file(str(pickled / "model.safetensors")), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    return {k: inspect_folder(p) for k, p in (("blip", blip), ("clip", clip), ("bin", pickled))}


@pytest.fixture
def loads(monkeypatch):
    """The paths loaded from disk, in order (Engine.load is the one way weights are read)."""
    seen = []
    real = engines.Engine.load

    def counting(self):
        seen.append(self.info.path)
        return real(self)

    monkeypatch.setattr(engines.Engine, "load", counting)
    return seen


def _loaded(worker):
    worker.call(lambda: None)  # what was queued before has run
    return sorted((info.path, role) for info, role, _dev, _dtype in worker.loaded_models())


def test_a_model_the_next_project_chooses_stays_loaded(models, loads):
    blip, clip = models["blip"], models["clip"]
    with ModelWorker() as worker:
        first = worker.engine(blip, "caption", "cpu")
        worker.engine(clip, "label", "cpu")
        assert loads == [blip.path, clip.path]
        assert _loaded(worker) == sorted([(blip.path, "caption"), (clip.path, "label")])
        # the next project chooses the same captioner (by its folder name in a model folder)
        # and no labeler, with no opt-ins
        worker.unload_unused([blip.name], [str(models["blip"].path).rsplit("/", 1)[0]], optins={}, device="cpu")
        assert _loaded(worker) == [(blip.path, "caption")]
        assert worker.engine(blip, "caption", "cpu") is first and loads == [blip.path, clip.path]
        assert first.loaded is not None and first.dtype_name == "float32"
        # jobs now asking for another device: loaded again there, not kept for this one
        worker.unload_unused([blip.path], optins={}, device="auto")
        assert _loaded(worker) == []


def test_a_model_loaded_with_one_projects_opt_in_is_not_usable_without_it(models, loads):
    pickled = models["bin"]
    assert pickled.weights_format == "bin"
    with ModelWorker() as worker:
        worker.engine(pickled, "caption", "cpu", allow_bin=True)  # project A opted in
        assert loads == [pickled.path]
        # asked for without the opt-in (project B's): refused, though it is loaded
        with pytest.raises(ModelRefused, match="pickle"):
            worker.engine(pickled, "caption", "cpu", allow_bin=False)
        assert loads == [pickled.path] and _loaded(worker) == []  # not loaded again either
        worker.engine(pickled, "caption", "cpu", allow_bin=True)
        assert loads == [pickled.path] * 2
        # B chooses it too but has not opted in: unloaded at the switch
        worker.unload_unused([pickled.path], optins={}, device="cpu")
        assert _loaded(worker) == []
        # B with its own opt-in: kept
        worker.engine(pickled, "caption", "cpu", allow_bin=True)
        worker.unload_unused([pickled.path], optins={pickled.path: ["bin"]}, device="cpu")
        assert _loaded(worker) == [(pickled.path, "caption")] and len(loads) == 3


def test_other_opt_ins_load_the_model_again_with_them(models, loads):
    """A safetensors model loaded under an opt-in it does not need: asked for without it,
    it is loaded again (a model is handed out only as it was loaded)."""
    blip = models["blip"]
    with ModelWorker() as worker:
        a = worker.engine(blip, "caption", "cpu", allow_remote_code=True)
        b = worker.engine(blip, "caption", "cpu")
        assert b is not a and a.loaded is None and not b.allow_remote_code
        assert loads == [blip.path, blip.path] and _loaded(worker) == [(blip.path, "caption")]


def _job(tmp_path, name, info, worker, batch=4):
    """A suggestion job over a fresh project ``name`` (4 images), reading in this process."""
    folder = tiny_models.image_folder(tmp_path / name, 4)
    with tiny_models.labelled_project(folder, ("scratch", "ok")) as project:
        return run_suggest(project, info, None, worker=worker, device="cpu", batch=batch, max_new_tokens=3,
                           read_processes=0)


def test_a_jobs_report_says_only_what_happened_in_it(models, tmp_path, monkeypatch):
    """A loaded model kept its out-of-memory messages as long as it stayed loaded: project
    A's 'batch size now 2' came again in every later job's report, project B's too. Now a
    report says what happened in its job, and what it inherited as a standing state."""
    from llmvis_desktop.core.suggest import registry

    blip = models["blip"]
    real = registry.BlipFamily.run

    def flaky(self, loaded, images, **kw):
        if len(images) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(self, loaded, images, **kw)

    monkeypatch.setattr(registry.BlipFamily, "run", flaky)
    with ModelWorker() as worker:
        a = _job(tmp_path, "a", blip, worker)
        assert a.suggestions == 4 and any("batch size now 2" in m for m in a.messages), a.messages
        b = _job(tmp_path, "b", blip, worker)  # the same loaded model, no out-of-memory in this job
        assert b.suggestions == 4
        assert not any("out of memory on cpu; batch size now" in m for m in b.messages), b.messages
        assert any("batch size 2" in m and "earlier" in m for m in b.messages), b.messages

        # an out-of-memory for one image moves it to the CPU: said in that job; later ones
        # say it runs on the CPU since then, not that it just happened
        eng = worker.engine(blip, "caption", "cpu")
        eng.device = eng.loaded.device = "cuda"  # pretend it is on a GPU that takes no image

        def gpu_oom(self, loaded, images, **kw):
            if loaded.device != "cpu":
                raise torch.cuda.OutOfMemoryError("CUDA out of memory")
            return real(self, loaded, images, **kw)

        monkeypatch.setattr(registry.BlipFamily, "run", gpu_oom)
        c = _job(tmp_path, "c", blip, worker, batch=1)
        assert any("continuing on the CPU" in m for m in c.messages), c.messages
        d = _job(tmp_path, "d", blip, worker, batch=1)
        assert not any("continuing on the CPU" in m for m in d.messages), d.messages
        assert any("running on the CPU since an out-of-memory on cuda" in m for m in d.messages), d.messages


def test_a_small_batch_does_not_cap_the_next_jobs(models):
    """The batch size an out-of-memory came down to is kept while the model is loaded; a
    job asking for 1 image a batch (no out-of-memory) capped every later job at 1."""
    from PIL import Image

    imgs = [Image.new("RGB", (32, 32), (i * 40, 0, 0)) for i in range(4)]
    with ModelWorker() as worker:
        eng = worker.engine(models["blip"], "caption", "cpu")
        worker.call(eng.caption, imgs[:1], batch=1, max_new_tokens=2)
        assert eng.batch_size is None


def test_the_first_job_of_a_session_says_it_loads_torch_and_transformers(models, tmp_path, monkeypatch):
    """The first job's wait (torch and transformers imported: seconds, the window pausing
    briefly meanwhile) is said in its progress message, which the Jobs panel and the
    status bar show; later jobs say "loading models"."""
    from llmvis_desktop.core import lazy_torch
    from llmvis_desktop.core.suggest import batch

    said = []

    def job(name):
        folder = tiny_models.image_folder(tmp_path / name, 2)
        with tiny_models.labelled_project(folder, ("scratch", "ok")) as project, ModelWorker() as worker:
            run_suggest(project, models["blip"], None, worker=worker, device="cpu", max_new_tokens=3,
                        read_processes=0, progress=lambda p: said.append(p.message))

    monkeypatch.setattr(lazy_torch, "engine_imported", False)  # a new session
    job("first")
    assert said[0] == batch.FIRST_LOAD_MESSAGE
    assert "torch and transformers" in said[0]
    assert lazy_torch.engine_imported  # the job's load imported them
    said.clear()
    job("second")
    assert said[0] == "loading models"
