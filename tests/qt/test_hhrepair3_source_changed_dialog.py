"""Accept in the repair dialog after the image was rewritten on disk (since the preview):
refused, the file named, the stale preview dropped (Accept off), nothing saved."""
import numpy as np
from PIL import Image

from repair_dialog_helpers import SHOTS, brick_project_fixture, telea_preview  # noqa: F401 - the brick_project fixture


def test_accept_after_the_image_changed_refuses_and_asks_to_repair_again(qtbot, brick_project):
    from llmvis_desktop.core.project import Project

    src = brick_project / "brick.png"
    with Project.open(brick_project) as p:
        dlg = telea_preview(qtbot, src, p)
        pixels = np.asarray(Image.open(src)).copy()
        pixels[:10] = 0  # another program saved over it (same size)
        Image.fromarray(pixels).save(src)
        got = []
        dlg.repaired.connect(got.append)
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)
        text = dlg.status.text()
        assert not got and dlg.isVisible()
        assert "Not saved" in text and str(src) in text and "Run the repair again" in text
        assert not dlg.accept_btn.isEnabled() and not dlg.results  # the old preview cannot be saved
        assert dlg.editor.mask().any()  # the mask is kept: Repair runs again on the new image
        assert not (brick_project / "repaired").exists() or not [
            f for f in (brick_project / "repaired").rglob("*") if f.is_file()]
        assert p.repairs(p.image_by_path("brick.png").id) == []
        SHOTS.mkdir(exist_ok=True)
        dlg.grab().save(str(SHOTS / "hhrepair3_source_changed.png"))
        qtbot.waitUntil(lambda: dlg.loaded, timeout=15000)  # read again (Repair is off meanwhile)
        assert dlg.run_btn.isEnabled()
        dlg.run_repair()  # run again: saved now
        qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
        dlg.save_repair()
        qtbot.waitUntil(lambda: bool(got), timeout=15000)
        assert len(p.repairs(p.image_by_path("brick.png").id)) == 1
