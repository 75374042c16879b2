"""Window/level drag on a large 16-bit TIFF in the real viewer (offscreen); prints JSON.

    python tests/benchmarks/bench_window_level.py [--baseline REV] [--repeat N]
                                                  [--sizes 48,12] [--dir /tmp/llmvis_bench_wl]

Setup (not timed; reused when the files exist): uncompressed 16-bit gray TIFFs of
8000x6000 (48 MP) and 4000x3000 (12 MP), a gradient with noise, written with tifffile.

Each measurement runs in a fresh child process: the TIFF is read as the window's loader
reads it (``read_image`` + ``screen_image``), shown in an ``ImageViewer`` of 1280x860
(fitted, shown, painted), then a right-button drag is posted to the view's viewport as
a mouse would send it, one move every 16 ms: 40 moves, a 400 ms pause with the button
held (the full resolution is asked for, then dropped), 40 more moves, a pause until the
full resolution is on screen (+200 ms), 40 more moves, release.
  drag_max_stall_ms / drag_p99_stall_ms   longest / 99th-percentile GUI-thread gap beyond
                          a 5 ms timer's period, from the press to the release (aim < 50)
  drag_stalls_over_50ms   how many gaps passed 50 ms during the drag
  drag_moving_* / drag_holding_*   the same while moves are sent / while the button is
                          held still (the pauses)
  full_mid_drag_ms        from the last move before the long pause (2.5 s) until its full
                          resolution is shown and painted; null: not shown while held
  final_after_release_ms  from the release until the viewer shows the full resolution of
                          the final window (and that picture has been painted)
  settle_max_stall_ms     longest gap from the release until 500 ms after that
  final_exact             the picture shown equals ``to_display`` of the final window
  preset_max_stall_ms     longest gap while the "Auto" preset is applied and its full
                          resolution arrives (+300 ms)

``--baseline REV`` measures the code of git revision REV too (extracted with
``git archive`` into a temporary folder, run with PYTHONPATH pointing there), alternating
with the working tree's code, so both sets of figures come from the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stallmon import StallMonitor, p99

ROOT = Path(__file__).resolve().parents[2]
SIZES = {48: (6000, 8000), 12: (3000, 4000)}  # MP -> (height, width)


def make_tiff(path: Path, h: int, w: int) -> None:
    import numpy as np
    import tifffile

    if path.exists():
        return
    rng = np.random.default_rng(1)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    img = (8000 + 40000 * x * (0.5 + 0.5 * y)).astype(np.uint16)
    img += rng.integers(0, 2000, size=(h, w), dtype=np.uint16)
    tmp = path.with_suffix(".part")
    tifffile.imwrite(tmp, img, photometric="minisblack")
    tmp.replace(path)


def child(path: str) -> None:
    import numpy as np
    from PySide6.QtCore import QEvent, QObject, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    import llmvis_desktop
    from llmvis_desktop.core.imaging.reader import read_image, to_display
    from llmvis_desktop.qt.widgets.viewer import ImageViewer
    from llmvis_desktop.qt.widgets.viewer_display import screen_image

    app = QApplication.instance() or QApplication([])
    out: dict = {"code": str(Path(llmvis_desktop.__file__).parent.parent)}
    t = time.perf_counter()
    data = read_image(path, max_pixels=None)
    ready = screen_image(data.display)
    out["read_s"] = round(time.perf_counter() - t, 2)
    viewer = ImageViewer()
    viewer.resize(1280, 860)
    viewer.show()
    viewer.show_image(data, ready)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)
    viewport = viewer._view.viewport()
    painted = [0]

    class PaintCounter(QObject):  # an event filter on the viewport: counts its paints
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                painted[0] += 1
            return False

    counter = PaintCounter()
    viewport.installEventFilter(counter)

    probe = StallMonitor()
    probe.tag = "moving"  # the drag's phase, "moving" or "holding", for each tick

    def run(seconds: float = 0.0, until=None, timeout: float = 30.0) -> float:
        """Spin the event loop for ``seconds`` or until ``until()``; returns the time spent."""
        t0 = time.perf_counter()
        end = t0 + (seconds if until is None else timeout)
        while time.perf_counter() < end:
            app.processEvents()
            if until is not None and until():
                break
            time.sleep(0.0005)
        return time.perf_counter() - t0

    def post(kind, pos: QPointF, buttons) -> None:
        button = Qt.MouseButton.RightButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        ev = QMouseEvent(kind, pos, viewport.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.postEvent(viewport, ev)

    def spread(prefix: str, values=None) -> dict:
        g = sorted(probe.stalls_ms() if values is None else values) or [0.0]
        return {f"{prefix}_max_stall_ms": round(g[-1], 1),
                f"{prefix}_p99_stall_ms": round(p99(g), 1),
                f"{prefix}_stalls_over_50ms": sum(1 for x in g if x > 50),
                f"{prefix}_ticks": len(g)}

    center = QPointF(viewport.width() / 2, viewport.height() / 2)
    right = Qt.MouseButton.RightButton
    start_window = viewer.window()
    probe.start()
    post(QEvent.Type.MouseButtonPress, center, right)
    pos = QPointF(center)
    moves = 0

    def drag(n: int) -> None:
        nonlocal pos, moves
        probe.tag = "moving"
        for i in range(n):
            pos = QPointF(pos.x() + (3 if (moves // 10) % 2 == 0 else -2), pos.y() + (2 if moves % 7 < 4 else -1))
            post(QEvent.Type.MouseMove, pos, right)
            moves += 1
            run(0.016)

    t_drag = time.perf_counter()
    drag(40)
    probe.tag = "holding"
    run(0.4)  # a short pause: the full resolution is asked for, then dropped
    drag(40)
    held = viewer.window()  # a long pause: the full resolution arrives, mid-drag, or not
    probe.tag = "holding"
    full_before, t_pause = painted[0], time.perf_counter()
    shown = run(until=lambda: not viewer.is_preview() and viewer.window() == held
                and viewer.current_display().shape[:2] == data.pixels.shape[:2], timeout=2.5) < 2.5
    run(until=lambda: painted[0] > full_before, timeout=1)
    out["full_mid_drag_ms"] = round((time.perf_counter() - t_pause) * 1000, 1) if shown else None
    run(0.2)
    drag(40)
    post(QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.NoButton)
    run(until=lambda: viewer.window() != start_window and not viewer._apply_timer.isActive(), timeout=5)
    out["drag_s"] = round(time.perf_counter() - t_drag, 2)
    probe.stop()
    out.update(spread("drag"))
    out.update(spread("drag_moving", probe.stalls_ms("moving")))
    out.update(spread("drag_holding", probe.stalls_ms("holding")))
    out["drag_moves"] = moves
    final = viewer.window()
    t_release = time.perf_counter()
    probe.start()
    shape = data.pixels.shape[:2]

    def final_shown() -> bool:
        d = viewer.current_display()
        return (not viewer.is_preview() and d is not None and d.shape[:2] == shape
                and viewer.window() == final)

    run(until=final_shown, timeout=30)
    shown_paints = painted[0]
    run(until=lambda: painted[0] > shown_paints, timeout=5)  # ... and painted
    out["final_after_release_ms"] = round((time.perf_counter() - t_release) * 1000, 1)
    run(0.5)
    probe.stop()
    out.update(spread("settle"))
    out["final_exact"] = bool(final_shown() and np.array_equal(
        viewer.current_display(), to_display(data.pixels, final, invert=viewer._invert)))

    # a preset ("Auto"): its preview at once, the full resolution off the GUI thread
    probe.start()
    combo = viewer.preset_combo
    i = combo.findText("Full range")
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    final = viewer.window()
    run(until=final_shown, timeout=30)
    run(0.3)
    probe.stop()
    out.update(spread("preset"))
    viewer.shutdown()
    print("BENCH " + json.dumps(out), flush=True)


def run_child(path: Path, pythonpath: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=pythonpath,
               QT_LOGGING_RULES="qt.qpa.*=false")
    proc = subprocess.run([sys.executable, __file__, "--child", str(path)], env=env,
                          capture_output=True, text=True, timeout=600, cwd=pythonpath)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    return {"error": proc.stderr[-3000:]}


def summarize(runs: list[dict]) -> dict:
    """Median of each figure over the repeats (and the worst drag stall)."""
    if len(runs) == 1:
        return runs[0]
    out = {}
    for key in runs[0]:
        values = [r[key] for r in runs if r.get(key) is not None]
        if not values:
            out[key] = None
            continue
        if all(isinstance(v, bool) for v in values):
            out[key] = all(values)
        elif key == "code":
            out[key] = values[0]
        elif values and all(isinstance(v, (int, float)) for v in values):
            out[key] = round(statistics.median(values), 1)
    for key in ("drag_max_stall_ms", "drag_moving_max_stall_ms"):
        out[key + "_worst"] = max(r.get(key, 0) for r in runs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default=None, help="git revision to measure as the baseline")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--sizes", default="48,12")
    ap.add_argument("--dir", default="/tmp/llmvis_bench_wl")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child)
        return
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    codes = {"current": str(ROOT)}
    tmp = None
    if args.baseline:
        tmp = tempfile.TemporaryDirectory(prefix="wl_baseline_")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "llmvis_desktop"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp.name], input=archive, check=True)
        codes = {f"baseline ({args.baseline})": tmp.name, "current": str(ROOT)}
    result: dict = {"aims": {"drag_max_stall_ms": 50}}
    for mp in (int(s) for s in args.sizes.split(",")):
        h, w = SIZES[mp]
        path = base / f"gray16_{w}x{h}.tif"
        make_tiff(path, h, w)
        runs: dict[str, list] = {name: [] for name in codes}
        for _ in range(args.repeat):
            for name, code in codes.items():  # alternating: both see the same machine load
                runs[name].append(run_child(path, code))
        result[f"{mp}MP ({w}x{h} 16-bit)"] = {name: summarize(r) for name, r in runs.items()}
    if tmp is not None:
        tmp.cleanup()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
