"""The learned suggester's CLIP/SigLIP encoder ran on the CPU whatever `llmvis suggest
--device` or the configured device said. It runs where asked now (auto: CUDA, then MPS,
then CPU), and on the CPU, said why, when the configured device is not on this machine."""
from __future__ import annotations

from llmvis_desktop.cli import main
from llmvis_desktop.core import config as config_mod
from llmvis_desktop.core.suggest import device as dev
from llmvis_desktop.core.suggest import features


def _devices_seen(monkeypatch) -> list:
    seen: list = []
    real = features.ClipFeatures.__init__

    def record(self, model_path, device="cpu", batch_size=16, **kw):  # (kw: revision, allow_bin)
        seen.append(device)
        real(self, model_path, "cpu", batch_size, **kw)  # (this machine's CPU runs it either way)
    monkeypatch.setattr(features.ClipFeatures, "__init__", record)
    return seen


def test_suggest_learned_passes_the_device_to_the_encoder(learned, tiny, capsys, monkeypatch):
    p, _ = learned
    seen = _devices_seen(monkeypatch)
    monkeypatch.setattr(dev, "available", lambda: ["cuda", "cpu"])
    args = ["suggest", str(p.root), "--learned", "--read-processes", "0", "--learned-encoder", str(tiny["clip"])]
    assert main(args + ["--device", "cuda"]) == 0
    assert main(args + ["--all", "--device", "cpu"]) == 0
    assert main(args + ["--all", "--device", "auto"]) == 0
    assert seen == ["cuda", "cpu", "cuda"]


def test_a_configured_device_missing_here_falls_back_to_the_cpu_said(learned, tiny, capsys, monkeypatch):
    p, _ = learned
    seen = _devices_seen(monkeypatch)
    monkeypatch.setattr(dev, "available", lambda: ["cpu"])
    cfg = config_mod.load_config()
    cfg.device = "cuda"
    monkeypatch.setattr(config_mod, "load_config", lambda *a, **k: cfg)
    assert main(["suggest", str(p.root), "--learned", "--read-processes", "0",
                 "--learned-encoder", str(tiny["clip"])]) == 0
    assert seen == ["cpu"]
    err = capsys.readouterr().err
    assert "device 'cuda' is not available here" in err and "encoder runs on the CPU" in err, err
