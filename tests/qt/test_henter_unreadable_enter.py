"""Enter on an image the index could not read (a truncated JPEG) marked it reviewed, yet
the status bar and ``llmvis info`` counted it under "error" and ``llmvis evaluate`` under
"reviewed" (/tmp/hunt-huser4: "23 reviewed" against 21). Nobody can see such an image:
Enter, R and Delete now mark nothing and say why, so every count agrees."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.evaluate import evaluate


def test_review_keys_refuse_an_unreadable_image(qtbot, window, labelled_folder):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(buf, "JPEG")
    (labelled_folder / "aaa_truncated.jpg").write_bytes(buf.getvalue()[:200])  # a JPEG cut short
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    [bad] = [i for i in project.image_ids() if project.image(i).relpath == "aaa_truncated.jpg"]
    qtbot.waitUntil(lambda: project.image(bad).status == "error", timeout=20000)
    win.model.refresh_ids([bad])
    win.grid.select_row(win.model.row_of(bad))
    qtbot.waitUntil(lambda: win.review.current is not None and win.review.current.id == bad, timeout=5000)
    cur = win.review.current
    assert cur.relpath == "aaa_truncated.jpg"
    win.grid.setFocus()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_R, Qt.Key.Key_Delete):
        QTest.keyClick(win.grid, key)
        said = win.statusBar().currentMessage()
        assert said.startswith("Not marked") and "aaa_truncated.jpg could not be read" in said, said
        assert win.review.current.id == cur.id  # it stays there: Right goes on
    with Project.open(labelled_folder) as p:
        rec = p.image(cur.id)
        counts = p.counts_by_status()
        report = evaluate(p)
    assert (rec.status, rec.review_status) == ("error", "new")
    assert report["images"]["reviewed"] == counts.get("reviewed", 0)
