"""A GPU that runs out of memory during a repair: the repair finishes on the CPU, says so,
and records the CPU as where it ran (it failed with the bare "CUDA out of memory").

No GPU is needed: the "meta" device stands in for it (tensors move there, nothing is
computed), and the generator placed there raises torch's CUDA out-of-memory error as a
full GPU does."""
import numpy as np
import pytest
from PIL import Image

import torch

from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair import inference
from llmvis_desktop.core.repair.inference import inpaint

from repair_helpers import gen_fixture, one_torch_thread  # noqa: F401 - fixtures

GPU = "meta"  # the stand-in for a GPU (see the module's text)


class _FullGpu(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x, m):
        self.calls += 1
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 0 bytes free)")


@pytest.fixture
def full_gpu(monkeypatch):
    """The generator on the stand-in GPU raises out of memory; on the CPU it is itself."""
    full = _FullGpu()
    real = inference.generator_on
    monkeypatch.setattr(inference, "generator_on", lambda g, device: full if device == GPU else real(g, device))
    return full


def _image_and_mask():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 255, (64, 80, 3)).astype(np.uint8)
    m = np.zeros((64, 80), bool)
    m[20:30, 10:60] = True
    return img, m


def test_inpaint_finishes_on_the_cpu_when_the_gpu_runs_out_of_memory(gen, full_gpu):
    img, m = _image_and_mask()
    notes = []
    out = inpaint(img, m, generator=gen, device=GPU, notes=notes)
    assert full_gpu.calls == 1  # tried once there; the rest went to the CPU
    assert np.array_equal(out, inpaint(img, m, generator=gen, device="cpu"))  # the CPU's own result
    assert len(notes) == 1 and "ran out of memory" in notes[0] and "CPU" in notes[0] and GPU in notes[0]


def test_repair_file_records_the_cpu_and_says_why(tmp_path, gen, full_gpu, monkeypatch):
    from llmvis_desktop.core.repair import apply as apply_mod
    from llmvis_desktop.core.repair import train

    monkeypatch.setattr(apply_mod, "load_engine", lambda checkpoint=None: (gen, "f" * 64))
    monkeypatch.setattr(train, "resolve_device", lambda device="auto": device)
    img, m = _image_and_mask()
    Image.fromarray(img).save(tmp_path / "a.png")
    res = apply_mod.repair_file(tmp_path / "a.png", m, device=GPU)
    assert res.params["device"] == "cpu"  # the pixels were made there: the provenance says so
    assert res.notes and "ran out of memory" in res.notes[0]
    assert res.output_path.is_file()


def test_the_cpu_out_of_memory_is_said_in_words(gen, monkeypatch):
    class _FullCpu(torch.nn.Module):
        def forward(self, x, m):
            raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: "
                               "you tried to allocate 9000000000 bytes")

    monkeypatch.setattr(inference, "generator_on", lambda g, device: _FullCpu())
    img, m = _image_and_mask()
    with pytest.raises(RepairError, match="the CPU ran out of memory.*nothing was saved"):
        inpaint(img, m, generator=gen, device="cpu")


def test_the_command_line_warns_that_the_cpu_finished(tmp_path, gen, full_gpu, monkeypatch, capsys):
    from llmvis_desktop.cli import main
    from llmvis_desktop.core.repair import apply as apply_mod
    from llmvis_desktop.core.repair import train

    monkeypatch.setattr(apply_mod, "load_engine", lambda checkpoint=None: (gen, "f" * 64))
    monkeypatch.setattr(train, "resolve_device", lambda device="auto": GPU if device == "auto" else device)
    img, m = _image_and_mask()
    Image.fromarray(img).save(tmp_path / "a.png")
    Image.fromarray(m.astype(np.uint8) * 255).save(tmp_path / "m.png")
    assert main(["repair", "apply", str(tmp_path / "a.png"), "--mask", str(tmp_path / "m.png")]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "ran out of memory" in err and "finished on the CPU" in err
    assert (tmp_path / "repaired" / "a.repaired.png").is_file()


def _texture(seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:96, :96]
    return np.clip(120 + 60 * np.sin(xx / 3.0) * np.cos(yy / 5.0) + rng.normal(0, 8, (96, 96)), 0, 255).astype(np.uint8)


def _out_of_memory_above(monkeypatch, tiles: int):
    """The generator runs out of memory training on a batch of more than ``tiles`` tiles (with
    gradients: a prediction alone takes far less), as a GPU another program shares does (in
    the CPU allocator's words: the same on any machine)."""
    from llmvis_desktop.core.repair.networks import Generator

    forward = Generator.forward
    seen = []

    def limited(self, x, m):
        if torch.is_grad_enabled():
            seen.append(x.shape[0])
        if torch.is_grad_enabled() and x.shape[0] > tiles:
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9000000000 bytes")
        return forward(self, x, m)

    monkeypatch.setattr(Generator, "forward", limited)
    return seen


def test_training_halves_its_batch_when_it_runs_out_of_memory(tmp_path, monkeypatch):
    from llmvis_desktop.core.repair.train import train

    seen = _out_of_memory_above(monkeypatch, 2)
    said = []
    out = tmp_path / "ck.safetensors"
    res = train([_texture(0), _texture(1)], steps=6, out=out, device="cpu", tile=32, batch=8, seed=0,
                config={"width": 8, "dilations": [2, 1]}, save_every=0, progress=lambda p: said.append(p.message))
    assert res.step == 6 and out.is_file()  # all its steps, at the batch that fits
    assert seen[0] == 8 and 4 in seen and max(seen[-3:]) <= 2
    assert any("out of memory" in (m or "") and "going on with 4" in m for m in said)
    assert any("going on with 2" in (m or "") for m in said)
    import json
    assert json.loads(out.with_suffix(".json").read_text())["batch"] == 2  # the card says what it trained with


def test_training_out_of_memory_at_one_tile_says_what_to_lower(tmp_path, monkeypatch):
    from llmvis_desktop.core.repair.train import train

    _out_of_memory_above(monkeypatch, 0)
    with pytest.raises(RepairError, match=r"ran out of memory at step 0 with one 32-pixel tile.*smaller tiles \(--tile\)"):
        train([_texture(0)], steps=3, out=tmp_path / "ck.safetensors", device="cpu", tile=32, batch=2, seed=0,
              config={"width": 8, "dilations": [2, 1]}, save_every=0)
