"""Unloading several models at once (a project closed with a captioner and a labeler
loaded, the model thread's shutdown) walks the process's objects once, not once per model:
a full collection costs ~0.25 s with torch imported and seconds in a long-lived process,
and each model's unload ran one (a shutdown with ten models loaded took 9-13 s)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from llmvis_desktop.core import lazy_torch
from llmvis_desktop.core.suggest import engines
from llmvis_desktop.core.suggest.worker import ModelWorker


def _loaded_engine(name: str) -> engines.Engine:
    """An Engine as the model thread holds one once loaded (no weights: its unload is the
    real one, which drops ``loaded`` and frees the device's cache)."""
    eng = object.__new__(engines.Engine)
    eng.info = SimpleNamespace(path=f"/models/{name}", model_id=f"/models/{name}", name=name)
    eng.device = "cpu"
    eng.loaded = SimpleNamespace(device="cpu")
    return eng


@pytest.fixture
def collections(monkeypatch):
    runs = []
    real = lazy_torch.collect_all
    monkeypatch.setattr(lazy_torch, "collect_all", lambda: (runs.append(1), real()))
    return runs


def _with_engines(worker: ModelWorker, names) -> dict:
    held = {(f"/models/{n}", "r1", "caption", "cpu"): _loaded_engine(n) for n in names}
    worker.call(lambda: worker._engines.update(held))
    return held


def test_unloading_three_models_collects_once(collections):
    with ModelWorker() as worker:
        held = _with_engines(worker, ("a", "b", "c"))
        worker.unload()
        assert [e.loaded for e in held.values()] == [None, None, None]
        assert worker.loaded() == [] and worker.loaded_models() == ()
        assert len(collections) == 1
    lone = _loaded_engine("e")  # one model's unload outside the model thread: collected at once
    lone.unload()
    assert lone.loaded is None and len(collections) == 2


def test_the_shutdown_with_models_loaded_collects_once(collections):
    worker = ModelWorker()
    held = _with_engines(worker, ("a", "b", "c", "d"))
    worker.shutdown()
    assert [e.loaded for e in held.values()] == [None] * 4
    assert len(collections) == 1


def test_unloading_the_models_no_project_keeps_collects_once(collections):
    with ModelWorker() as worker:
        held = _with_engines(worker, ("a", "b", "keep"))
        worker.unload_unused(keep=["/models/keep"]).result()
        assert [n for n, e in ((k[0], e) for k, e in held.items()) if e.loaded is not None] == ["/models/keep"]
        assert len(collections) == 1
        worker.unload("/models/keep")
        assert len(collections) == 2

