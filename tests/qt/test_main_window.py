"""The real main window: open a folder, index it, show grid and viewer, close cleanly."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project


def test_welcome_then_open_folder(qtbot, window, image_folder):
    assert window.stack.currentWidget() is window.welcome
    project = open_and_index(qtbot, window, image_folder)
    assert window.stack.currentWidget() is window.browse_page
    assert window.model.rowCount() == 12
    qtbot.waitUntil(lambda: "12 images" in window.counts_label.text())
    # first image selected, shown in the viewer
    assert window.review.current is not None
    qtbot.waitUntil(lambda: window.viewer.mode() == "image", timeout=10000)
    # thumbnails arrive for the visible rows
    qtbot.waitUntil(lambda: window.thumbs.pending() == 0 and len(window.thumbs._lru) > 0, timeout=10000)
    assert project.info()["headers_pending"] == 0


def test_deleted_file_shows_error_not_crash(qtbot, window, image_folder):
    open_and_index(qtbot, window, image_folder)
    rec = window.review.current
    (image_folder / rec.relpath).unlink()
    window.review.next()
    window.review.prev()
    qtbot.waitUntil(lambda: window.viewer.mode() == "error", timeout=10000)
    assert "not found" in window.viewer.error_text()


def test_position_remembered(qtbot, window, image_folder, config):
    open_and_index(qtbot, window, image_folder)
    for _ in range(3):
        QTest.keyClick(window.grid, Qt.Key.Key_Right)
    rel = window.review.current.relpath
    window.close_project()
    with Project.open(image_folder) as p:  # each reviewer's own place
        assert p.settings()[f"position:{window.review.actor()}"] == rel
        assert "position" not in p.settings()
        p.set_setting("position:someone else", "b.png")
    open_and_index(qtbot, window, image_folder)
    assert window.review.current.relpath == rel


def test_close_while_indexing_joins_threads(qtbot, window, tmp_path):
    from qthelpers import make_images

    folder = tmp_path / "many"
    make_images(folder, n=300, size=(32, 32))
    window.open_project(folder)
    qtbot.waitUntil(lambda: window.index_job is not None, timeout=10000)  # (opened off the GUI thread)
    window.close()
    assert window.jobs.pool.activeThreadCount() == 0


def test_demo_project_opens(qtbot, window):
    with qtbot.waitSignal(window.index_finished, timeout=60000):
        assert window.open_demo()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=20000)
    assert window.project.labels()
    assert window.panel_ctl.labels.chip(window.project.labels()[0].name) is not None


def test_uncaught_exception_logged_and_shown(qtbot, window):
    import logging

    from llmvis_desktop import __main__ as entry
    from llmvis_desktop.core.config import log_dir

    entry.setup_logging()
    try:
        try:
            raise RuntimeError("slot exploded")
        except RuntimeError:
            import sys

            entry.excepthook(*sys.exc_info())
        box = entry.excepthook.last_box
        qtbot.addWidget(box)
        assert box.isVisible() and "slot exploded" in box.text()
        for h in logging.getLogger().handlers:
            h.flush()
        assert "slot exploded" in (log_dir() / "llmvis.log").read_text()
        assert window.isVisible()  # the app keeps running
    finally:
        root = logging.getLogger()
        for h in list(root.handlers):
            if isinstance(h, (logging.handlers.RotatingFileHandler,)) or getattr(h, "stream", None) is not None and h.__class__ is logging.StreamHandler:
                root.removeHandler(h)
                h.close()


def test_a_folder_reopens_on_the_database_it_was_opened_with(qtbot, window, image_folder, tmp_path):
    """A reviewer opened the folder on the team's database once (--db): reopening it from
    the recent list or the last project uses that database again, not the folder's own
    file, and the status bar names it."""
    from llmvis_desktop.core.config import load_config

    team_db = f"sqlite:///{tmp_path / 'team.sqlite'}"  # stands in for the team's PostgreSQL URL
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(image_folder, team_db)
    assert window.project.db_url == team_db
    assert window.db_label.text() == f"database: {team_db}"
    window.close_project()
    open_and_index(qtbot, window, image_folder)  # as the recent menu does: the folder alone
    assert window.project.db_url == team_db
    assert not (image_folder / ".llmvis" / "project.sqlite").exists()  # no second, private database
    saved = load_config()
    assert saved.database_for(str(image_folder)) == team_db


def test_a_remembered_database_keeps_no_password(tmp_path):
    from llmvis_desktop.core.config import Config, load_config, save_config

    cfg = Config()
    cfg.remember_project(str(tmp_path), "postgresql+psycopg://alice:s3cret@db.example:5432/labels")
    assert cfg.database_for(str(tmp_path)) == "postgresql+psycopg://alice@db.example:5432/labels"
    path = save_config(cfg, tmp_path / "config.json")
    assert "s3cret" not in path.read_text() and load_config(path) == cfg
    cfg.remember_project(str(tmp_path / "other"))  # opened on its own file: nothing remembered
    assert cfg.database_for(str(tmp_path / "other")) is None


def test_the_viewer_keeps_the_image_after_a_sort_or_filter_change(qtbot, window, image_folder):
    """The grid's reset cleared the viewer, and the same image selected again was taken
    as already shown: "No image selected" beside a selected image."""
    open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: window.viewer.mode() == "image", timeout=10000)
    keep = window.review.current.id
    flt, sort, _desc = window.filter_bar.current()
    window.project_ctl.on_filter(flt, sort, True)
    qtbot.waitUntil(lambda: window.review.current is not None and window.review.current.id == keep, timeout=5000)
    qtbot.waitUntil(lambda: window.viewer.mode() == "image", timeout=10000)


def test_a_reindex_shows_a_changed_file_anew(qtbot, window, image_folder):
    """After F5 the grid kept the old thumbnail (and status) of a changed or removed file."""
    import os
    import time

    from PIL import Image

    open_and_index(qtbot, window, image_folder)
    rec = window.review.current
    qtbot.waitUntil(lambda: window.thumbs.cached(rec.id, window.model.thumb_size) is not None, timeout=10000)
    path = image_folder / rec.relpath
    Image.new("RGB", (90, 30), (255, 0, 0)).save(path)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    old = window.thumbs.cached(rec.id, window.model.thumb_size)
    assert old is not None and old.width() < 2 * old.height()  # 4:3

    def new_thumbnail() -> bool:  # dropped, then made again from the changed file (3:1)
        pm = window.thumbs.cached(rec.id, window.model.thumb_size)
        return pm is not None and pm.width() > 2 * pm.height()

    with qtbot.waitSignal(window.index_finished, timeout=20000):
        window.project_ctl.start_index()
    window.grid.viewport().update()
    qtbot.waitUntil(new_thumbnail, timeout=10000)
    qtbot.waitUntil(lambda: window.review.current.width == 90, timeout=10000)


def test_a_reindex_shows_a_file_replaced_with_its_size_and_mtime_kept(qtbot, window, image_folder):
    """cp -p, rsync -t, tar x: same byte size, same mtime, new pixels. The index saw no
    change, and the grid kept the old thumbnail (memory and disk) while the viewer showed
    the new image."""
    import os
    import time

    from PIL import Image

    path = image_folder / "zz_frame.bmp"
    Image.new("RGB", (40, 30), (255, 0, 0)).save(path)
    open_and_index(qtbot, window, image_folder)
    rec = next(r for r in map(window.model.record_at, range(window.model.rowCount()))
               if r.name == "zz_frame.bmp")
    size = window.model.thumb_size

    def center():
        pm = window.thumbs.pixmap(rec.id, path, size)  # queued when missing
        if pm is None:
            return None
        c = pm.toImage().pixelColor(pm.width() // 2, pm.height() // 2)
        return (c.red(), c.green(), c.blue())

    qtbot.waitUntil(lambda: center() == (255, 0, 0), timeout=10000)
    st = os.stat(path)
    time.sleep(0.05)  # ctime has the kernel's coarse clock
    Image.new("RGB", (40, 30), (0, 0, 255)).save(image_folder / "new.tmp", "BMP")
    os.replace(image_folder / "new.tmp", path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        window.project_ctl.start_index()
    qtbot.waitUntil(lambda: center() == (0, 0, 255), timeout=10000)


def test_a_recent_project_that_is_gone_leaves_the_open_one_open(qtbot, window, image_folder, tmp_path):
    open_and_index(qtbot, window, image_folder)
    assert window.project_ctl.open_project(tmp_path / "deleted-since") is False
    assert window.project is not None and window.stack.currentWidget() is window.browse_page


def test_a_renamed_label_filter_follows_the_rename_and_a_removed_one_says_so(qtbot, window, image_folder):
    """Renaming the label the grid was filtered by reset the dropdown to 'Any label' and
    listed every image (the choice was looked up by name); a rename keeps every image's
    label, so the filter follows it. Removing the label falls back to any label, in words."""
    project = open_and_index(qtbot, window, image_folder)
    project.add_label("scratch")
    first = project.image_ids()[0]
    project.set_labels(first, ["scratch"], "t")
    window.panel_ctl.reload_labels()
    fb = window.filter_bar
    fb.label.setCurrentIndex(fb.label.findData("scratch"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    with qtbot.waitSignal(window.query_loader.done, timeout=5000):
        window.panel_ctl._label_change("scratch", new_name="scuff")
    assert fb.label.currentText() == "scuff" and window.model.filter.label == "scuff"
    assert window.model.rowCount() == 1 and window.model.ids == [first]
    with qtbot.waitSignal(window.query_loader.done, timeout=5000):
        window.panel_ctl._remove_label("scuff")
    assert fb.label.currentText() == "Any label" and window.model.filter is None
    assert window.model.rowCount() == 12
    assert "scuff" in window.statusBar().currentMessage()


def test_a_filter_change_is_queried_off_the_gui_thread(qtbot, window, image_folder, monkeypatch):
    """The grid's query ran on the GUI thread: 0.1-0.15 s of frozen window per filter or
    sort change at 100k images. A slow query now runs beside it."""
    import threading

    from llmvis_desktop.core.store.records import ImageFilter

    project = open_and_index(qtbot, window, image_folder)
    real = project.image_ids
    threads, gate, answered = [], threading.Event(), []

    def slow(*a, **k):  # a query that lasts until the test lets it end
        threads.append(threading.current_thread())
        gate.wait(10)
        try:
            return real(*a, **k)
        finally:
            answered.append(1)

    monkeypatch.setattr(project, "image_ids", slow)
    window.project_ctl.on_filter(ImageFilter(path_prefix="b"), "name", False)
    assert not answered  # returned at once, the query still running
    gate.set()
    qtbot.waitUntil(lambda: window.model.rowCount() == 6 and window.review.current is not None, timeout=5000)
    assert threads and all(th is not threading.main_thread() for th in threads)
    assert window.review.current.relpath.startswith("b/")


def test_the_frames_of_a_multi_frame_image_can_be_stepped_through(qtbot, window, tmp_path):
    """Only the first frame of a multi-frame DICOM could ever be seen."""
    import shutil

    import numpy as np
    from pydicom.data import get_testdata_file

    folder = tmp_path / "series"
    folder.mkdir()
    shutil.copyfile(get_testdata_file("rtdose.dcm", download=False), folder / "dose.dcm")
    open_and_index(qtbot, window, folder)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    shown, count = viewer.frames()
    assert (shown, count) == (0, 15) and viewer.frame_label.text() == "frame 1/15"
    assert not viewer.frame_label.isHidden() and not viewer.prev_frame_button.isEnabled()
    first = viewer.current_display().copy()
    window.act_next_frame.trigger()
    qtbot.waitUntil(lambda: viewer.frames()[0] == 1, timeout=10000)
    assert viewer.frame_label.text() == "frame 2/15" and not np.array_equal(first, viewer.current_display())
    window.act_prev_frame.trigger()
    qtbot.waitUntil(lambda: viewer.frames()[0] == 0, timeout=10000)
    window.act_prev_frame.trigger()  # at the first frame: stays
    assert viewer.frames()[0] == 0
    # the reviewer's window stays through the steps (it was reset at each, and frames
    # without a window of their own were each stretched to their own range)
    loaded = viewer._loaded_window
    viewer.set_window(1_000_000.0, 100_000.0)
    viewer.set_zoom(4.0)
    window.act_next_frame.trigger()
    qtbot.waitUntil(lambda: viewer.frames()[0] == 1, timeout=10000)
    assert viewer.window() == (1_000_000.0, 100_000.0)
    # the zoom stays (each step went back to Fit) and so does the box: still the
    # reviewer's own window, and "As loaded" brings back the image's (it kept the reviewer's)
    assert viewer.zoom() == 4.0 and not viewer._fit_mode
    assert viewer.preset_combo.currentText() == "Custom"
    viewer._on_preset(viewer.preset_combo.findText("As loaded"))
    assert viewer.window() == loaded


def test_an_8_bit_dicom_can_be_windowed(qtbot, window, tmp_path):
    """Its narrow file window (79% of the pixels saturated) could not be widened: window/level
    was offered for data deeper than 8 bits only."""
    import numpy as np
    import pydicom
    from pydicom.data import get_testdata_file

    folder = tmp_path / "eight"
    folder.mkdir()
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    px = (np.arange(128 * 128).reshape(128, 128) % 256).astype(np.uint8)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    del ds.RescaleSlope, ds.RescaleIntercept  # stored values as they are: uint8 pixels
    ds.WindowCenter, ds.WindowWidth = 60, 40
    ds.PixelData = px.tobytes()
    ds.save_as(folder / "eight.dcm", enforce_file_format=False)
    open_and_index(qtbot, window, folder)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    assert viewer.window_enabled() and viewer.window() == (60.0, 40.0)
    viewer.set_window(128.0, 256.0)
    assert viewer.window() == (128.0, 256.0)
    assert np.abs(viewer.current_display().astype(int) - px).max() <= 1  # 0-255 shown about as stored


def _settle(qtbot, window) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(30)


def test_the_window_can_be_1024_wide_whatever_its_texts_say(qtbot, window, image_folder):
    """The window could not be narrower than ~1440 px (the filter bar, the learned
    suggester's status line, the caption hint, the viewer's status line each asked for
    their whole width) and grew while a long caption was typed."""
    import shutil

    long_name = "line3_camera2_2024-05-17T14-33-05_lot-A77812_" * 4 + "scratch.png"
    assert len(long_name) >= 190
    shutil.copyfile(image_folder / "a" / "img_000.png", image_folder / long_name)
    (image_folder / ("broken_" + long_name)).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    open_and_index(qtbot, window, image_folder)
    window.suggest_ctl.status_label.setText("Learned suggester: needs 10 more reviewed images "
                                           + "(5 more of 'scratch', 5 more of 'ok') " * 6)
    window.resize(1024, 700)
    _settle(qtbot, window)
    assert window.width() <= 1024 and window.height() <= 700
    for name in (long_name, "broken_" + long_name):
        row = next(i for i in range(window.model.rowCount()) if window.model.index(i, 0).data() == name)
        window.review.go_to_row(row)
        qtbot.waitUntil(lambda: window.viewer.mode() in ("image", "error"), timeout=10000)
        window.resize(1024, 700)
        _settle(qtbot, window)
        assert window.width() <= 1024, name
    window.edit_caption()
    QTest.keyClicks(window.panel_ctl.caption.edit, "a long caption about a scratch " * 13)
    window.resize(1024, 700)
    _settle(qtbot, window)
    assert window.width() <= 1024 and window.height() <= 700
    assert window.minimumSizeHint().width() <= 1024


def test_a_dicom_shown_at_1024_leaves_the_docks_their_width(qtbot, window, image_folder):
    """Showing one DICOM (or 16-bit image) at 1024x700 put the viewer's W/L box on its
    toolbar's row: the viewer's minimum width grew by 160 px and the main window took
    it from the right-hand docks (317 -> 156 px), for good, even on PNGs after."""
    import shutil

    from PySide6.QtCore import QRect
    from pydicom.data import get_testdata_file

    shutil.copyfile(get_testdata_file("CT_small.dcm", download=False), image_folder / "ct.dcm")
    shutil.copyfile(get_testdata_file("rtdose.dcm", download=False), image_folder / "dose.dcm")
    open_and_index(qtbot, window, image_folder)
    window.resize(1024, 700)
    viewer = window.viewer

    def show(name: str) -> None:
        row = next(i for i in range(window.model.rowCount()) if window.model.index(i, 0).data() == name)
        window.review.go_to_row(row)
        qtbot.waitUntil(lambda: viewer.mode() == "image" and window.review.current.name == name, timeout=10000)
        _settle(qtbot, window)

    docks = [window.panels[k].parentWidget() for k in ("labels", "caption", "suggestions", "history")]
    show("img_000.png")
    widths, viewer_min = [d.width() for d in docks], viewer.minimumSizeHint().width()
    assert min(widths) >= 300
    for name in ("ct.dcm", "dose.dcm", "img_000.png", "dose.dcm"):
        show(name)
        assert [d.width() for d in docks] == widths, name
        assert viewer.minimumSizeHint().width() <= viewer_min, name
    # the W/L box and the frame stepper are shown whole (on a second line of the toolbar)
    inside = QRect(0, 0, viewer.width(), viewer.height())
    for w in (viewer.preset_combo, viewer.next_frame_button, viewer.zoom_in_button):
        assert w.isVisible() and inside.contains(QRect(w.mapTo(viewer, w.rect().topLeft()), w.size())), w
    assert viewer.preset_combo.width() >= viewer.preset_combo.minimumSizeHint().width()


def test_at_1024_the_labels_dock_shows_every_chip_and_the_add_field(qtbot, window, labelled_folder):
    """At 1024x700 the Labels dock showed 4 of the demo's 5 chips (the fifth cut in half)
    and no "+ Add label" field, behind a tiny scroll bar: the chips are the review keys."""
    from PySide6.QtCore import QRect

    project = open_and_index(qtbot, window, labelled_folder)
    project.add_label("pitting")
    window.panel_ctl.reload_labels()
    window.resize(1024, 700)
    _settle(qtbot, window)
    qtbot.wait(50)
    _settle(qtbot, window)
    panel = window.panel_ctl.labels
    view = panel.scroll.viewport()
    shown = QRect(0, 0, view.width(), view.height())
    names = [d.name for d in project.labels()]
    assert len(names) == 5
    for w in [panel.chip(n) for n in names]:
        box = QRect(w.mapTo(view, w.rect().topLeft()), w.size())
        assert shown.contains(box), (w.text(), box, shown)
    assert panel.scroll.verticalScrollBar().maximum() == 0
    # the field is below the chips' scroll area, whole in the panel
    field = QRect(panel.add_edit.mapTo(panel, panel.add_edit.rect().topLeft()), panel.add_edit.size())
    assert panel.add_edit.isVisible() and panel.rect().contains(field), (field, panel.rect())
    assert field.top() >= view.mapTo(panel, shown.bottomLeft()).y()


def test_the_history_dock_shows_several_events_in_the_default_window(qtbot, window, labelled_folder):
    """In the default 1280x800 window the History dock was squeezed under labels, caption
    and suggestions to about one event: a reviewer could not see who changed what."""
    open_and_index(qtbot, window, labelled_folder)
    _settle(qtbot, window)
    history = window.panels["history"]
    # (its preferred height, given at first layout: the hard minimum is smaller, so that
    # the docks fit a 1024x768 screen)
    assert history.isVisible() and history.height() >= 150


def test_at_1024_the_filter_bar_and_the_counts_are_whole_and_a_message_leaves_the_counts(
        qtbot, window, image_folder):
    """At 1024 px the filter bar read "All ima", "Any la", "66 i…"; the status bar's counts
    cut their error count ("new 65 · erro…"), and any message hid the counts."""
    (image_folder / "zz_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    open_and_index(qtbot, window, image_folder)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: "13 images" in window.counts_label.text(), timeout=10000)
    _settle(qtbot, window)
    bar = window.filter_bar
    for combo in (bar.status, bar.label, bar.sort):
        need = combo.fontMetrics().horizontalAdvance(combo.currentText()) + 20  # + the arrow
        assert combo.width() >= need, (combo.currentText(), combo.width(), need)
    bar.sort.setCurrentIndex(2)  # "Uncertainty (review queue)"
    _settle(qtbot, window)
    need = bar.sort.fontMetrics().horizontalAdvance(bar.sort.currentText()) + 20
    assert bar.sort.width() >= need
    assert not bar.count_label.is_elided() and bar.text.width() >= 90
    assert window.width() <= 1024
    counts = window.counts_label
    assert "1 error" in counts.shown_text(), counts.shown_text()
    window.statusBar().showMessage("Saved the caption", 4000)
    _settle(qtbot, window)
    assert counts.isVisible() and "1 error" in counts.shown_text()


def test_the_label_chips_are_never_drawn_under_the_add_field(qtbot, window, image_folder):
    """At 1024x700 the Labels dock was shorter than its wrapped chips: the second line of
    chips was drawn under the "+ Add label" field. The chips scroll, drawn only in their
    scroll area, which ends above the field."""
    from PySide6.QtCore import QPoint

    project = open_and_index(qtbot, window, image_folder)
    for i in range(9):
        project.add_label(f"defect kind {i}")
    window.panel_ctl.reload_labels()
    window.resize(1024, 700)
    _settle(qtbot, window)
    panel = window.panel_ctl.labels
    view = panel.scroll.viewport()
    field_top = panel.add_edit.mapTo(panel, QPoint(0, 0)).y()
    assert view.mapTo(panel, QPoint(0, view.height())).y() <= field_top
    for i in range(9):
        chip = panel.chip(f"defect kind {i}")
        assert view.isAncestorOf(chip), i  # (drawn clipped to the scroll area)
    # a dock that showed all its chips grew to a new label's line (its minimum is two lines)
    assert panel.scroll.verticalScrollBar().maximum() == 0 or panel.height() > panel.minimumSizeHint().height()


def test_closing_a_project_clears_its_counts_and_disables_its_actions(qtbot, window, image_folder):
    """After File > Close the welcome page still said "12 images · new 12", and F5, Train
    repair model and the review keys (Enter, Delete, Right...) were still enabled."""
    review = window.review.actions()
    keys = ("accept", "reject", "next", "prev", "mark_reviewed", "edit_caption", "label_1")
    assert not window.act_reindex.isEnabled() and not any(review[k].isEnabled() for k in keys)
    open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: "12 images" in window.counts_label.text())
    assert window.act_reindex.isEnabled() and all(review[k].isEnabled() for k in keys)
    train = window.act_train_repair
    assert train.isEnabled() == (not train.property("unavailable"))
    window.close_project()
    assert window.counts_label.text() == "" and window.filter_bar.count_label.text() == ""
    assert not window.act_reindex.isEnabled() and not train.isEnabled()
    assert not any(review[k].isEnabled() for k in keys)
    open_and_index(qtbot, window, image_folder)
    assert window.act_reindex.isEnabled() and all(review[k].isEnabled() for k in keys)


def test_search_box_esc_and_enter_hand_the_keys_back_and_an_empty_filter_says_so(qtbot, window, image_folder):
    """Esc in the search box did nothing and Enter kept the focus there; a filter that
    matched nothing showed a blank grid, and the panels said "No suggestions for this
    image yet" / "press F2 or E to write one" with no image selected."""
    from PySide6.QtWidgets import QApplication

    open_and_index(qtbot, window, image_folder)
    window.activateWindow()
    fb, grid = window.filter_bar, window.grid
    fb.text.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fb.text)
    QTest.keyClicks(fb.text, "zzzz")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
    qtbot.waitUntil(lambda: window.review.current is None, timeout=5000)
    assert "No images match the filter" in grid.empty_text
    ctl = window.panel_ctl
    assert ctl.suggestions.placeholder.text() == "No image selected"
    assert ctl.history.placeholder.text().startswith("No image selected")
    assert ctl.caption.edit.placeholderText() == "No image selected"
    QTest.keyClick(fb.text, Qt.Key.Key_Escape)
    assert fb.text.text() == "" and QApplication.focusWidget() is grid
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=5000)
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=5000)
    assert "No suggestions" in ctl.suggestions.placeholder.text()
    fb.text.setFocus()
    QTest.keyClicks(fb.text, "img_00")
    QTest.keyClick(fb.text, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is grid and fb.text.text() == "img_00"
    qtbot.waitUntil(lambda: window.model.rowCount() == 10, timeout=5000)
    fb.status.setCurrentIndex(fb.status.findText("Rejected"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
    QTest.keyClick(grid, Qt.Key.Key_Escape)  # Esc in the grid: all images again
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=5000)
    assert fb.status.currentIndex() == 0 and fb.text.text() == ""


def test_a_reindex_says_what_it_found(qtbot, window, image_folder):
    """F5 that found 2 new files only added "Index images — done", with no counts."""
    import shutil

    open_and_index(qtbot, window, image_folder)
    shutil.copyfile(image_folder / "a" / "img_000.png", image_folder / "new_1.png")
    shutil.copyfile(image_folder / "a" / "img_000.png", image_folder / "new_2.png")
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        window.act_reindex.trigger()
    panel = window.panel_ctl.jobs
    qtbot.waitUntil(lambda: panel._done and "2 new" in panel._done[0].done_label.text(), timeout=5000)
    assert "2 new, 0 changed, 0 missing" in panel._done[0].done_label.text()
    assert "2 new, 0 changed, 0 missing" in window.statusBar().currentMessage()


def test_viewer_keys_work_from_the_grid(qtbot, window, image_folder):
    """The shortcuts dialog lists F, 0 and +/- beside the review keys, but they worked only
    once the viewer had the focus."""
    open_and_index(qtbot, window, image_folder)
    qtbot.waitUntil(lambda: window.viewer.has_image(), timeout=10000)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_0)
    assert window.viewer.zoom() == 1.0
    QTest.keyClick(window.grid, Qt.Key.Key_Plus)
    assert window.viewer.zoom() > 1.0
    QTest.keyClick(window.grid, Qt.Key.Key_Minus)
    QTest.keyClick(window.grid, Qt.Key.Key_Minus)
    assert window.viewer.zoom() < 1.0
    QTest.keyClick(window.grid, Qt.Key.Key_F)
    assert window.viewer._fit_mode
    # typed in the search box, they are text
    window.filter_bar.text.setFocus()
    QTest.keyClicks(window.filter_bar.text, "0f")
    assert window.filter_bar.text.text() == "0f" and window.viewer._fit_mode


def test_a_running_job_row_is_shown_whole(qtbot, window, image_folder):
    """The jobs dock was 90 px: a running job's row sat half behind a scrollbar."""
    open_and_index(qtbot, window, image_folder)
    window.resize(1280, 800)
    panel = window.panel_ctl.jobs
    panel.add_job("t1", "Suggestions (tiny-blip)")
    panel.update_job("t1", 3, 10, "3.0 images/s, ETA 2 s")
    row = panel._rows["t1"]
    # the dock is resized from a queued call: wait for it (a fixed 50 ms failed on a loaded machine)
    qtbot.waitUntil(lambda: panel.height() >= row.sizeHint().height() + 8, timeout=5000)


def test_browsing_never_asks_for_the_reviewer_name(qtbot, window, image_folder):
    """With no name set yet, saving each reviewer's position asked for it on opening,
    on every move and on closing, though nothing was changed."""
    window.config.reviewer = ""
    asked = []
    window.panel_ctl.ask_reviewer = lambda: asked.append(1)  # the reviewer presses Cancel
    open_and_index(qtbot, window, image_folder)
    for _ in range(3):
        QTest.keyClick(window.grid, Qt.Key.Key_Right)
    window.review.save_position()
    window.close_project()
    assert asked == []
    with Project.open(image_folder) as p:
        assert "position:anonymous" in p.settings()


def test_a_frame_step_overtaken_by_moving_away_and_back_is_a_fresh_image(qtbot, window, tmp_path):
    """The step's mark stayed when its read was dropped (moving on, and back): the image
    came back with the old zoom and a 'Custom' box over its own window."""
    import shutil

    from pydicom.data import get_testdata_file

    folder = tmp_path / "series"
    folder.mkdir()
    for name in ("a.dcm", "b.dcm"):
        shutil.copyfile(get_testdata_file("rtdose.dcm", download=False), folder / name)
    open_and_index(qtbot, window, folder)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.mode() == "image", timeout=10000)
    viewer.set_zoom(4.0)
    viewer.set_window(1_000_000.0, 100_000.0)
    window.act_next_frame.trigger()  # a step of a.dcm, not read yet...
    window.review.next()  # ...the reviewer moves on and comes back at once
    window.review.prev()
    qtbot.waitUntil(lambda: window.shown._frame_step is None and viewer.frames()[0] == 0 and viewer._fit_mode,
                    timeout=10000)
    assert viewer.preset_combo.currentText() == "As loaded"


