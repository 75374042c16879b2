"""The menus' actions enabled only when they can do something, and when disabled, their
tooltip and status tip say why: File ▸ Close project was enabled on the welcome page,
View ▸ Labels there showed an empty Labels dock (its add-label box typed into no
project), the review keys, Edit caption and the viewer's zoom stayed enabled in a
folder with no images, and Re-index or Train repair while that job ran did nothing.

:func:`update_menu_states` runs after the suggestion controller's ``update_actions``
(which enables the project-only actions): it disables further, never enables what that
one disabled, and gives every disabled action its reason. The window calls it when a
menu is about to show, a project opens or closes, the current image changes and a job
starts or ends.
"""
from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QMenu

NO_PROJECT = "Open a folder first (File \u25b8 Open folder\u2026)."
NO_IMAGES = "This folder has no images: add some, then File \u25b8 Re-index folder."
NO_MATCH = "No image matches the filter (Esc in the grid shows all images)."
NO_CURRENT = "No image is selected in the grid."
INDEXING = "The folder is being indexed (see the Jobs panel)."
TRAINING_REPAIR = "The repair model is being trained already (see the Jobs panel)."
TRAINING_LEARNED = "The learned suggester is training (see the Jobs panel)."

#: actions on the selected image (window attributes, or review actions' keys)
_ON_IMAGE = ("act_prev_frame", "act_next_frame", "act_fit", "act_actual", "act_zoom_in", "act_zoom_out",
             "act_next_window", "act_prev_window", "act_repair", "act_answer", "act_question", "act_cards")
_REVIEW_ON_IMAGE = ("accept", "reject", "mark_reviewed", "edit_caption") + tuple(f"label_{n}" for n in range(1, 10))
_REVIEW_ON_ROWS = ("skip", "next", "prev", "next_unreviewed")


def _active(job) -> bool:
    return job is not None and getattr(job, "is_active", False)


def _why_no_image(win) -> str:
    total = getattr(win.project_ctl, "_total", None)
    if total is not None and total[0] is win.project and total[1] == 0:
        return NO_IMAGES
    if win.model.rowCount() == 0:
        return NO_IMAGES if not win.filter_bar.is_filtering() else NO_MATCH
    return NO_CURRENT


def _set(act, can: bool, why: str) -> None:
    """Enabled when it ``can`` do something, else disabled with ``why`` as its tooltip and
    status tip (the tooltip it had comes back once it is enabled again)."""
    if act is None or act.property("unavailable"):  # a feature missing from this build: its own tooltip
        return
    act.setEnabled(can)
    if not can:
        if act.property("why_disabled") is None:
            act.setProperty("tip_enabled", act.toolTip())
        act.setProperty("why_disabled", why)
        act.setToolTip(why)
        act.setStatusTip(why)
    elif act.property("why_disabled") is not None:
        if act.toolTip() == act.property("why_disabled"):  # (not one its owner set since)
            act.setToolTip(act.property("tip_enabled") or "")
        if act.statusTip() == act.property("why_disabled"):
            act.setStatusTip("")
        act.setProperty("why_disabled", None)


def update_menu_states(win) -> None:
    review = win.review.actions()
    undo = (review.get("undo"), review.get("redo"))  # they follow the undo stack
    if win.project is None:  # every project action: those of the recent list and the
        # application's own (open, settings, quit, help) stay
        for act in _all_menu_actions(win):
            if act.menu() is None and act not in undo and act.parent() is not win.recent_menu \
                    and (not act.isEnabled() or act.property("project_only")):
                _set(act, False, NO_PROJECT)
        for act in review.values():  # (window-wide shortcuts, some in no menu)
            if act not in undo:
                _set(act, False, NO_PROJECT)
        return
    no_image = "" if win.review.current is not None else _why_no_image(win)
    no_rows = "" if win.model.rowCount() else _why_no_image(win)
    for act in _all_menu_actions(win):
        if act.property("project_only"):
            _set(act, True, "")
    for name in _ON_IMAGE:
        _set(getattr(win, name, None), not no_image, no_image)
    for key in _REVIEW_ON_IMAGE:
        _set(review.get(key), not no_image, no_image)
    for key in _REVIEW_ON_ROWS:
        _set(review.get(key), not no_rows, no_rows)
    for name in ("act_export", "act_import", "act_models", "act_evaluate", "act_auto_retrain"):
        _set(getattr(win, name, None), True, "")
    _set(getattr(win, "act_reindex", None), not _active(getattr(win, "index_job", None)), INDEXING)
    _set(getattr(win, "act_train_repair", None), not _active(getattr(win.panel_ctl, "train_job", None)),
         TRAINING_REPAIR)
    _set(getattr(win, "act_learned", None), not _active(getattr(win.suggest_ctl, "learned_job", None)),
         TRAINING_LEARNED)
    for name in ("act_run_all", "act_run_filtered", "act_run_unsuggested"):  # the suggestion
        act = getattr(win, name, None)  # controller says why (no model chosen, a job running)
        if act is not None:  # (its tooltip: the status bar says it too)
            act.setProperty("why_disabled", None)
            act.setStatusTip("" if act.isEnabled() else act.toolTip())


def _all_menu_actions(win):
    for menu in win.menuBar().findChildren(QMenu):
        yield from (a for a in menu.actions() if not a.isSeparator())


def wire_menu_states(win) -> None:
    """Keep the states up to date (connected after the owners' own updates)."""
    def update(*_args) -> None:
        update_menu_states(win)

    for name in ("act_close", "act_find", "act_answer", "act_question", "act_add_label", "act_cards", "act_next_window",
                 "act_prev_window", "act_include_repairs"):  # a project at least
        act = getattr(win, name, None)
        if act is not None:
            act.setProperty("project_only", True)
    for dock in win.findChildren(QDockWidget):  # the docks belong to an open project (on the
        # welcome page, View ▸ Labels showed an empty Labels dock whose add box added to none)
        dock.toggleViewAction().setProperty("project_only", True)
    for menu in win.menuBar().findChildren(QMenu):
        menu.setToolTipsVisible(True)  # a disabled entry's reason shows on hover
        menu.aboutToShow.connect(update)
    win.project_opened.connect(update)
    win.project_closed.connect(update)
    win.review.current_changed.connect(update)
    win.jobs.job_changed.connect(update)
    update()


def say_why_disabled(win, event) -> bool:
    """A review key whose action is disabled (Enter, Delete, R... with no image listed: a
    filter matching none) did nothing, unsaid: the status bar kept the last image's line
    ("Accepted label dent."), read as what the key had just done. The key reaches the
    window unused; the action's reason is shown (True) instead."""
    from PySide6.QtGui import QKeySequence

    pressed = QKeySequence(event.keyCombination())
    for act in win.review.actions().values():
        why = act.property("why_disabled")
        if why and not act.isEnabled() and any(
                k.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch for k in act.shortcuts()):
            win.statusBar().showMessage(why, 4000)
            return True
    return False
