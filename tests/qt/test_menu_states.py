"""Each menu action is enabled only when it can do something, and when disabled its
tooltip and status tip say why: File ▸ Close project was enabled on the welcome page,
View ▸ Labels there showed an empty Labels dock whose add box typed into no project,
the review keys and the viewer's zoom stayed enabled in a folder with no images, and
Re-index folder stayed enabled (and did nothing) while the folder was being indexed."""
from __future__ import annotations

import threading

from PySide6.QtWidgets import QDockWidget, QMenu
from qthelpers import open_and_index, settle


def _leaf_actions(window):
    recent = window.recent_menu
    undo = {window.review.actions()["undo"], window.review.actions()["redo"]}
    for menu in window.menuBar().findChildren(QMenu):
        if menu is recent:
            continue
        for act in menu.actions():
            if not act.isSeparator() and act.menu() is None and act not in undo:
                yield act


def _says_why(act, words: str) -> bool:
    return words in act.statusTip() and words in act.toolTip()


def _open_empty_folder(qtbot, window, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with qtbot.waitSignal(window.index_finished, timeout=20000):
        assert window.open_project(empty)
    qtbot.waitUntil(lambda: window.project_ctl._total is not None, timeout=5000)
    settle(qtbot)


def _show_menus(window) -> None:
    for menu in window.menuBar().findChildren(QMenu):
        menu.aboutToShow.emit()


def test_on_the_welcome_page_no_project_action_is_enabled_and_each_says_why(qtbot, window):
    _show_menus(window)
    assert not window.act_close.isEnabled() and _says_why(window.act_close, "Open a folder first")
    assert not window.act_find.isEnabled() and not window.act_answer.isEnabled()
    for dock in window.findChildren(QDockWidget):
        assert not dock.toggleViewAction().isEnabled(), dock.windowTitle()
    enabled = {a.text().replace("&", "") for a in _leaf_actions(window) if a.isEnabled()}
    assert enabled <= {"Open folder…", "Open team project…", "Open demo project", "Quit", "Settings…", "Reviewer name…",
                       "Larger thumbnails", "Smaller thumbnails", "Keyboard shortcuts", "About"}, enabled
    for act in _leaf_actions(window):
        if not act.isEnabled():
            assert act.statusTip() and act.toolTip() == act.statusTip(), act.text()
    for menu in window.menuBar().findChildren(QMenu):
        if menu.title():  # (not the menu bar's own overflow menu)
            assert menu.toolTipsVisible(), menu.title()  # the reason shows on hover


def test_view_labels_on_the_welcome_page_shows_no_dock(qtbot, window):
    dock = window.panels["labels"].parentWidget()
    dock.toggleViewAction().trigger()
    settle(qtbot)
    assert not dock.isVisible()


def test_close_project_follows_the_project(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    assert window.act_close.isEnabled() and window.act_close.statusTip() == ""
    assert all(d.toggleViewAction().isEnabled() for d in window.findChildren(QDockWidget))
    window.close_project()
    settle(qtbot)
    assert not window.act_close.isEnabled() and _says_why(window.act_close, "Open a folder first")


def test_with_no_image_to_act_on_the_image_actions_are_disabled_and_say_why(qtbot, window, tmp_path):
    _open_empty_folder(qtbot, window, tmp_path)
    _show_menus(window)
    review = window.review.actions()
    for act in (review["accept"], review["next"], review["label_1"], review["edit_caption"], window.act_fit,
                window.act_zoom_in, window.act_repair, window.act_next_frame):
        assert not act.isEnabled(), act.text()
        assert _says_why(act, "no images"), (act.text(), act.statusTip())
    assert window.act_close.isEnabled() and window.act_reindex.isEnabled()


def test_a_filter_matching_nothing_says_so_and_clearing_it_enables_them_again(qtbot, window, labelled_folder):
    open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    accept = window.review.actions()["accept"]
    assert accept.isEnabled() and window.act_fit.isEnabled()
    window.filter_bar.text.setText("zzz-nothing")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
    settle(qtbot)
    assert not accept.isEnabled() and _says_why(accept, "No image matches the filter")
    assert not window.review.actions()["next"].isEnabled()
    window.filter_bar.text.setText("")
    qtbot.waitUntil(lambda: window.review.current is not None, timeout=5000)
    settle(qtbot)
    assert accept.isEnabled() and accept.statusTip() == "" and window.act_fit.isEnabled()


def test_reindex_is_disabled_while_the_folder_is_indexed(qtbot, window, labelled_folder):
    project = open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    assert window.act_reindex.isEnabled()
    gate, real = threading.Event(), project.index
    project.index = lambda *a, **k: (gate.wait(20), real(*a, **k))[1]
    ended = []
    window.jobs.job_finished.connect(ended.append)
    try:
        window.start_index()
        qtbot.waitUntil(lambda: window.index_job is not None and window.index_job.is_active, timeout=10000)
        settle(qtbot)
        _show_menus(window)
        assert not window.act_reindex.isEnabled() and _says_why(window.act_reindex, "being indexed")
    finally:
        gate.set()
    # its end handled here (the menus follow it then): the job's state is set on its own
    # thread before its signals reach the GUI thread
    qtbot.waitUntil(lambda: window.index_job in ended, timeout=20000)
    settle(qtbot)
    assert window.act_reindex.isEnabled() and window.act_reindex.statusTip() == ""


def test_train_repair_and_the_learned_suggester_are_disabled_while_they_train(qtbot, window, labelled_folder):
    from types import SimpleNamespace

    open_and_index(qtbot, window, labelled_folder)
    settle(qtbot)
    window.panel_ctl.train_job = repair = SimpleNamespace(is_active=True)
    window.suggest_ctl.learned_job = learned = SimpleNamespace(is_active=True)
    _show_menus(window)
    assert not window.act_train_repair.isEnabled() and _says_why(window.act_train_repair, "being trained")
    assert not window.act_learned.isEnabled() and _says_why(window.act_learned, "learned suggester is training")
    repair.is_active = learned.is_active = False
    _show_menus(window)
    assert window.act_train_repair.isEnabled() and window.act_learned.isEnabled()
    assert "training" not in window.act_learned.statusTip()


def test_a_model_chosen_in_a_folder_with_no_images_leaves_the_review_keys_disabled(qtbot, window, tmp_path):
    """The suggestion controller enables the project's actions when a model is chosen or a
    model job ends: in a folder with no images, that brought back Enter, the label keys and
    zoom (window-wide shortcuts) with no image to act on, until a menu was opened."""
    _open_empty_folder(qtbot, window, tmp_path)
    window.suggest_ctl.update_actions()  # as after a model was chosen in the Models dialog
    review = window.review.actions()
    for act in (review["accept"], review["label_1"], window.act_zoom_in, window.act_repair):
        assert not act.isEnabled(), act.text()
        assert _says_why(act, "no images"), (act.text(), act.statusTip())