def test_the_window_stays_1024_wide_with_a_dicom_shown(qtbot, window, tmp_path):
    """With window/level offered (a DICOM, a 16-bit image), the preset box took the width
    of its longest name and the window could not be narrower than about 1026-1105 px."""
    import shutil

    from pydicom.data import get_testdata_file

    folder = tmp_path / "ct"
    folder.mkdir()
    shutil.copyfile(get_testdata_file("CT_small.dcm", download=False), folder / "ct.dcm")
    open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.viewer.mode() == "image" and window.viewer.window_enabled(), timeout=10000)
    window.resize(1024, 700)
    _settle(qtbot, window)
    assert window.width() <= 1024 and window.minimumSizeHint().width() <= 1024


def test_opening_an_unmounted_share_marks_nothing_missing(qtbot, window, image_folder, tmp_path):
    """A window opened on the team's database from an empty mount folder (the share did
    not mount) indexed it on open and marked every image of the team missing, silently."""
    team_db = f"sqlite:///{tmp_path / 'team.sqlite'}"  # stands in for the team's PostgreSQL URL
    with Project.open(image_folder, team_db) as p:
        p.scan()
    empty = tmp_path / "mnt" / "images"
    empty.mkdir(parents=True)
    with qtbot.waitSignal(window.index_finished, timeout=20000) as blocker:
        assert window.open_project(empty, team_db)
    assert isinstance(blocker.args[0], Exception)
    text = window.last_error_box.text()
    assert f"{empty} lists none of the project's 12 images" in text and "is the share mounted?" in text
    with Project.open(image_folder, team_db) as p:
        assert p.counts_by_status() == {"new": 12}


