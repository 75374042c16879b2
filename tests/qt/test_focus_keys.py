"""The single-key review shortcuts act where the review is (the grid, the viewer), not on
a control the keyboard user has Tabbed to: a combo box, a label chip, a check box, a
button keep their own keys (letters, Return, Space, arrows)."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project


def _focus(qtbot, win, widget):
    win.activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=10000)


def _state(win):
    cur = win.review.current
    return cur.relpath, cur.status, tuple(sorted(cur.labels))


def test_a_focused_control_keeps_its_keys(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    start = _state(win)
    fired = []
    for k, a in win.review.actions().items():
        a.triggered.connect(lambda *_, k=k: fired.append(k))

    # Right on the "Has repair" check box: not the next image
    _focus(qtbot, win, win.filter_bar.repair)
    QTest.keyClick(win.filter_bar.repair, Qt.Key.Key_Right)
    assert fired == [] and _state(win) == start

    # Return on a label chip presses the chip (the label), not Accept-and-next
    chip = win.panel_ctl.labels.chip("scratch")
    _focus(qtbot, win, chip)
    QTest.keyClick(chip, Qt.Key.Key_Return)
    assert fired == []
    assert _state(win) == (start[0], start[1], ("scratch",))

    # Return on the status filter: not Accept-and-next
    combo = win.filter_bar.findChild(QComboBox, "filterStatus")
    _focus(qtbot, win, combo)
    QTest.keyClick(combo, Qt.Key.Key_Return)
    assert fired == []
    with Project.open(labelled_folder) as p:
        assert p.image_by_path(start[0]).status == start[1]  # not marked reviewed nor accepted

    # the grid still gets every review key
    combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    _focus(qtbot, win, win.grid)
    QTest.keyClick(win.grid, Qt.Key.Key_R)
    assert fired == ["mark_reviewed"]


def test_letters_on_a_focused_combo_do_not_mark_the_image(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    fired = []
    win.review.actions()["mark_reviewed"].triggered.connect(lambda *_: fired.append("R"))
    combo = win.filter_bar.findChild(QComboBox, "sortCombo")
    _focus(qtbot, win, combo)
    QTest.keyClick(combo, Qt.Key.Key_R)
    assert fired == []


def test_return_on_the_jobs_panel_cancel_button_cancels_the_job(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    start = _state(win)

    def slow(token, progress):
        for _ in range(400):  # 20 s at most
            token.check()
            time.sleep(0.05)

    job = win.jobs.start("Slow job", slow)
    panel = win.panel_ctl.jobs
    qtbot.waitUntil(lambda: panel.row(str(job.id)) is not None, timeout=5000)
    button = panel.row(str(job.id)).cancel_button
    _focus(qtbot, win, button)
    QTest.keyClick(button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=10000)
    assert _state(win) == start  # not accepted, not moved on


def test_space_on_a_chip_keeps_the_focus_on_that_chip(qtbot, window, labelled_folder):
    """The usage counts rebuilt the chips ~400 ms after a toggle: the focus was lost (they
    now update the chips in place; a rebuild keeps the focus on the chip's successor)."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    labels = win.panel_ctl.labels
    chip = labels.chip("dent")
    _focus(qtbot, win, chip)
    QTest.keyClick(chip, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "(1)" in labels.chip("dent").text(), timeout=5000)
    new = labels.chip("dent")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is new, timeout=10000)
    assert new.isChecked()


