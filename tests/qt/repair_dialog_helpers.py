"""The repair dialog's test modules' project (a brick photo with a bright scratch) and
where their screenshots go."""
from pathlib import Path

import pytest
from PIL import Image

SHOTS = Path(__file__).resolve().parents[2] / "shots"


@pytest.fixture(name="brick_project")
def brick_project_fixture(tmp_path):
    """A project of one image, brick.png: a brick wall photo with a bright scratch (its
    folder; imported by name in the modules that use it)."""
    from skimage import data as sd

    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    img = sd.brick()[:160, 256:456].copy()
    img[60:66, 20:180] = 255  # a bright scratch: the "defect"
    Image.fromarray(img).save(root / "brick.png")
    with Project.open(root) as p:
        p.index()
    return root


def telea_preview(qtbot, src, project, **dialog_kw):
    """The repair dialog over ``src`` shown (``dialog_kw``: its own, e.g. ``actor``), the
    scratch painted over and a telea preview made (Accept's turn next)."""
    from llmvis_desktop.qt.dialogs.repair_dialog import RepairDialog

    dlg = RepairDialog(src, project, **dialog_kw)
    qtbot.addWidget(dlg)
    dlg.resize(900, 600)
    dlg.show()
    dlg.editor.canvas.fill_rect(18, 57, 182, 69)
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results and dlg.run_btn.isEnabled(), timeout=15000)
    return dlg


def telea_saved(qtbot, dlg):
    """A telea repair of what ``dlg``'s mask covers made and Accepted: the ``repaired``
    result (its repair id, output and mask paths); fails with the status line when none."""
    dlg.method.setCurrentIndex(dlg.method.findData("telea"))
    dlg.run_repair()
    qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
    got = []
    dlg.repaired.connect(got.append)
    dlg.save_repair()
    qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)
    assert got, dlg.status.text()
    return got[0]