def test_close_while_a_job_runs_hides_the_window_before_joining(qtbot, window, monkeypatch):
    """Closing the window while the learned CNN trained left it on screen, frozen with no
    feedback, while the job was joined (~16 s on a loaded machine): it is hidden first."""
    import threading

    release = threading.Event()
    job = window.jobs.start("long job", lambda token, progress: release.wait(30))
    qtbot.waitUntil(lambda: job.state == "running", timeout=10000)
    seen = []
    real = window.jobs.shutdown

    def shutdown(*a, **kw):
        seen.append(window.isVisible())
        release.set()
        return real(*a, **kw)

    monkeypatch.setattr(window.jobs, "shutdown", shutdown)
    window.close()
    assert seen == [False]


def test_labels_named_like_the_label_choices_sentinels_filter_by_themselves(qtbot, window, image_folder):
    """A label named "__unlabeled__" listed the unlabeled images and one named "__any__"
    turned the label filter off: the labels' names and the choices' markers shared the data."""
    project = open_and_index(qtbot, window, image_folder)
    ids = project.image_ids()
    for n, name in enumerate(("__unlabeled__", "__any__")):
        project.add_label(name)
        project.set_labels(ids[n], [name], "t")
    window.panel_ctl.reload_labels()
    fb = window.filter_bar
    for n, name in enumerate(("__unlabeled__", "__any__")):
        fb.label.setCurrentIndex(fb.label.findText(name))
        flt = fb.current()[0]
        assert flt is not None and flt.label == name and not flt.unlabeled
        qtbot.waitUntil(lambda n=n: window.model.ids == [ids[n]], timeout=5000)
    fb.label.setCurrentIndex(fb.label.findText("Unlabeled"))
    assert fb.current()[0].unlabeled and fb.current()[0].label is None
    fb.label.setCurrentIndex(fb.label.findText("Any label"))
    assert fb.current()[0] is None