def test_a_teammates_rename_or_removal_of_the_focused_chip(qtbot, window, labelled_folder):
    """A rename elsewhere: the focus stays on the renamed chip. A removal: the keys go back
    to the grid. Both had put the focus in "+ Add label", where the reviewer's "2" then
    Return added a label "2" to the team's taxonomy."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.review.current is not None, timeout=5000)
    labels = win.panel_ctl.labels
    _focus(qtbot, win, labels.chip("dent"))
    with Project.open(labelled_folder) as other:  # a teammate's process
        other.update_label("dent", new_name="dint", actor="alice")
    win.panel_ctl.reload_labels()
    qtbot.waitUntil(lambda: labels.chip("dint") is not None, timeout=5000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is labels.chip("dint"), timeout=10000)
    with Project.open(labelled_folder) as other:
        other.remove_label("dint", force=True, actor="alice")
    win.panel_ctl.reload_labels()
    qtbot.waitUntil(lambda: labels.chip("dint") is None, timeout=5000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.grid, timeout=10000)
    assert not labels.add_edit.hasFocus()


def test_number_key_from_the_chip_menu(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    labels = win.panel_ctl.labels
    assert "Number key\u2026" in [a.text() for a in labels.build_menu("ok").actions()]
    assert labels.key_for("ok") == "4"
    labels._ask_key = lambda name: None  # "no key": 4 is free for another label
    labels.request_key("ok")
    qtbot.waitUntil(lambda: win.panel_ctl.taxonomy_running is None, timeout=10000)  # (one change at a time)
    labels._ask_key = lambda name: "7"
    labels.request_key("ok")
    qtbot.waitUntil(lambda: labels.key_for("ok") == "7", timeout=10000)
    assert labels.chip("ok").text().startswith("7 \u00b7 ok")
    assert {d.name: d.shortcut for d in win.project.labels()}["ok"] == "7"
    labels._ask_key = lambda name: "1"  # held by "scratch": refused, said
    errors = []
    win.show_error = errors.append
    labels.request_key("ok")
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)  # (saved off the GUI thread)
    assert "already used" in errors[0] and labels.key_for("ok") == "7"


def test_frame_keys_on_a_single_frame_image_say_so(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    qtbot.waitUntil(lambda: win.viewer.mode() == "image", timeout=10000)
    win.act_next_frame.trigger()
    assert "single frame" in win.statusBar().currentMessage()


def test_learned_suggester_not_ready_runs_no_job(qtbot, window, labelled_folder):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    sc = win.suggest_ctl
    qtbot.waitUntil(lambda: sc.learned_ready is False, timeout=10000)
    before = list(win.jobs.jobs)
    win.act_learned.trigger()
    assert list(win.jobs.jobs) == before
    assert not win.act_auto_retrain.isChecked() and not sc.auto_retrain
    assert "needs" in win.statusBar().currentMessage()


def test_settings_has_a_shortcut_and_models_opens_once(qtbot, window, labelled_folder):
    win = window
    assert "Ctrl+," in [k.toString() for k in win.act_settings.shortcuts()]
    open_and_index(qtbot, win, labelled_folder)
    win.act_models.trigger()
    qtbot.waitUntil(lambda: win.suggest_ctl.model_dialog is not None, timeout=5000)  # (opens once its settings were read)
    first = win.suggest_ctl.model_dialog
    win.act_models.trigger()
    assert win.suggest_ctl.model_dialog is first
    assert len([w for w in QApplication.topLevelWidgets()
                if type(w).__name__ == "ModelManagerDialog" and w.isVisible()]) == 1
    first.close()


def test_tab_follows_the_layout(qtbot, window, labelled_folder):
    """The chips (made anew at each count change) came after every other panel."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    labels = win.panel_ctl.labels
    qtbot.waitUntil(lambda: "(0)" in labels.chip("ok").text(), timeout=5000)  # the counts are in
    seen = _tab_stops_from_grid(win)
    chips = [labels.chip(n) for n in ("scratch", "dent", "crack", "ok")]
    assert all(c in seen for c in chips), [f"{type(w).__name__}:{getattr(w, 'text', str)()}" for w in seen]
    caption = [w for w in seen if win.panel_ctl.caption.isAncestorOf(w)]
    order = [seen.index(win.grid)] + [seen.index(c) for c in chips] + [seen.index(labels.add_edit),
                                                                        seen.index(caption[0]),
                                                                        seen.index(win.filter_bar.text)]
    assert order == sorted(order), [type(w).__name__ for w in seen]
    # a toggle rebuilds the chips (their counts): still in place
    chips[0].click()
    qtbot.waitUntil(lambda: "(1)" in labels.chip("scratch").text(), timeout=5000)
    assert labels.chip("ok").nextInFocusChain() is labels.add_edit
    assert labels.chip("scratch").previousInFocusChain() is not None
    w = labels.chip("scratch").previousInFocusChain()
    while not (w.focusPolicy() & Qt.FocusPolicy.TabFocus):
        w = w.previousInFocusChain()
    assert w is win.viewer or win.viewer.isAncestorOf(w)


def test_dialogs_fit_a_960x540_screen(qtbot, window, labelled_folder, monkeypatch):
    """1920x1080 at 2x scaling: the dialogs' default sizes put their buttons off-screen."""
    from PySide6.QtCore import QSize

    from llmvis_desktop.qt import screen
    from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog
    from llmvis_desktop.qt.dialogs.shortcuts_dialog import ShortcutsDialog

    monkeypatch.setattr(screen, "available_size", lambda _w: QSize(960, 540))
    open_and_index(qtbot, window, labelled_folder)
    for dlg in (ShortcutsDialog(window), ExportImportDialog(window.project, window, jobs=window.jobs)):
        qtbot.addWidget(dlg)
        assert dlg.width() <= 960 and dlg.height() <= 540 - screen.FRAME_MARGIN.height(), type(dlg).__name__
        dlg.close()


