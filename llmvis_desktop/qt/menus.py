"""The main window's menu bar: File, Edit, Review, Suggestions, Image, View, Help.

Menus only name actions and point them at the window and its controllers
(:mod:`.review_controller`, :mod:`.panel_controller`, :mod:`.suggest_controller`);
nothing here does work. Entries whose feature is missing from this build are shown
disabled with a tooltip that says why, never hidden silently.
"""
from __future__ import annotations

import importlib.util

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget

from .ask_controller import ANSWER_KEY, QUESTION_KEY
from .icons import icon
from .menu_states import wire_menu_states
from .suggestion_actions import CARDS_KEY
from .taxonomy_actions import ADD_LABEL_KEY
from .workers import void

#: Image ▸ Repair defect… (it had only the menu's Alt+I, R; Ctrl+R is bound nowhere else,
#: in the window or in the repair dialog)
REPAIR_KEY = "Ctrl+R"


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _open_prompts(win) -> None:
    from .dialogs.prompt_dialog import open_prompts

    open_prompts(win)


def build_menus(win) -> None:
    mb = win.menuBar()
    a = win.review.actions()
    sc = win.suggest_ctl
    pc = win.panel_ctl

    file = mb.addMenu("&File")
    win.act_open = file.addAction(icon("folder-open"), "&Open folder…", win.choose_folder)
    win.act_open.setShortcut(QKeySequence.StandardKey.Open)
    win.act_open_team = file.addAction(icon("folder-open"), "Open &team project\u2026", win.open_team)
    file.addAction(icon("demo"), "Open &demo project", void(win.open_demo))
    win.recent_menu = file.addMenu("Open &recent")
    win.recent_menu.aboutToShow.connect(win._fill_recent)
    win.act_reindex = file.addAction("Re-&index folder", win.start_index)
    win.act_reindex.setShortcut("F5")
    file.addSeparator()
    win.act_export = file.addAction("&Export…", lambda: pc.open_interchange("export"))
    win.act_export.setShortcut("Ctrl+Shift+E")
    win.act_import = file.addAction("&Import…", lambda: pc.open_interchange("import"))
    win.act_import.setShortcut("Ctrl+Shift+I")
    file.addSeparator()
    win.act_close = file.addAction("&Close project", win.close_project)
    file.addSeparator()
    quit_act = file.addAction("&Quit", win.close)
    quit_act.setShortcut(QKeySequence.StandardKey.Quit)

    edit = mb.addMenu("&Edit")
    a["undo"].setIcon(icon("undo"))
    a["redo"].setIcon(icon("redo"))
    edit.addAction(a["undo"])
    edit.addAction(a["redo"])
    edit.addSeparator()
    edit.addAction(a["edit_caption"])
    win.act_find = find = edit.addAction("&Find…", lambda: win.filter_bar.text.setFocus())
    find.setShortcut(QKeySequence.StandardKey.Find)
    edit.addSeparator()
    win.act_settings = edit.addAction("&Settings…", win.open_settings)
    # the platform's key (none on Linux or Windows) and Ctrl+, (Cmd+, on macOS) everywhere
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences) + [QKeySequence("Ctrl+,")]
    win.act_settings.setShortcuts(list({k.toString(): k for k in keys if not k.isEmpty()}.values()))
    edit.addAction("Reviewer &name…", win.ask_reviewer)

    review = mb.addMenu("&Review")
    a["accept"].setIcon(icon("accept"))
    a["reject"].setIcon(icon("reject"))
    a["next"].setIcon(icon("next"))
    a["prev"].setIcon(icon("prev"))
    for key in ("accept", "reject", "mark_reviewed", "skip", None, "next", "prev", "next_unreviewed"):
        review.addSeparator() if key is None else review.addAction(a[key])
    labels = review.addMenu("Toggle &label")
    for n in range(1, 10):
        labels.addAction(a[f"label_{n}"])
    win.act_add_label = review.addAction("Go to \u201c+ &Add label\u201d", pc.focus_add_label)
    win.act_add_label.setShortcut(ADD_LABEL_KEY)

    sug = mb.addMenu("&Suggestions")
    win.suggest_menu = sug
    win.act_learned = sug.addAction("Suggest labels from &reviewed images (learned)", sc.run_learned)
    win.act_learned.setShortcut("Ctrl+L")
    win.act_auto_retrain = sug.addAction("Retrain the learned suggester every 10 reviews")
    win.act_auto_retrain.setCheckable(True)
    win.act_auto_retrain.toggled.connect(void(sc.set_auto_retrain))
    win.act_strip_tiles = sug.addAction("Line-scan strips: at most N &tiles\u2026", sc.ask_strip_tiles)
    sug.addSeparator()
    win.act_models = sug.addAction("&Models…", sc.open_models)
    win.act_prompts = sug.addAction("Caption &prompt and label template\u2026", lambda: _open_prompts(win))
    run = sug.addMenu("Run captioner/labeler on")
    win.run_models_menu = run
    win.act_run_all = run.addAction("&All images", lambda: sc.run_models("all"))
    win.act_run_filtered = run.addAction("The &filtered images", lambda: sc.run_models("filtered"))
    win.act_run_unsuggested = run.addAction("Images &not yet suggested", lambda: sc.run_models("unsuggested"))
    run.addSeparator()
    # repaired copies are reviewed at their source: left out of the jobs unless ticked
    win.act_include_repairs = run.addAction("Include &repair outputs")
    win.act_include_repairs.setCheckable(True)
    win.act_include_repairs.setToolTip("Also suggest for the images a repair wrote (left out by default: "
                                       "they are not work in the review queue)")
    win.act_answer = sug.addAction("Go to the &answer box (Ask the image)", sc.asker.focus_answer)
    win.act_answer.setShortcut(ANSWER_KEY)
    win.act_question = sug.addAction("Go to the &question box (Ask the image)", sc.asker.focus_question)
    win.act_question.setShortcut(QUESTION_KEY)
    win.act_cards = sug.addAction("Go to the first &suggestion card", pc.focus_first_card)
    win.act_cards.setShortcut(CARDS_KEY)
    sug.addSeparator()
    win.act_evaluate = sug.addAction("&Evaluation dashboard…", sc.run_evaluation)
    sug.aboutToShow.connect(sc.update_actions)

    image = mb.addMenu("&Image")
    # frames of a multi-frame DICOM or multi-page TIFF ([ and ]: free single keys)
    win.act_prev_frame = image.addAction("Previous frame", lambda: win.step_frame(-1))
    win.act_prev_frame.setShortcut("[")
    win.act_next_frame = image.addAction("Next frame", lambda: win.step_frame(1))
    win.act_next_frame.setShortcut("]")
    image.addSeparator()
    win.act_repair = image.addAction("&Repair defect…", pc.open_repair)
    win.act_repair.setShortcut(REPAIR_KEY)  # free everywhere (R alone marks reviewed)
    if not _has_module("llmvis_desktop.qt.dialogs.repair_dialog"):
        win.act_repair.setEnabled(False)
        win.act_repair.setProperty("unavailable", True)  # stays disabled with a project open
        win.act_repair.setToolTip("The repair dialog is not part of this build yet "
                                  "(the `llmvis repair` command line works).")
    win.act_train_repair = image.addAction("&Train repair model on this project\u2026", pc.train_repair)
    if not _has_module("torch"):
        win.act_train_repair.setEnabled(False)
        win.act_train_repair.setProperty("unavailable", True)
        win.act_train_repair.setToolTip("Training needs PyTorch, which is not installed.")
    image.setToolTipsVisible(True)
    sug.setToolTipsVisible(True)
    run.setToolTipsVisible(True)

    win.view_menu = mb.addMenu("&View")
    bigger = win.view_menu.addAction("Larger thumbnails", lambda: win.grid.set_thumb_size(win.grid.thumb_size + 32))
    bigger.setShortcut("Ctrl+=")
    smaller = win.view_menu.addAction("Smaller thumbnails", lambda: win.grid.set_thumb_size(win.grid.thumb_size - 32))
    smaller.setShortcut("Ctrl+-")
    win.view_menu.addSeparator()
    # the viewer's keys work from the grid too (they did only once the viewer had the focus)
    viewer_keys = (("act_fit", "&Fit image", "fit", ["F"]), ("act_actual", "&Actual pixels (1:1)", "actual_size", ["0"]),
                   ("act_zoom_in", "Zoom &in", "zoom_in", ["+", "="]), ("act_zoom_out", "Zoom &out", "zoom_out", ["-"]))
    for attr, text, method, keys in viewer_keys:
        act = win.view_menu.addAction(text, lambda m=method: win.viewer_call(m))
        act.setShortcuts([QKeySequence(k) for k in keys])
        setattr(win, attr, act)
    # window/level from the keyboard: the W/L box's presets in turn (W is a free single key)
    for attr, text, delta, key in (("act_next_window", "Next &window/level preset", 1, "W"),
                                   ("act_prev_window", "Previous window/level preset", -1, "Shift+W")):
        act = win.view_menu.addAction(text, lambda d=delta: _step_window(win, d))
        act.setShortcut(QKeySequence(key))
        setattr(win, attr, act)
    win.view_menu.addSeparator()
    for dock in win.findChildren(QDockWidget):
        win.view_menu.addAction(dock.toggleViewAction())

    help_menu = mb.addMenu("&Help")
    help_menu.addAction("&Keyboard shortcuts", win.show_shortcuts).setShortcuts([QKeySequence("F1"), QKeySequence("?")])
    help_menu.addAction("&About", win.show_about)
    for act in a.values():  # window-wide shortcuts even when no menu is open
        win.addAction(act)
    for act in (win.act_export, win.act_import, win.act_learned):
        win.addAction(act)
    sc.update_actions()
    wire_menu_states(win)  # after it: each action enabled only when it can do something


def _step_window(win, delta: int) -> None:
    """W / Shift+W: the viewer's next or previous W/L preset, said in the status bar."""
    step = getattr(win.viewer, "step_preset", None)
    if step is not None:
        win.statusBar().showMessage(step(delta), 4000)