def test_a_long_pasted_search_is_capped_and_still_filters(qtbot, window, image_folder):
    """30,000 pasted "é" (60 KB) made SQLite refuse the LIKE pattern ("too complex"): the
    grid kept listing every image, with no message. The search box takes 1,000 characters."""
    open_and_index(qtbot, window, image_folder)
    fb = window.filter_bar
    for text in ("é" * 30000, "%" * 30000, "_" * 30000):
        fb.text.clear()
        fb.text.insert(text)  # what a paste does
        assert len(fb.text.text()) == 1000
        with qtbot.waitSignal(window.query_loader.done, timeout=5000):
            fb._emit()
        assert window.model.rowCount() == 0 and window.grid.empty_text


def test_a_failed_grid_query_is_shown_not_only_logged(qtbot, window, image_folder, monkeypatch):
    """A failed query (a locked database, a pattern SQLite refuses) was only logged: the
    grid kept the previous filter's rows and count under the new filter."""
    from sqlalchemy.exc import OperationalError

    project = open_and_index(qtbot, window, image_folder)
    real = project.image_ids

    def failing(flt=None, *a, **k):
        if flt is not None and flt.text == "boom":
            raise OperationalError("SELECT", {}, Exception("database is locked"))
        return real(flt, *a, **k)

    monkeypatch.setattr(project, "image_ids", failing)
    fb = window.filter_bar
    fb.text.setText("boom")
    with qtbot.waitSignal(window.query_loader.done, timeout=5000):
        fb._emit()
    assert window.model.rowCount() == 0
    assert "could not" in window.grid.empty_text and "locked" in window.grid.empty_text
    assert "could not" in window.statusBar().currentMessage()
    assert "could not" in fb.count_label.text()
    window.project_ctl.on_counts(*_counts_now(window))  # the counts, landing after the failure
    assert "could not" in fb.count_label.text()
    fb.text.clear()  # a query that works lists the rows again
    with qtbot.waitSignal(window.query_loader.done, timeout=5000):
        fb._emit()
    assert window.model.rowCount() == 12
    qtbot.waitUntil(lambda: fb.count_label.text() == "12 images", timeout=5000)


