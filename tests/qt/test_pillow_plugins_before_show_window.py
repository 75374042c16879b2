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
