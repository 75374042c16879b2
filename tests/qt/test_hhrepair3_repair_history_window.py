"""The History panel of a repair output was empty (its link to the original only in the
grid's tooltip): it says it is a repair of ORIGINAL, when, by whom, with what; the
original's says what it was repaired into and with what. Rendered to shots/."""
import numpy as np
from PIL import Image

from qthelpers import answers_delivered, open_and_index
from repair_dialog_helpers import SHOTS


def _repaired_folder(tmp_path):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair.apply import repair_file

    root = tmp_path / "proj"
    root.mkdir()
    rng = np.random.default_rng(2)
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(root / "part.png")
    mask = np.zeros((48, 64), np.uint8)
    mask[10:20, 12:24] = 255
    Image.fromarray(mask).save(tmp_path / "dent-mask.png")
    with Project.open(root) as p:
        p.index()
        res = repair_file(root / "part.png", tmp_path / "dent-mask.png", method="telea", project=p, actor="ann")
        p.read_headers()
        return root, res.output_image_id, p.image_by_path("part.png").id


def _trail_of(qtbot, win, image_id):
    ctl = win.panel_ctl
    win.grid.setCurrentIndex(win.model.index(win.model.row_of(image_id), 0))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == image_id, timeout=10000)
    qtbot.waitUntil(lambda: not ctl._history_timer.isActive(), timeout=10000)
    answers_delivered(ctl._history_reader)
    qtbot.waitUntil(lambda: bool(ctl.history.entries()), timeout=10000)
    return [e["what"] for e in ctl.history.entries()]


def test_the_history_of_a_repair_output_names_its_original(qtbot, window, tmp_path):
    root, out_id, src_id = _repaired_folder(tmp_path)
    win = window
    open_and_index(qtbot, win, root)
    whats = _trail_of(qtbot, win, out_id)
    assert whats == ["repair of part.png\nwith Telea (OpenCV), mask from dent-mask.png"]
    assert win.panel_ctl.history.entries()[0]["who"] == "ann"
    SHOTS.mkdir(exist_ok=True)
    win.panel_ctl.history.grab().save(str(SHOTS / "hhrepair3_history_output.png"))
    whats = _trail_of(qtbot, win, src_id)
    assert "repaired \u2192 part.repaired.png\nwith Telea (OpenCV), mask from dent-mask.png" in whats
    win.panel_ctl.history.grab().save(str(SHOTS / "hhrepair3_history_original.png"))