def test_at_1024_a_narrowed_filter_bar_keeps_its_choices_whole_and_the_queue_figures(qtbot, window, image_folder):
    """At 1024 px with "Unreviewed", the review-queue sort and a search the bar asked for
    62 px less than its first row needs (the search box's 90 px minimum was left out): the
    status combo read "Unreviewe" and the count "94 listed · 91 s…"."""
    open_and_index(qtbot, window, image_folder)
    bar = window.filter_bar
    bar.status.setCurrentIndex(bar.status.findText("Unreviewed"))
    bar.sort.setCurrentIndex(2)  # "Uncertainty (review queue)"
    bar.text.setText("img")
    qtbot.waitUntil(lambda: window.model.filter is not None and window.model.filter.text == "img", timeout=5000)
    window.resize(1024, 700)
    _settle(qtbot, window)
    bar.set_count(94, 144, 91)
    _settle(qtbot, window)
    row1 = sum(max(w.minimumWidth(), w.minimumSizeHint().width()) for w in (bar.status, bar.label, bar.repair, bar.text))
    assert bar.minimumSizeHint().width() >= row1
    for combo in (bar.status, bar.label, bar.sort):
        need = combo.fontMetrics().horizontalAdvance(combo.currentText()) + 20  # + the arrow
        assert combo.width() >= need, (combo.currentText(), combo.width(), need)
    assert bar.text.width() >= 90
    shown = bar.count_label.shown_text()
    assert "94 listed" in shown and "91 still match" in shown, shown
    assert "144 images" in bar.count_label.toolTip() or not bar.count_label.is_elided()


def _counts_now(window):
    """What the counts loader hands ``on_counts`` for the filter applied now (stamped with
    the review writes it saw: all of them, none under way)."""
    p, flt = window.project, window.model.filter
    return (p, p.counts_by_status(), flt, 0, window.review._writer.marks()[1]), None
