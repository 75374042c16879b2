"""Import… in the repair dialog of a repair output (a repair of a repair) starts in the
masks of the earlier repairs, ``repaired/.masks`` beside it, where this repair's mask
goes too: it pointed at ``repaired/repaired/.masks``, a folder that is never made, and so
opened in ``repaired/``."""
import numpy as np
from PIL import Image


def test_import_of_a_repair_outputs_repair_starts_in_the_masks_beside_it(qtbot, tmp_path):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    root = tmp_path / "proj"
    (root / "repaired" / ".masks").mkdir(parents=True)
    px = np.random.default_rng(0).integers(0, 255, (40, 50), np.uint8)
    Image.fromarray(px).save(root / "a.png")
    Image.fromarray(px).save(root / "repaired" / "a.repaired.png")
    with Project.open(root) as p:
        p.index()
        dlg = RepairDialog(root / "repaired" / "a.repaired.png", p)
        qtbot.addWidget(dlg)
        assert dlg.editor.import_dirs[0] == root / "repaired" / ".masks"
        dlg2 = RepairDialog(root / "a.png", p)  # an original: its repaired/.masks, as before
        qtbot.addWidget(dlg2)
        assert dlg2.editor.import_dirs[0] == root / "repaired" / ".masks"


def test_import_of_a_mask_turned_a_quarter_says_to_turn_it(qtbot, tmp_path):
    import pytest

    from llmvis_desktop.qt.widgets.mask_editor import MaskEditor

    ed = MaskEditor(np.full((40, 30), 128, np.uint8))
    qtbot.addWidget(ed)
    turned = tmp_path / "turned.png"
    Image.fromarray(np.full((30, 40), 255, np.uint8)).save(turned)
    with pytest.raises(ValueError) as info:
        ed.import_mask(turned)
    assert str(info.value).startswith(f"the mask {turned} is 40x30 but the image is 30x40; masks must have the "
                                      f"image's size")
    assert "quarter turn" in str(info.value) and not ed.mask().any()


def test_the_repair_records_behind_import_s_folder_are_read_on_the_loading_worker(qtbot, tmp_path, monkeypatch):
    """Opened from the window (``background=True``), the dialog asks the project's repair
    records whether its image is a repair output (where Import… starts) on the worker that
    reads the image, not on the GUI thread as it was built: two database reads there
    (5-8 ms on SQLite, two round trips to a team's PostgreSQL) in the open's stall."""
    import threading

    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.repair import apply
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    root = tmp_path / "proj"
    (root / "repaired" / ".masks").mkdir(parents=True)
    px = np.random.default_rng(0).integers(0, 255, (40, 50), np.uint8)
    Image.fromarray(px).save(root / "a.png")
    Image.fromarray(px).save(root / "b.png")
    threads = []
    real = apply.recorded_outputs

    def recorded(project, path, *a, **k):
        threads.append(threading.current_thread())
        return [1] if path.name == "b.png" else real(project, path, *a, **k)  # b.png: a recorded output

    monkeypatch.setattr(apply, "recorded_outputs", recorded)
    with Project.open(root) as p:
        p.index()
        dlg = RepairDialog(root / "b.png", p, background=True)
        qtbot.addWidget(dlg)
        assert dlg.wait_loaded()
        assert threads and threading.main_thread() not in threads, threads
        assert dlg.editor.import_dirs[0] == root / ".masks"  # beside the recorded output, as before
        dlg.close()
