"""Accept refused because the image changed on disk since the preview: the dialog's
"before" view kept showing the image as first opened (until the dialog was reopened), and
the refusal said "Not saved: ... nothing was saved". Now the image is read again, the
mask kept, and the refusal says it once."""
import numpy as np
from PIL import Image

from repair_dialog_helpers import SHOTS, brick_project_fixture, telea_preview  # noqa: F401 - the brick_project fixture


def _dark_top(img) -> bool:
    """Whether the top rows of the QImage ``img`` are black (as the rewritten file's)."""
    return all(img.pixelColor(x, 3).lightness() == 0 for x in range(0, img.width(), 7))


def test_a_refused_accept_shows_the_image_as_it_is_now(qtbot, brick_project):
    from llmvis_desktop.core.project import Project

    src = brick_project / "brick.png"
    with Project.open(brick_project) as p:
        dlg = telea_preview(qtbot, src, p)
        painted = dlg.editor.mask().copy()  # (as painted: the preview leaves it)
        assert not _dark_top(dlg.view.before)
        pixels = np.asarray(Image.open(src)).copy()
        pixels[:10] = 0  # another program saved over it (same size)
        Image.fromarray(pixels).save(src)
        dlg.save_repair()
        qtbot.waitUntil(lambda: not dlg.saving, timeout=15000)
        qtbot.waitUntil(lambda: dlg.loaded, timeout=15000)  # read again
        assert _dark_top(dlg.view.before)  # the before view: the image as it is now
        assert np.array_equal(dlg.editor.mask(), painted)  # the mask kept
        text = dlg.status.text()
        assert text.startswith("Not saved: ") and str(src) in text and "Run the repair again" in text
        assert "nothing was saved" not in text.lower()  # said once, by "Not saved"
        assert dlg.editor.isEnabled() and dlg.run_btn.isEnabled()
        SHOTS.mkdir(exist_ok=True)
        dlg.grab().save(str(SHOTS / "hhrepair4_source_changed_reload.png"))
        got = []
        dlg.repaired.connect(got.append)
        dlg.run_repair()  # repaired again, of the image as it is now: saved
        qtbot.waitUntil(lambda: "telea" in dlg.results, timeout=15000)
        dlg.save_repair()
        qtbot.waitUntil(lambda: bool(got), timeout=15000)
        assert len(p.repairs(p.image_by_path("brick.png").id)) == 1
