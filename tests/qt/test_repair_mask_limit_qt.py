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


def test_the_dialog_reads_the_image_under_the_projects_limit_and_names_it(qtbot, tmp_path, monkeypatch):
    """The image itself was read with the default limit (~179 MP), whatever the project's
    max_image_pixels: a file over the project's limit opened (and one over the default but
    under a larger setting was refused). Over it, the dialog is refused naming the file
    and the limit, as `repair apply` does."""
    from llmvis_desktop.core.imaging.errors import ImageReadError
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    root = tmp_path / "proj"
    root.mkdir()
    Image.fromarray(np.full((1000, 1100), 128, np.uint8)).save(root / "wide.png")  # 1.1 MP
    with Project.open(root, max_pixels=1_000_000) as p:
        with pytest.raises(ImageReadError) as caught:
            RepairDialog(root / "wide.png", p)
        assert "wide.png" in str(caught.value)
        assert "1100x1000 = 1.1 MP exceeds the limit of 1.0 MP (setting max_image_pixels)" in str(caught.value)
    # a project's limit above the built-in one (here made 0.5 MP): the image opens, and its
    # preview repair (which read it again with the built-in limit) runs
    from llmvis_desktop.core.imaging import reader

    monkeypatch.setattr(reader, "DEFAULT_MAX_PIXELS", 500_000)
    with Project.open(root, max_pixels=2_000_000) as p:
        dlg = RepairDialog(root / "wide.png", p)
        qtbot.addWidget(dlg)
        assert dlg.data.display.shape[:2] == (1000, 1100)
        dlg.editor.canvas.fill_rect(10, 10, 40, 30)
        dlg.method.setCurrentIndex(dlg.method.findData("telea"))
        dlg.run_repair()
        qtbot.waitUntil(lambda: "telea" in dlg.results or "too large" in dlg.status.text(), timeout=15000)
        assert "telea" in dlg.results, dlg.status.text()
        dlg.close()


def test_import_of_a_mask_of_another_size_names_the_mask(qtbot, tmp_path):
    """Import… of a wrong-size mask said "the mask is 320x200 but the image is 320x256"
    without naming the file (the CLI names it)."""
    from llmvis_desktop.qt.widgets.mask_editor import MaskEditor

    ed = MaskEditor(np.full((256, 320), 128, np.uint8))
    qtbot.addWidget(ed)
    wrong = tmp_path / "wrong_size.png"
    Image.fromarray(np.full((200, 320), 255, np.uint8)).save(wrong)
    with pytest.raises(ValueError) as info:
        ed.import_mask(wrong)
    assert str(info.value) == (f"the mask {wrong} is 320x200 but the image is 320x256; "
                               f"masks must have the image's size")
    assert not ed.mask().any()


def test_import_of_an_empty_mask_says_so_and_keeps_the_painting(qtbot, tmp_path, monkeypatch):
    """An all-black mask file was taken without a word (the painting replaced by nothing);
    the user learned only at Repair that the mask was empty."""
    from llmvis_desktop.qt.widgets import mask_editor
    from llmvis_desktop.qt.widgets.mask_editor import MaskEditor

    ed = MaskEditor(np.full((64, 80), 128, np.uint8))
    qtbot.addWidget(ed)
    painted = np.zeros((64, 80), bool)
    painted[10:20, 10:20] = True
    ed.set_mask(painted)
    empty = tmp_path / "empty.png"
    Image.fromarray(np.zeros((64, 80), np.uint8)).save(empty)
    said = []
    monkeypatch.setattr(mask_editor.QFileDialog, "getOpenFileName", lambda *a, **k: (str(empty), ""))
    monkeypatch.setattr(mask_editor.QMessageBox, "warning", lambda parent, title, text: said.append(text))
    ed.import_dialog()
    assert said == [f"{empty}: the mask is empty (no pixel set)"]
    assert (ed.mask() == painted).all()
