"""Shared pieces of the repair tests: a small generator config and fixtures.

Test modules import the fixtures by name (``from repair_helpers import gen,
one_torch_thread``); ``one_torch_thread`` is autouse there, so every repair test runs
torch on one thread (reproducible timings and output on a shared 2-core machine).
"""
import pytest
import torch

from llmvis_desktop.core.repair.networks import build_generator

SMALL = {"arch": "gated-unet-v1", "width": 8, "dilations": [2, 1]}


@pytest.fixture(autouse=True)
def one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(name="gen")
def gen_fixture():
    """``gen``: a small generator, seeded (named apart so tests taking ``gen`` do not
    shadow an imported name)."""
    torch.manual_seed(0)
    return build_generator(SMALL).eval()
