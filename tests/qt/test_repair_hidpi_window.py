"""HiDPI (a device pixel ratio of 2, QT_SCALE_FACTOR=2 in a child process): a brush click
in the repair dialog's mask editor paints the mask at the image pixel under the click,
the overlay is drawn there on screen, and the repaired pixels are exactly there (inside
the mask as the repair grows it, and around the click)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import json, sys
from pathlib import Path
import numpy as np, cv2
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog
from llmvis_desktop.core.repair.apply import repair_file

app = QApplication([])
folder = Path(sys.argv[1])
rng = np.random.default_rng(3)
img = np.full((150, 200, 3), 90, np.uint8)
img[:, 100:] = 170  # two halves: a repair changes what it fills
img = (img.astype(int) + rng.integers(-10, 10, img.shape)).clip(0, 255).astype(np.uint8)
path = folder / "hidpi.png"
cv2.imwrite(str(path), img)
dlg = RepairDialog(path)
dlg.resize(1000, 700)
dlg.show()
QApplication.processEvents()
canvas = dlg.editor.canvas
canvas.brush = 6
t = canvas._target()  # where the image is drawn (the overlay check below: drawn there on screen)
s = t.width() / 200
x0, y0 = t.x(), t.y()
px, py = 60, 40  # the image pixel aimed at
click = QPoint(round(x0 + (px + 0.5) * s), round(y0 + (py + 0.5) * s))
QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, click)
QApplication.processEvents()
mask = dlg.editor.mask() > 0
ys, xs = np.nonzero(mask)
shot = canvas.grab().toImage()
dpr = shot.devicePixelRatio()
col = shot.pixelColor(round(click.x() * dpr), round(click.y() * dpr))
grown = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0  # the repair's 2 px growth
rep = {}
for meth in ("telea", "gan"):
    res = repair_file(path, mask, method=meth, save=False, device="cpu")
    changed = np.any(np.asarray(res.pixels).astype(int) != img[..., ::-1].astype(int), axis=-1)
    cys, cxs = np.nonzero(changed)
    rep[meth] = {"changed": int(changed.sum()), "changed_outside": int((changed & ~grown).sum()),
                 "changed_centre": [float(cxs.mean()), float(cys.mean())] if len(cxs) else None}
print(json.dumps({
    "dpr": canvas.devicePixelRatioF(), "grab_dpr": dpr,
    "centre": [float(xs.mean()), float(ys.mean())], "count": int(mask.sum()),
    "overlay_rgb": [col.red(), col.green(), col.blue()], "repairs": rep,
}))
'''


def test_brush_click_and_repair_land_on_the_clicked_pixel_at_dpr_2(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2", PYTHONPATH=str(ROOT))
    env.pop("QT_DEVICE_PIXEL_RATIO", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["dpr"] == 2.0 and got["grab_dpr"] == 2.0  # the test means something
    assert got["count"] > 0
    cx, cy = got["centre"]
    assert abs(cx - 60) <= 1 and abs(cy - 40) <= 1, got  # the dot is on the pixel clicked
    r, g, b = got["overlay_rgb"]
    assert r > g + 40 and r > b + 40, got  # the red overlay is drawn under the cursor on screen
    for meth, rep in got["repairs"].items():  # Telea and the GAN (the shipped starter)
        assert rep["changed"] > 0 and rep["changed_outside"] == 0, (meth, got)
        ccx, ccy = rep["changed_centre"]
        assert abs(ccx - 60) <= 2 and abs(ccy - 40) <= 2, (meth, got)
