"""The Ask answer box named its model by the whole path ("/m/llava · score 0.70") where
the cards name it short, with the revision ("llava @ r1"); it names it as the cards do,
the whole path and revision in the tooltip. The ask box's tooltip too."""
from __future__ import annotations

from qthelpers import open_and_index

from test_ask_image import CHAT_PATH, _fake_chat
from test_keep_note_undo import _ask


def test_the_answer_box_names_the_model_as_the_cards_do(qtbot, window, labelled_folder, monkeypatch, tmp_path):
    win = window
    open_and_index(qtbot, win, labelled_folder)
    _fake_chat(monkeypatch)
    asker = _ask(qtbot, win)
    box = asker.answer_box
    assert box.info_label.text() == "llava @ r1 · score 0.70", box.info_label.text()
    assert box.info_label.toolTip() == f"model: {CHAT_PATH}\nrevision: r1"
    assert win.panel_ctl.suggestions.ask_edit.toolTip().startswith("Type a question about this image"), \
        win.panel_ctl.suggestions.ask_edit.toolTip()
    assert "llava answers it locally" in win.panel_ctl.suggestions.ask_edit.toolTip()
    assert CHAT_PATH not in win.panel_ctl.suggestions.ask_edit.toolTip()
    box.grab().save(str(tmp_path / "answer.png"))
