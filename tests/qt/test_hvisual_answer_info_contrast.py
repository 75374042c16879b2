"""The answer box's line naming the model that answered (and how fast) is read: >= 4.5:1
on the box in a light and a dark palette, measured on a grab (the palette's
placeholder-text was 3.89:1 on a light one)."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from contrast import text_contrast, theme  # noqa: F401 (theme: the fixture)


def test_answer_info_line_readable(qtbot, qapp, theme):  # noqa: F811 - theme: the fixture
    from llmvis_desktop.qt.widgets.answer_box import AnswerBox

    box = AnswerBox()
    qtbot.addWidget(box)
    box.set_about("surfaces/gravel/Oberflächenkratzer_0001.png", None)
    box.set_answer("Is there a scratch?", "Yes, a long bright one.", "answered by llava-hf/llava-interleave-qwen-0.5b-hf in 2.1 s")
    box.show()
    qtbot.waitExposed(box)
    QApplication.processEvents()
    assert box.info_label.isVisible()
    assert text_contrast(box.info_label) >= 4.5
