"""An answer card (an "Ask the image" answer kept as a note, or `llmvis suggest --ask`)
showed the answer alone: two answers on one image read "ANSWER yes" / "ANSWER no", the
question each answered only in the model's tooltip. The card now shows its question on a
line of its own ("Q: ..."), elided, whole in its tooltip; other cards have no such line."""
from __future__ import annotations

from datetime import datetime, timezone

from llmvis_desktop.core.store.records import SuggestionRecord
from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel


def _rec(sid, kind, value, prompt, outcome="pending"):
    return SuggestionRecord(sid, 1, kind, value, 0.5, "/models/tiny-llava", "abc", prompt, {},
                            datetime.now(timezone.utc), outcome, None, None, "tester" if outcome != "pending" else None)


def test_each_answer_card_says_which_question_it_answers(qtbot, tmp_path):
    panel = SuggestionPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 500)
    long_q = "is there a scratch along the  upper\nedge of the part, " + "near the weld " * 10 + "?"
    panel.set_suggestions([
        _rec(1, "answer", "yes", "is there a scratch?", "accepted"),
        _rec(2, "answer", "no", "is there a dent?"),
        _rec(3, "answer", "maybe", long_q),
        _rec(4, "caption", "a metal part", "a photo of"),
    ])
    panel.show()
    qtbot.waitExposed(panel)
    q1, q2, q3, q4 = (panel.card(i).question_label for i in (1, 2, 3, 4))
    assert q1.isVisible() and q1.text() == "Q: is there a scratch?"
    assert q2.isVisible() and q2.text() == "Q: is there a dent?"
    assert q3.isVisible() and "\n" not in q3.text() and q3.toolTip() == f"asked: {long_q.strip()}"
    assert q3.is_elided() and q3.width() <= panel.width()
    assert not q4.isVisible()  # a caption's prompt is not a question
    panel.grab().save(str(tmp_path / "answers.png"))


def test_an_answer_accepted_says_it_was_kept_as_a_note(qtbot):
    """Keep as note (or Accept on an answer's card) stores the answer as a note; its card
    said "accepted by tester", as a caption's does."""
    panel = SuggestionPanel()
    qtbot.addWidget(panel)
    panel.set_suggestions([_rec(1, "answer", "yes", "is there a scratch?", "accepted"),
                           _rec(2, "answer", "no", "is there a dent?", "rejected"),
                           _rec(3, "caption", "a metal part", None, "accepted")])
    assert panel.card(1).outcome_label.text() == "kept as a note by tester"
    assert panel.card(2).outcome_label.text() == "rejected by tester"
    assert panel.card(3).outcome_label.text() == "accepted by tester"
    panel.set_suggestions([_rec(4, "answer", "maybe", "is it bent?")])
    panel.card(4).show_saving("accepted")
    assert panel.card(4).outcome_label.text() == "kept as a note (saving\u2026)"
    # a card refilled with another image's caption drops the line
    panel.set_suggestions([_rec(2, "caption", "a part", None)])
    assert not panel.card(2).question_label.isVisible()
