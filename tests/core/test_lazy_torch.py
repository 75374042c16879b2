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


ENGINE_SNIPPET = """
import gc, os, sys, threading
os.environ.pop("HF_HUB_OFFLINE", None)
from llmvis_desktop.core import lazy_torch
assert "torch" not in sys.modules and not lazy_torch.engine_imported
assert gc.get_freeze_count() == 0
seen = []  # the collector's runs before the import's objects were frozen
gc.callbacks.append(lambda phase, info: phase == "start" and gc.get_freeze_count() == 0
                    and seen.append(info["generation"]))
t = threading.Thread(target=lazy_torch.import_engine)  # as a model's first load does, off the main thread
t.start(); t.join()
gc.callbacks.clear()
assert "torch" in sys.modules and "transformers" in sys.modules and lazy_torch.engine_imported
assert os.environ["HF_HUB_OFFLINE"] == "1"  # read by transformers at its import
assert seen == [], seen  # no collection walked the import's objects
assert gc.isenabled()
frozen = gc.get_freeze_count()
assert frozen > 50_000, frozen  # what the imports made, out of the collector's walks
assert len(gc.get_objects()) < frozen / 10
lazy_torch.import_engine()  # later calls: nothing
assert gc.get_freeze_count() == frozen

class Cycle:  # a model's objects in a cycle, frozen at its load, freed at its unload
    pass
a = Cycle(); a.me = a
import weakref
r = weakref.ref(a)
with lazy_torch.collector_paused():  # a model's load
    pass
del a
gc.collect()
assert r() is not None  # frozen: no collection frees it...
lazy_torch.collect_all()
assert r() is None  # ...until an unload collects the frozen objects too
assert gc.get_freeze_count() > 50_000  # and the survivors are frozen again
b = Cycle(); b.me = b
r = weakref.ref(b)
try:
    with lazy_torch.collector_paused():  # a load that fails freezes nothing
        raise ValueError
except ValueError:
    pass
assert gc.isenabled()
del b
gc.collect()
assert r() is None
print("ok")
"""


def test_import_engine_pauses_the_collector_and_freezes_what_it_imported():
    """torch and transformers imported for a model's first load: no collection runs
    during the imports (each held the GIL, the window froze), and their objects are
    frozen after, so no later full collection walks them (about 0.2-0.4 s of the
    window's time each); a model's unload collects frozen cycles too."""
    out = subprocess.run([sys.executable, "-c", ENGINE_SNIPPET], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


def test_a_model_load_runs_no_collection_and_freezes_the_model(tmp_path):
    """Engine.load (the model thread, a job's first batch waiting): the collector does
    not run during it (its young collections walked the objects the load made, holding
    the GIL up to 155 ms), the loaded model is frozen after it, and its unload
    (free_cache) collects frozen objects too."""
    import gc

    import tiny_models
    from llmvis_desktop.core.suggest import engines
    from llmvis_desktop.core.suggest.discovery import inspect_folder

    info = inspect_folder(tiny_models.build_blip(tmp_path / "tiny-blip"))
    engines.lazy_torch.import_engine()
    seen = []

    def cb(phase, _info):
        if phase == "start":
            seen.append(1)

    frozen = gc.get_freeze_count()
    gc.callbacks.append(cb)
    try:
        eng = engines.engine_class("caption")(info, "cpu")
    finally:
        gc.callbacks.remove(cb)
    assert seen == []
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen
    model = eng.loaded.model
    in_frozen = gc.is_tracked(model) and not any(o is model for o in gc.get_objects())
    assert in_frozen  # out of every generation the collector walks
    del model
    eng.unload()
    assert gc.isenabled() and gc.get_freeze_count() > 0


FIRST_IMPORT_SNIPPET = """
import gc, sys, threading
from llmvis_desktop.core import lazy_torch
from llmvis_desktop.core.suggest import device
gc.set_threshold(700, 10, 10)
assert lazy_torch.install() and "torch" not in sys.modules and gc.get_freeze_count() == 0
seen = []  # the collector's runs before the import's objects were frozen
gc.callbacks.append(lambda phase, info: phase == "start" and gc.get_freeze_count() == 0
                    and seen.append(info["generation"]))
out = []
# a model's first load: Engine.__init__ asks which device first (device.resolve), and that
# imports torch, before import_engine runs
t = threading.Thread(target=lambda: out.append(device.resolve("auto")))
t.start(); t.join()
gc.callbacks.clear()
assert out == ["cpu"] and "torch" in sys.modules
assert seen == [], seen  # no collection walked torch's import, holding the GIL
assert gc.isenabled()
assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()  # its objects out of later walks
import torch
assert float(torch.ones(3).sum()) == 3.0
print(lazy_torch.preloaded)
"""


def test_the_first_torch_import_from_anywhere_runs_no_collection():
    """torch's first import is not always lazy_torch.import_engine's: a model's engine asks
    for its device first (device.resolve imports torch to look for a GPU), the learned
    CNN and repair import it on their own. Whichever it is, the import hook runs it with
    the collector paused and freezes what it made: the young collections during it held
    the GIL 30-160 ms at a time (the window's longest stalls of a first job)."""
    out = subprocess.run([sys.executable, "-c", FIRST_IMPORT_SNIPPET], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ("True" if sys.platform.startswith("linux") else "False")


FALLBACK_SNIPPET = """
import gc, sys, threading
from llmvis_desktop.core import lazy_torch
lazy_torch.ENTRY_LIBRARY = "libtorch_python_renamed.so"  # a torch build that names it otherwise
ran_on = []
preload = lazy_torch.preload_libraries
lazy_torch.preload_libraries = lambda: ran_on.append(threading.current_thread().name) or preload()
assert lazy_torch.install()
seen = []
gc.callbacks.append(lambda phase, info: phase == "start" and gc.get_freeze_count() == 0
                    and seen.append(info["generation"]))
t = threading.Thread(target=lambda: __import__("torch"), name="models")
t.start(); t.join()
gc.callbacks.clear()
import torch
assert float(torch.arange(4).sum()) == 6.0
assert ran_on == ["models"], ran_on  # on the importing thread, not the GUI's
assert seen == [] and gc.isenabled(), seen
print(lazy_torch.preloaded)
"""


def test_a_library_not_found_falls_back_to_the_plain_import():
    out = subprocess.run([sys.executable, "-c", FALLBACK_SNIPPET], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"
