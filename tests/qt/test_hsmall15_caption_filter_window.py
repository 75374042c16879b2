"""The filter bar's caption choice: "No caption" lists the images still to caption, "Has
caption" the others; the counts line follows it, it is kept with the reviewer's view, and
the bar still fits a 1280 px window with it."""
from __future__ import annotations

from PIL import Image

from qthelpers import open_and_index

from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.qt import view_memory


def test_no_caption_lists_the_images_to_caption(qtbot, window, tmp_path):
    root = tmp_path / "imgs"
    (root / "cam2").mkdir(parents=True)
    for i in range(6):
        Image.new("RGB", (8, 6), (i * 30, 0, 0)).save(root / ("cam2" if i >= 4 else "") / f"img_{i}.png")
    win = window
    project = open_and_index(qtbot, win, root)
    ids = {project.image(i).relpath: i for i in win.model.ids}
    project.set_caption(ids["img_1.png"], "a scratch", "t")
    project.set_caption(ids["cam2/img_4.png"], "a dent", "t")
    bar = win.filter_bar
    assert [bar.caption.itemText(i) for i in range(bar.caption.count())] == ["Any caption", "Has caption",
                                                                          "No caption"]
    bar.caption.setCurrentIndex(bar.caption.findText("No caption"))
    assert bar.current()[0] == ImageFilter(has_caption=False)
    qtbot.waitUntil(lambda: win.model.rowCount() == 4, timeout=5000)
    assert sorted(win.model.record_at(r).relpath for r in range(4)) == [
        "cam2/img_5.png", "img_0.png", "img_2.png", "img_3.png"]
    qtbot.waitUntil(lambda: bar.count_label.text() == "4 of 6", timeout=5000)
    bar.caption.setCurrentIndex(bar.caption.findText("Has caption"))
    qtbot.waitUntil(lambda: win.model.rowCount() == 2, timeout=5000)
    state = view_memory.view_state(bar)
    assert state == {"caption": True}
    assert view_memory.describe(bar) == "has caption"
    bar.reset()
    assert bar.current()[0] is None
    assert view_memory.restore_view(bar, {"caption": False}) == [] and bar.caption.currentText() == "No caption"
    # with a folder chosen too, in a 1280 px window: every choice whole, the search box readable
    bar.folder.setCurrentIndex(bar.folder.findData("cam2"))
    bar.caption.setCurrentIndex(bar.caption.findText("Has caption"))
    win.resize(1280, 800)
    qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: bar.count_label.text() == "1 of 6", timeout=5000)
    for w in (bar.status, bar.folder, bar.caption, bar.label, bar.sort, bar.count_label):
        assert w.width() >= w.minimumSizeHint().width(), w.objectName()
    assert bar.text.width() >= bar.text.fontMetrics().horizontalAdvance(bar.text.placeholderText())
    assert not bar.count_label.is_elided()
    import os
    if os.environ.get("SHOT"):
        win.grab().save(os.environ["SHOT"])
