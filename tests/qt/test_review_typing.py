"""Text being typed during the keyboard review (a caption, a suggestion card's edit, a
new label) is never lost or overwritten, and the keys go back to the review after it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from qthelpers import open_and_index

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion

CTRL = Qt.KeyboardModifier.ControlModifier


def key(win, k, mod=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(win.grid, k, mod)


def _with_cards(qtbot, win, project):
    """The current image gets a caption card and a label card, shown."""
    cur = win.review.current.id
    cap, lab = project.add_suggestions([NewSuggestion(cur, "caption", "model caption", "model:test", score=0.9),
                                        NewSuggestion(cur, "label", "dent", "model:test", score=0.8)])
    win.review._refresh(cur)
    panel = win.panel_ctl.suggestions
    qtbot.waitUntil(lambda: panel.card(cap) is not None and panel.card(lab) is not None, timeout=10000)
    win.grid.setFocus()
    return cur, cap, lab


def _edit_card(qtbot, win, sid, more):
    card = win.panel_ctl.suggestions.card(sid)
    card.edit_button.click()
    qtbot.waitUntil(card.editor.hasFocus)
    QTest.keyClick(card.editor, Qt.Key.Key_End)
    QTest.keyClicks(card.editor, more)
    return card


def _state(folder, image_id):
    with Project.open(folder) as p:
        return p.image(image_id), {s.value: (s.outcome, s.final_value) for s in p.suggestions(image_id)}


def test_enter_keeps_the_caption_the_reviewer_typed(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, _cap, _lab = _with_cards(qtbot, win, project)
    messages = []
    win.review.message.connect(messages.append)
    key(win, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, "hairline crack near bolt hole")
    QTest.keyClick(edit, Qt.Key.Key_Return, CTRL)
    key(win, Qt.Key.Key_Return)  # accept (the label) and next
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption == "hairline crack near bolt hole" and rec.labels == ("dent",) and rec.status == "reviewed"
    assert outcomes == {"model caption": ("edited", "hairline crack near bolt hole"), "dent": ("accepted", "dent")}
    assert any("Kept the image's caption" in m for m in messages)


def test_accept_from_the_menu_while_typing_saves_the_typing_first(qtbot, window, labelled_folder):
    """Review > Accept with the caption still being typed took the model's caption (as
    "accepted") and the typed text replaced it only afterwards, on focus loss."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, _cap, _lab = _with_cards(qtbot, win, project)
    key(win, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, "my own words")
    win.review.actions()["accept"].trigger()  # the menu item: the editor still has the text
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption == "my own words"
    assert outcomes["model caption"] == ("edited", "my own words")
    with Project.open(labelled_folder) as p:
        assert [e.after for e in p.history(cur) if e.action == "caption"] == ["my own words"]


