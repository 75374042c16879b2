"""The repair dialog's Import… holds a mask to the project's pixel limit (the
max_image_pixels setting the window opened the project with), as `repair apply` does."""
import numpy as np
import pytest
from PIL import Image


def test_import_refuses_a_mask_over_the_projects_limit(qtbot, tmp_path):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(np.full((160, 200), 128, np.uint8)).save(root / "img.png")  # 32,000 px
    big = tmp_path / "big.png"
    Image.fromarray(np.full((300, 300), 255, np.uint8)).save(big)  # 90,000 px
    with Project.open(root, max_pixels=50_000) as p:
        p.index()
        dlg = RepairDialog(root / "img.png", p)
        qtbot.addWidget(dlg)
        with pytest.raises(ValueError, match=r"big\.png: mask too large: 300x300 .*\(setting max_image_pixels\)"):
            dlg.editor.import_mask(big)
        ok = tmp_path / "ok.png"
        Image.fromarray(np.full((160, 200), 255, np.uint8)).save(ok)
        dlg.editor.import_mask(ok)
        assert dlg.editor.mask().all()
        dlg.close()
