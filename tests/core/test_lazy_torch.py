"""core.lazy_torch: the first ``import torch`` loads libtorch without the interpreter
lock held (Linux), then torch imports and works as usual; the hook removes itself."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """
import sys, threading
from llmvis_desktop.core import lazy_torch
assert lazy_torch.install() and lazy_torch.preloaded is None
assert lazy_torch.torch_lib_dir() is not None and "torch" not in sys.modules
import importlib.util
assert importlib.util.find_spec("torch") is not None  # a probe (the menus do it) loads nothing
assert lazy_torch.preloaded is None and lazy_torch._hook in sys.meta_path
t = threading.Thread(target=lambda: __import__("torch"))  # the first import, from a worker
t.start(); t.join()
import torch
assert float(torch.ones(2).sum()) == 2.0
assert not any(isinstance(f, lazy_torch._TorchPreloader) for f in sys.meta_path)
assert lazy_torch.install() is False  # torch is in: nothing to do any more
print(lazy_torch.preloaded)
"""


def test_first_torch_import_preloads_then_imports_normally():
    out = subprocess.run([sys.executable, "-c", SNIPPET], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ("True" if sys.platform.startswith("linux") else "False")