def test_a_card_edit_is_saved_when_the_reviewer_moves_on(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, cap, _lab = _with_cards(qtbot, win, project)
    _edit_card(qtbot, win, cap, " with a long weld seam")
    win.grid.select_row(win.model.row_of(cur) + 1)  # a click on the next thumbnail
    qtbot.waitUntil(lambda: win.review.current.id != cur, timeout=10000)
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption == "model caption with a long weld seam"
    assert outcomes["model caption"] == ("edited", "model caption with a long weld seam")
    assert outcomes["dent"] == ("pending", None)  # only the card typed in was decided


def test_enter_with_a_card_edit_open_saves_the_edit(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, cap, _lab = _with_cards(qtbot, win, project)
    _edit_card(qtbot, win, cap, ", corroded")
    key(win, Qt.Key.Key_Return)  # the grid has the keys back? Enter accepts the rest
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption == "model caption, corroded" and rec.labels == ("dent",)
    assert outcomes == {"model caption": ("edited", "model caption, corroded"), "dent": ("accepted", "dent")}


def test_undo_from_the_menu_while_typing_on_another_image(qtbot, window, labelled_folder):
    """Undo selected the undone image, which saved the caption being typed as a new
    command, which deleted the one just undone: a RuntimeError, and Redo was lost."""
    win = window
    open_and_index(qtbot, win, labelled_folder)
    win.grid.setFocus()
    first = win.review.current.id
    key(win, Qt.Key.Key_1)
    key(win, Qt.Key.Key_J)
    second = win.review.current.id
    key(win, Qt.Key.Key_F2)
    edit = win.panel_ctl.caption.edit
    qtbot.waitUntil(edit.hasFocus)
    QTest.keyClicks(edit, "caption for the second")
    errors, messages = [], []
    win.review.error.connect(errors.append)
    win.review.message.connect(messages.append)
    undo = win.review.actions()["undo"]
    undo.trigger()  # Edit > Undo with the mouse: the typing is saved, then it is what is undone
    assert not errors and messages[-1] == "Undone: Edit caption"
    with Project.open(labelled_folder) as p:
        assert p.image(second).caption is None and p.image(first).labels == ("scratch",)
    undo.trigger()
    assert messages[-1] == "Undone: Add label scratch"
    with Project.open(labelled_folder) as p:
        assert p.image(first).labels == ()
    win.review.actions()["redo"].trigger()
    win.review.actions()["redo"].trigger()
    with Project.open(labelled_folder) as p:  # nothing typed was lost
        assert p.image(second).caption == "caption for the second" and p.image(first).labels == ("scratch",)


def test_the_keys_go_back_to_the_review_after_a_card_or_a_new_label(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    win.activateWindow()
    cur, cap, lab = _with_cards(qtbot, win, project)
    card = _edit_card(qtbot, win, cap, "")
    QTest.keyClick(card.editor, Qt.Key.Key_Escape)  # cancel
    assert QApplication.focusWidget() is win.grid
    card = _edit_card(qtbot, win, cap, " x")
    QTest.keyClick(card.editor, Qt.Key.Key_Return, CTRL)  # save
    assert QApplication.focusWidget() is win.grid
    win.panel_ctl.suggestions.card(lab).reject_button.click()
    assert QApplication.focusWidget() is win.grid  # Space no longer "clicks" the next image's card
    status = win.filter_bar.status.currentText()
    key(win, Qt.Key.Key_Down)
    assert win.filter_bar.status.currentText() == status  # Down moved in the grid, not the filter
    add = win.panel_ctl.labels.add_edit
    add.setFocus()
    QTest.keyClicks(add, "burn")
    QTest.keyClick(add, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is win.grid and add.text() == ""
    row = win.model.row_of(win.review.current.id)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_J)
    assert win.model.row_of(win.review.current.id) == row + 1
    qtbot.waitUntil(lambda: "burn" in [d.name for d in project.labels()], timeout=10000)  # (saved off the GUI thread)


def test_enter_decides_no_card_when_the_suggestions_dock_is_closed(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, _cap, _lab = _with_cards(qtbot, win, project)
    win.panel_ctl.suggestions.parentWidget().close()  # the dock's close button
    key(win, Qt.Key.Key_Return)
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.status == "reviewed" and rec.caption is None and rec.labels == ()
    assert outcomes == {"model caption": ("pending", None), "dent": ("pending", None)}


def test_undo_and_redo_of_enter_after_its_label_was_removed(qtbot, window, labelled_folder):
    """Undo put back a pending card of the removed label (the image "suggested" again) and
    Redo recorded it accepted on an image without the label; the status bar said nothing."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, _cap, _lab = _with_cards(qtbot, win, project)
    messages = []
    win.review.message.connect(messages.append)
    key(win, Qt.Key.Key_Return)  # accepts the caption and "dent"
    assert _state(labelled_folder, cur)[0].labels == ("dent",)
    project.remove_label("dent", "tester", force=True)
    win.review.actions()["undo"].trigger()
    rec, outcomes = _state(labelled_folder, cur)
    assert outcomes["dent"][0] == "withdrawn" and outcomes["model caption"][0] == "pending"
    assert rec.labels == () and rec.review_status == "suggested"  # the caption card is pending
    assert messages[-1].startswith("Undone: Accept") and "'dent'" in messages[-1] and "removed since" in messages[-1]
    win.review.actions()["redo"].trigger()
    rec, outcomes = _state(labelled_folder, cur)
    assert outcomes["dent"][0] == "withdrawn" and rec.labels == () and rec.status == "reviewed"
    assert "someone else" not in messages[-1]


def test_undo_and_redo_of_a_card_edit_after_its_label_was_removed(qtbot, window, labelled_folder):
    """A label card edited from "dent" to "scratch", then "scratch" removed: Undo put the
    card back as a live "dent" card and Redo recorded it edited to "scratch" on an image
    without that label; as for an Enter whose label was removed since, it stays withdrawn."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, _cap, lab = _with_cards(qtbot, win, project)
    messages = []
    win.review.message.connect(messages.append)
    # (the panel edits caption cards only; a label card's edit comes through the review
    # controller, undoable, as an imported or scripted decision does)
    assert win.review.decide_suggestion(lab, "edited", "scratch")
    rec, outcomes = _state(labelled_folder, cur)
    assert outcomes["dent"] == ("edited", "scratch") and rec.labels == ("scratch",)
    project.remove_label("scratch", "tester", force=True)
    win.review.actions()["undo"].trigger()
    rec, outcomes = _state(labelled_folder, cur)
    assert outcomes["dent"][0] == "withdrawn" and rec.labels == ()
    assert messages[-1].startswith("Undone: ") and "'scratch'" in messages[-1] and "removed since" in messages[-1]
    win.review.actions()["redo"].trigger()
    rec, outcomes = _state(labelled_folder, cur)
    assert outcomes["dent"] == ("withdrawn", None) and rec.labels == ()
    assert "someone else" not in messages[-1]


def test_the_cards_accept_button_keeps_the_edit_typed_in_it(qtbot, window, labelled_folder):
    """Edit…, type, then the card's own Accept (not Save edit): the typed caption is the
    decision (edited), as Enter or moving on saves it; it accepted the model's text and
    dropped what was typed."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, cap, _lab = _with_cards(qtbot, win, project)
    card = _edit_card(qtbot, win, cap, " on the left rim")
    QTest.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption == "model caption on the left rim"
    assert outcomes["model caption"] == ("edited", "model caption on the left rim")
    assert win.review.current.id == cur  # a card's Accept does not move on
    win.review.undo()
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption is None and outcomes["model caption"] == ("pending", None)


def test_the_cards_accept_button_with_the_proposal_unchanged_accepts_it(qtbot, window, labelled_folder):
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, cap, _lab = _with_cards(qtbot, win, project)
    card = _edit_card(qtbot, win, cap, "")
    QTest.mouseClick(card.accept_button, Qt.MouseButton.LeftButton)
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption == "model caption" and outcomes["model caption"] == ("accepted", "model caption")


def test_the_cards_reject_button_keeps_the_typed_edit_in_the_caption_editor(qtbot, window, labelled_folder):
    """Edit…, type, then the card's Reject: the rejection stands (no caption stored), and
    the typed text is not dropped silently: it waits in the caption editor, unsaved, and
    the status bar says so (it vanished with no word)."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, cap, _lab = _with_cards(qtbot, win, project)
    card = _edit_card(qtbot, win, cap, " on the left rim")
    QTest.mouseClick(card.reject_button, Qt.MouseButton.LeftButton)
    rec, outcomes = _state(labelled_folder, cur)
    assert rec.caption is None and outcomes["model caption"] == ("rejected", None)
    editor = win.panel_ctl.caption
    assert editor.text() == "model caption on the left rim" and editor.is_dirty()
    said = win.statusBar().currentMessage()
    assert "Rejected the suggested caption" in said and "caption editor, unsaved" in said
    key(win, Qt.Key.Key_F2)  # F2 then Esc drops it, as the status bar says: nothing stored
    qtbot.waitUntil(editor.edit.hasFocus)
    QTest.keyClick(editor.edit, Qt.Key.Key_Escape)
    assert editor.text() == "" and not editor.is_dirty()
    key(win, Qt.Key.Key_N)
    assert _state(labelled_folder, cur)[0].caption is None


def test_the_cards_reject_button_with_the_caption_editor_in_use_says_the_text(qtbot, window, labelled_folder):
    """The caption editor already holds other unsaved typing: that is not overwritten; the
    card's typed text is quoted in the status bar as not kept."""
    win = window
    project = open_and_index(qtbot, win, labelled_folder)
    cur, cap, _lab = _with_cards(qtbot, win, project)
    editor = win.panel_ctl.caption
    editor.keep_unsaved("my own words", None)
    card = _edit_card(qtbot, win, cap, " on the left rim")
    QTest.mouseClick(card.reject_button, Qt.MouseButton.LeftButton)
    assert _state(labelled_folder, cur)[1]["model caption"] == ("rejected", None)
    assert editor.text() == "my own words"
    said = win.statusBar().currentMessage()
    assert "not kept" in said and "model caption on the left rim" in said
