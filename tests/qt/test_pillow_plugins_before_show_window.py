"""Pillow's plugins were imported on a thumbnail loader at the window's first image
read (all ~50 of them for a file that is not JPEG, PNG or BMP), while the window
painted: the import held the interpreter lock and the paints waited (a 58 ms stall in
``bench_first_job_stall.py --sample``). ``build_window`` imports the plugins of the
formats the reader reads before the window is shown, and only those."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
from PIL import Image
from llmvis_desktop.core.config import Config
from llmvis_desktop.qt.app import build_window, create_app

app = create_app(["t"])
before = sorted(m for m in sys.modules if m.startswith("PIL.") and m.endswith("ImagePlugin"))
win = build_window(config=Config(reviewer="t"))
built = sorted(m for m in sys.modules if m.startswith("PIL.") and m.endswith("ImagePlugin"))
from llmvis_desktop.core.imaging.reader import read_image
im = read_image(sys.argv[1])  # a GIF: Pillow tries TIFF and WEBP before GIF
print("OUT " + json.dumps({"before": before, "built": built, "size": [im.meta.width, im.meta.height],
                           "initialized": Image._initialized,
                           "after_read": sorted(m for m in sys.modules if m.startswith("PIL.")
                                                and m.endswith("ImagePlugin"))}))
"""


def test_build_window_imports_the_read_formats_plugins_before_show(tmp_path):
    from PIL import Image

    gif = tmp_path / "a.gif"
    Image.new("P", (9, 7)).save(gif)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen",
               XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(gif)], env=env, capture_output=True,
                          text=True, timeout=120)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("OUT ")), None)
    assert line, proc.stderr[-3000:]
    out = json.loads(line[4:])
    wanted = {f"PIL.{n}ImagePlugin" for n in ("Jpeg", "Png", "Bmp", "Tiff", "WebP", "Gif")}
    assert not wanted <= set(out["before"])  # (not imported by the app's modules alone)
    assert wanted <= set(out["built"]), out["built"]
    assert out["size"] == [9, 7]
    # the GIF read imported no other plugin: Pillow never ran its import-them-all init()
    assert out["initialized"] < 2 and out["after_read"] == out["built"], out


OPEN_CHILD = r"""
import importlib.abc, json, sys, threading, time
from llmvis_desktop.core.config import Config
from llmvis_desktop.qt.app import build_window, create_app
from PySide6.QtWidgets import QApplication

app = create_app(["t"])
seen = []  # (thread, module) of each import looked up after the window was built


class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        seen.append((threading.current_thread().name, name))
        return None


win = build_window(sys.argv[1], config=Config(reviewer="t", thumbnail_size=64))
sys.meta_path.insert(0, Finder())
win.resize(900, 600)
win.show()
end = time.perf_counter() + 60
settled = None
while time.perf_counter() < end:
    app.processEvents()
    idle = win.project is not None and (win.index_job is None or not win.index_job.is_active) \
        and win.thumbs.pending() == 0 and win.suggest_ctl.learned_ready is not None
    if idle and settled is None:
        settled = time.perf_counter()
    if settled is not None and time.perf_counter() > settled + 1.0:
        break
    time.sleep(0.002)
print("OUT " + json.dumps({"settled": settled is not None, "seen": seen}))
win.close()
"""


def test_opening_a_folder_imports_nothing_of_ours_on_worker_threads(tmp_path):
    """The window's opening of a folder opened before (the project, the index, the thumbnails, the learned readiness,
    the Ask box's model check) imported modules on worker threads as it painted; they
    are imported before the window is shown, or not until the user asks (the learned
    suggester's modules)."""
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(4):
        Image.new("RGB", (40, 30), (i * 50, 90, 10)).save(folder / f"p{i}.png")
    from llmvis_desktop.core.project import Project

    with Project.open(folder) as p:  # a folder opened before (its first open runs the migrations)
        p.index()
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen",
               LLMVIS_CONFIG_DIR=str(tmp_path / "config"), LLMVIS_DATA_DIR=str(tmp_path / "data"),
               LLMVIS_CACHE_DIR=str(tmp_path / "cache"), LLMVIS_LOG_DIR=str(tmp_path / "log"),
               XDG_CONFIG_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", OPEN_CHILD, str(folder)], env=env, capture_output=True,
                          text=True, timeout=120)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("OUT ")), None)
    assert line, proc.stderr[-3000:]
    out = json.loads(line[4:])
    assert out["settled"]
    ours = ("llmvis_desktop", "sqlalchemy", "PIL", "numpy")
    off_gui = [(t, m) for t, m in out["seen"] if t != "MainThread" and m.split(".")[0] in ours]
    assert off_gui == [], "\n".join(f"{t} {m}" for t, m in off_gui)