def test_tab_reaches_the_suggestion_cards_before_the_history(qtbot, window, labelled_folder):
    """The cards (made as an image needs them) were at the end of the focus chain: Tab
    from the caption went to History and Jobs before the cards' Accept / Edit / Reject."""
    from llmvis_desktop.core.store.records import NewSuggestion

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    ids = project.add_suggestions([NewSuggestion(cur, "label", "dent", "zero-shot-a", score=0.7),
                                   NewSuggestion(cur, "caption", "a dent", "cap-a", score=0.6)])
    win.review._refresh(cur)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=10000)
    seen = _tab_stops_from_grid(win)
    names = [f"{type(w).__name__}:{w.objectName()}" for w in seen]
    caption = max(seen.index(w) for w in seen if win.panel_ctl.caption.isAncestorOf(w))
    buttons = [seen.index(w) for w in seen if panel.isAncestorOf(w) and w.objectName() in ("sgAccept", "sgReject")]
    history = [seen.index(w) for w in seen if win.panel_ctl.history.isAncestorOf(w)
               or w is win.panel_ctl.history]
    jobs = [seen.index(w) for w in seen if win.panel_ctl.jobs.isAncestorOf(w) or w is win.panel_ctl.jobs]
    ask = seen.index(panel.ask_edit) if panel.ask_edit in seen else None
    assert len(buttons) == 4, names
    assert caption < min(buttons) and max(buttons) < min(history + jobs), names
    assert ask is None or max(buttons) < ask < min(history + jobs), names


def test_tab_from_the_history_goes_on_round_the_window(qtbot, window, labelled_folder):
    """Laying the cards in by themselves closed a loop: Tab from History went back to the
    caption, the cards and History again, never to Jobs, the filter bar or the grid."""
    from llmvis_desktop.core.store.records import NewSuggestion

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    ids = project.add_suggestions([NewSuggestion(cur, "label", "dent", "zero-shot-a", score=0.7),
                                   NewSuggestion(cur, "caption", "a dent", "cap-a", score=0.6),
                                   NewSuggestion(cur, "label", "scratch", "zero-shot-a", score=0.2)])
    win.review._refresh(cur)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=10000)
    win.show()
    history = win.panel_ctl.history
    qtbot.waitUntil(lambda: any(w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                                for w in history.findChildren(QWidget)), timeout=5000)
    start = next(w for w in history.findChildren(QWidget)
                 if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisible())
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=10000)
    seen = []
    for _ in range(60):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
        if seen[-1] is win.grid:
            break
    names = [f"{type(w).__name__}:{w.objectName()}" for w in seen]
    assert win.grid in seen, names
    assert not any(win.panel_ctl.caption.isAncestorOf(w) for w in seen), names  # not back to the caption
    assert any(win.filter_bar.isAncestorOf(w) for w in seen), names


def test_tab_reaches_cards_beyond_the_pool_before_the_history(qtbot, window, labelled_folder):
    """With 12 cards on one image Tab went through cards 1-8, then History, then 9-12."""
    from llmvis_desktop.core.store.records import NewSuggestion

    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur = win.review.current.id
    panel = win.panel_ctl.suggestions
    n = panel.POOL + 4
    ids = project.add_suggestions([NewSuggestion(cur, "caption", f"caption {k}", f"cap-{k}", score=0.5)
                                   for k in range(n)])
    win.review._refresh(cur)
    qtbot.waitUntil(lambda: all(panel.card(i) is not None for i in ids), timeout=10000)
    seen = _tab_stops_from_grid(win)
    accepts = [panel.card(i).accept_button for i in ids]
    later = [k for k, w in enumerate(seen) if win.panel_ctl.jobs.isAncestorOf(w) or w is win.panel_ctl.jobs
             or win.panel_ctl.history.isAncestorOf(w)]
    at = [seen.index(b) for b in accepts]
    assert sorted(at) == [seen.index(panel.card(i).accept_button) for i in
                          sorted(ids, key=lambda i: panel._pool.index(panel.card(i)))]
    assert max(at) < min(later), [type(w).__name__ for w in seen]


def _tab_stops_from_grid(win) -> list:
    """The widgets Tab visits now, in order, from the grid round the window's focus chain."""
    seen, w = [win.grid], win.grid.nextInFocusChain()
    while w is not win.grid and len(seen) < 5000:
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisible() and w.isEnabled():
            seen.append(w)
        w = w.nextInFocusChain()
    return seen
