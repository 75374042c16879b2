"""A repair made in the dialog from an imported mask records that file as its mask's
source (every dialog repair recorded "painted", the imported ones too, while
``llmvis repair apply --mask FILE`` records the file): "FILE, edited" when it was changed
after the import, "painted" when none was imported."""
import numpy as np
import pytest
from PIL import Image

from repair_dialog_helpers import brick_project_fixture, telea_saved  # noqa: F401 - the brick_project fixture


def _saved_source(qtbot, dlg, p):
    saved = telea_saved(qtbot, dlg)
    (rec,) = [r for r in p.repairs(p.image_by_path("brick.png").id) if r.id == saved.repair_id]
    return rec.params["mask_source"]


@pytest.mark.parametrize("edit", ["none", "stroke", "never imported"])
def test_the_mask_source_is_recorded(qtbot, brick_project, tmp_path, edit):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    m = np.zeros((160, 200), np.uint8)
    m[58:68, 18:182] = 255
    mask_file = tmp_path / "scratch_mask.png"
    Image.fromarray(m).save(mask_file)
    with Project.open(brick_project) as p:
        dlg = RepairDialog(brick_project / "brick.png", p, actor="tester")
        qtbot.addWidget(dlg)
        if edit == "never imported":
            dlg.editor.canvas.fill_rect(18, 58, 182, 68)
        else:
            dlg.editor.import_mask(mask_file)
        if edit == "stroke":
            dlg.editor.canvas.paint_stroke([(100, 100), (120, 100)])
        source = _saved_source(qtbot, dlg, p)
    want = {"none": str(mask_file.resolve()), "stroke": f"{mask_file.resolve()}, edited",
            "never imported": "painted"}[edit]
    assert source == want
