"""The GPU paths, on a real CUDA device: suggestions in bf16/fp16 with provenance, a real
out-of-memory halving the batch and then moving to the CPU, repair inference and
mixed-precision training on the GPU."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import tiny_models

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("scratch", "dent", "crack", "ok")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    base = tmp_path_factory.mktemp("gpu_models")
    return {
        "blip": tiny_models.build_blip(base / "blip"),
        "clip": tiny_models.build_clip(base / "clip"),
        "llava": tiny_models.build_llava(base / "llava"),
        "blip_medium": tiny_models.build_blip(base / "blip-medium", hidden=256, layers=4, image_size=224),
    }


@pytest.fixture
def project(tmp_path):
    p = tiny_models.labelled_project(tiny_models.image_folder(tmp_path / "images", 10), LABELS)
    yield p
    p.close()


_suggestions = tiny_models.all_suggestions


def test_suggest_job_on_cuda_records_device_and_half_precision(models, project):
    from llmvis_desktop.core.suggest import inspect_folder
    from llmvis_desktop.core.suggest.batch import run_suggest
    from llmvis_desktop.core.suggest.device import dtype_for, resolve

    assert resolve("auto") == "cuda"
    want = str(dtype_for("cuda")).replace("torch.", "")
    assert want in ("bfloat16", "float16")
    rep = run_suggest(project, inspect_folder(models["blip"]), inspect_folder(models["clip"]), batch=4,
                      device="auto", max_new_tokens=4, min_score=0.0)
    assert rep.device == "cuda" and rep.images == 10
    sugg = _suggestions(project)
    caps = [s for s in sugg if s.kind == "caption"]
    labels = [s for s in sugg if s.kind == "label"]
    assert len(caps) == 10 and labels
    for s in sugg:
        assert s.params["device"] == "cuda" and s.params["dtype"] == want
        assert s.model_revision and s.model_id
    assert all(0.0 <= s.score <= 1.0 for s in labels)

    ans = run_suggest(project, inspect_folder(models["llava"]), None, batch=4, device="cuda", max_new_tokens=3,
                      question="is there a dent?")
    assert ans.device == "cuda" and ans.suggestions == 10


def test_cli_suggest_on_cuda(models, project):
    folder = project.root
    project.close()
    env = {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT) + ":" + ":".join(sys.path)}
    import os

    env = {**os.environ, **env}
    p = subprocess.run([sys.executable, "-m", "llmvis_desktop.cli", "suggest", str(folder), "--captioner",
                        str(models["blip"]), "--device", "cuda", "--batch", "4", "--json"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])  # the models' report, and what was indexed
    assert out["models"]["device"] == "cuda" and out["models"]["images"] == 10, out


def _cap_memory(extra_bytes: int) -> None:
    """Let this process's CUDA allocator hold at most what it holds now plus ``extra_bytes``."""
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(min(1.0, (torch.cuda.memory_reserved() + extra_bytes) / total))


def test_real_out_of_memory_halves_the_batch_then_moves_to_the_cpu(models):
    from PIL import Image

    from llmvis_desktop.core.suggest import inspect_folder
    from llmvis_desktop.core.suggest.engines import Captioner

    eng = Captioner(inspect_folder(models["blip_medium"]), "cuda")
    rng = np.random.default_rng(0)
    imgs = [Image.fromarray(rng.integers(0, 255, (224, 224, 3), dtype=np.uint8)) for _ in range(64)]
    try:
        # how much one batch of 8 needs, measured
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        eng.caption(imgs[:8], batch=8, max_new_tokens=4)
        need8 = torch.cuda.max_memory_allocated() - base
        assert need8 > 0
        _cap_memory(int(need8 * 1.6) + (8 << 20))
        out = eng.caption(imgs, batch=64, max_new_tokens=4)  # 64 at once cannot fit: a real OOM
        assert len(out) == 64 and eng.device == "cuda"
        assert 1 <= eng.batch_size < 64
        assert any("out of memory on cuda; batch size now" in m for m in eng.messages), eng.messages

        _cap_memory(0)  # not even one more image fits
        out = eng.caption(imgs[:3], batch=2, max_new_tokens=4)
        assert len(out) == 3 and eng.device == "cpu" and eng.loaded.device == "cpu"
        assert any("continuing on the CPU" in m for m in eng.messages), eng.messages
        assert eng.batch_size is None  # the GPU's halved size is no limit on the CPU
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
        eng.unload()


def test_repair_inference_on_cuda_matches_cpu_and_keeps_pixels_outside(tmp_path):
    from skimage import data as sd

    from llmvis_desktop.core.repair.apply import load_engine, repair_file
    from llmvis_desktop.core.repair.inference import dilate, inpaint
    from llmvis_desktop.core.repair.masks import random_mask

    g, _ = load_engine(None)
    img = sd.brick()[:, 256:].copy()
    mask = np.zeros(img.shape, bool)
    mask[100:196, 40:136] = random_mask(96, np.random.default_rng(3), max_frac=0.4) > 0.5
    gpu = inpaint(img, mask, method="gan", generator=g, device="cuda")
    cpu = inpaint(img, mask, method="gan", generator=g, device="cpu")  # the cached generator still serves the CPU
    outside = ~dilate(mask, 2)
    assert np.array_equal(gpu[outside], img[outside]) and np.array_equal(cpu[outside], img[outside])
    assert np.abs(gpu.astype(int) - cpu.astype(int)).max() <= 2  # fp32 on both: rounding only
    img16 = (img.astype(np.uint16) * 257)
    out16 = inpaint(img16, mask, method="gan", generator=g, device="cuda")
    assert out16.dtype == np.uint16 and np.array_equal(out16[outside], img16[outside])

    from PIL import Image

    src = tmp_path / "brick.png"
    Image.fromarray(img).save(src)
    res = repair_file(src, mask, out_dir=tmp_path / "repaired")  # device auto: the GPU here
    assert res.params["device"] == "cuda" and Path(res.output_path).is_file()


def test_mixed_precision_training_on_cuda(tmp_path):
    from llmvis_desktop.core.repair.checkpoint import load_generator
    from llmvis_desktop.core.repair.train import train

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:128, :128]
    tex = np.clip(120 + 60 * np.sin(xx / 3.0) * np.cos(yy / 5.0) + rng.normal(0, 8, (128, 128)), 0, 255)
    out = tmp_path / "gpu.safetensors"
    res = train([tex.astype(np.uint8)], steps=40, out=out, device="cuda", tile=64, batch=16, seed=0,
                save_every=0)
    hist = res.metrics["history"]
    assert len(hist) == 40 and all(np.isfinite(v) for h in hist for v in h.values())
    assert np.mean([h["l1_hole"] for h in hist[-8:]]) < np.mean([h["l1_hole"] for h in hist[:8]])
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["device"] == "cuda"
    g, ck = load_generator(out)  # saved from the GPU, loads on the CPU
    assert ck.step == 40 and next(g.parameters()).device.type == "cpu"
