"""After an out-of-memory on the GPU moved a model to the CPU, the batch size the GPU's
out-of-memory halvings came down to (1) still held on the CPU, for the rest of the job and
for every later job while the model stayed loaded; on the CPU it is the job's own again."""
from __future__ import annotations

import pytest
import torch
from PIL import Image

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import engines, registry
from llmvis_desktop.core.suggest.discovery import inspect_folder


@pytest.fixture(scope="module")
def blip(tmp_path_factory):
    return inspect_folder(tiny_models.build_blip(tmp_path_factory.mktemp("oom_cpu") / "tiny-blip"))


def test_on_the_cpu_the_batch_is_the_jobs_again(blip, monkeypatch):
    real = registry.BlipFamily.run
    cpu_chunks = []

    def gpu_oom(self, loaded, images, **kw):  # a GPU that takes no batch at all
        if loaded.device != "cpu":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        cpu_chunks.append(len(images))
        return real(self, loaded, images, **kw)

    monkeypatch.setattr(registry.BlipFamily, "run", gpu_oom)
    eng = engines.Captioner(blip, "cpu")
    eng.device = eng.loaded.device = "cuda"  # pretend it loaded on a GPU
    imgs = [Image.new("RGB", (32, 32), (i * 30, 0, 0)) for i in range(8)]
    out = eng.caption(imgs, batch=4, max_new_tokens=2)
    assert len(out) == 8 and eng.device == "cpu"
    said = eng.messages
    assert [m for m in said if "batch size now" in m] == [f"{blip.name}: out of memory on cuda; batch size now 2",
                                                         f"{blip.name}: out of memory on cuda; batch size now 1"]
    assert any("continuing on the CPU" in m for m in said), said
    assert eng.notes.all() == [  # the same, in plain words (the Ask box shows them)
        "The GPU (cuda) ran out of memory: the tool retried with a smaller batch (2 images at a time).",
        "The GPU (cuda) ran out of memory: the tool retried with a smaller batch (1 image at a time).",
        "The GPU (cuda) ran out of memory while the model worked, even for one image: the tool moved the model "
        "to the CPU and went on there (slower; it stays on the CPU while it is loaded)."]
    assert cpu_chunks == [4, 4], cpu_chunks  # was [1] * 8
    assert eng.batch_size is None  # the GPU's limit is not the CPU's
    assert eng.standing(10**9, 4) == [f"{blip.name}: running on the CPU since an out-of-memory on cuda in an "
                                      f"earlier job (it stays there while it is loaded)"]
    cpu_chunks.clear()
    eng.caption(imgs, batch=4, max_new_tokens=2)  # the next job, the model still loaded
    assert cpu_chunks == [4, 4], cpu_chunks


def test_an_out_of_memory_on_the_cpu_still_halves_there(blip, monkeypatch):
    real = registry.BlipFamily.run
    cpu_chunks = []

    def small_memory(self, loaded, images, **kw):  # the GPU nothing, the CPU two images at a time
        if loaded.device != "cpu" or len(images) > 2:
            raise torch.cuda.OutOfMemoryError("out of memory")
        cpu_chunks.append(len(images))
        return real(self, loaded, images, **kw)

    monkeypatch.setattr(registry.BlipFamily, "run", small_memory)
    eng = engines.Captioner(blip, "cpu")
    eng.device = eng.loaded.device = "cuda"
    imgs = [Image.new("RGB", (32, 32), (i * 30, 0, 0)) for i in range(8)]
    assert len(eng.caption(imgs, batch=4, max_new_tokens=2)) == 8
    assert cpu_chunks == [2, 2, 2, 2], cpu_chunks
    assert eng.batch_size == 2  # the CPU's own limit, kept while loaded
    assert any("out of memory on cpu; batch size now 2" in m for m in eng.messages), eng.messages
