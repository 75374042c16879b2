"""Render each main view to PNG under shots/ and check it is not blank. Look at them."""
from __future__ import annotations


from qthelpers import distinct_colors, open_and_index


def _save(widget, shots_dir, name):
    pm = widget.grab()
    path = shots_dir / f"{name}.png"
    assert pm.save(str(path))
    assert distinct_colors(pm) > 8, f"{name} looks blank"
    return path


def test_shot_welcome(qtbot, window, shots_dir):
    window.config.recent_projects = ["/data/inspection/line-3", "/data/fundus/2024"]
    window.welcome.set_recent(window.config.recent_projects)
    _save(window, shots_dir, "welcome")


def test_shot_main_window_and_panels(qtbot, window, labelled_folder, shots_dir):
    from llmvis_desktop.core.store.records import NewSuggestion

    project = open_and_index(qtbot, window, labelled_folder)
    win = window
    win.review.toggle_label("scratch")
    win.review.set_caption("a fine scratch across the upper left corner")
    win.review.accept()
    win.review.reject()
    rec = win.review.current
    project.add_suggestions([
        NewSuggestion(rec.id, "caption", "a dented metal plate", "microsoft/Florence-2-base", score=0.82),
        NewSuggestion(rec.id, "label", "dent", "openai/clip-vit-base-patch32", score=0.64),
    ])
    win.review._refresh(rec.id)
    win.review.prev()
    win.review.prev()
    qtbot.waitUntil(lambda: win.viewer.mode() == "image", timeout=10000)
    qtbot.waitUntil(lambda: win.thumbs.pending() == 0 and len(win.thumbs._lru) >= 8, timeout=10000)
    qtbot.waitUntil(lambda: "reviewed 1" in win.counts_label.text(), timeout=10000)
    win.panel_ctl.flush_history()
    assert win.panel_ctl.history.entries()  # the shot shows this image's trail
    _save(win, shots_dir, "main_window")
    _save(win.panel_ctl.history, shots_dir, "history_panel")
    win.review.next()
    win.review.next()
    qtbot.wait(100)
    win.panel_ctl.flush_history()
    _save(win, shots_dir, "main_window_suggestions")


def test_shot_settings_dialog(qtbot, window, shots_dir):
    from llmvis_desktop.qt.dialogs.settings_dialog import SettingsDialog
    dlg = SettingsDialog(window.config, window)
    qtbot.addWidget(dlg)
    dlg.show()
    _save(dlg, shots_dir, "settings_dialog")
