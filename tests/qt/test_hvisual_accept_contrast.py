"""A suggestion card's Accept button and an accepted card's outcome line in a light
palette: their green text stands 4.5:1 from the card (the reviewed green, #2e9d4f, was
3.47:1 on the white card: the one button of the three under the bar), measured on a
grab; in a dark palette they stay readable too."""
from __future__ import annotations

from datetime import datetime, timezone


from contrast import text_contrast, theme  # noqa: F401 (theme: the fixture)


def _sug(sid, kind, value, score, outcome="pending", by=None):
    from llmvis_desktop.core.store.records import SuggestionRecord

    t = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    return SuggestionRecord(sid, 1, kind, value, score, "openai/clip-vit-base-patch32", None, "", {}, t,
                            outcome, value if by else None, t if by else None, by)


def test_accept_and_accepted_green_readable(qtbot, qapp, theme):  # noqa: F811 - theme: the fixture
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    p = SuggestionPanel()
    qtbot.addWidget(p)
    p.resize(380, 520)
    p.show()
    qtbot.waitExposed(p)
    p.set_suggestions([_sug(1, "label", "Oberflächenkratzer", 0.64),
                       _sug(2, "label", "scratch", 0.9, outcome="accepted", by="alice")])
    qtbot.wait(20)
    assert text_contrast(p.card(1).accept_button) >= 4.5
    assert text_contrast(p.card(1).reject_button) >= 4.5
    outcome = p.card(2).outcome_label
    assert outcome.isVisible()
    assert text_contrast(outcome) >= 4.5
