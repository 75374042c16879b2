"""An out-of-memory while answering "Ask the image" was only logged: the answer came
from the CPU with no word of why. ask_image now hands each such event, in plain words
(what happened, what the tool did), to ``on_note``; one it cannot recover from is an
error in plain words, not the allocator's."""
from __future__ import annotations

import pytest
import torch

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import inspect_folder, registry
from llmvis_desktop.core.suggest.batch import SuggestError, ask_image
from llmvis_desktop.core.suggest.worker import ModelWorker


@pytest.fixture(scope="module")
def llava(tmp_path_factory):
    return inspect_folder(tiny_models.build_llava(tmp_path_factory.mktemp("ask_oom") / "tiny-llava"))


@pytest.fixture
def project(tmp_path):
    p = tiny_models.labelled_project(tiny_models.image_folder(tmp_path / "images", 2), ("scratch", "ok"))
    yield p
    p.close()


def _on_a_full_gpu(worker, llava, monkeypatch, cpu_too=False):
    real = registry.LlavaFamily.run

    def oom(self, loaded, images, **kw):
        if loaded.device != "cpu":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        if cpu_too:
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 123456 bytes")
        return real(self, loaded, images, **kw)

    monkeypatch.setattr(registry.LlavaFamily, "run", oom)
    eng = worker.engine(llava, "answer", "cpu")
    eng.device = eng.loaded.device = "cuda"  # pretend it loaded on a GPU that has no room left
    return eng


def test_an_answer_after_an_out_of_memory_says_what_happened(llava, project, monkeypatch):
    image_id = project.image_ids()[0]
    with ModelWorker() as worker:
        _on_a_full_gpu(worker, llava, monkeypatch)
        notes = []
        row = ask_image(project, image_id, llava, "is there a scratch?", worker=worker, device="cpu",
                        store=False, max_new_tokens=2, on_note=notes.append)
        assert row.params["device"] == "cpu"
        assert notes == ["The GPU (cuda) ran out of memory while the model worked, even for one image: the tool "
                         "moved the model to the CPU and went on there (slower; it stays on the CPU while it "
                         "is loaded)."], notes
        again = []  # the next question: nothing new happened (it simply runs on the CPU)
        ask_image(project, image_id, llava, "and now?", worker=worker, device="cpu", store=False,
                  max_new_tokens=2, on_note=again.append)
        assert again == []


def test_an_out_of_memory_even_on_the_cpu_is_said_plainly(llava, project, monkeypatch):
    image_id = project.image_ids()[0]
    with ModelWorker() as worker:
        _on_a_full_gpu(worker, llava, monkeypatch, cpu_too=True)
        notes = []
        with pytest.raises(SuggestError) as err:
            ask_image(project, image_id, llava, "is there a scratch?", worker=worker, device="cpu",
                      store=False, max_new_tokens=2, on_note=notes.append)
        assert str(err.value) == ("not enough memory to answer, even on the CPU: nothing was answered "
                                  "(close other programs, or choose a smaller model)"), str(err.value)
        assert len(notes) == 1 and "moved the model to the CPU" in notes[0]
