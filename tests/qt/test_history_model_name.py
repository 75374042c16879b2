"""The History panel named a model's event "MODEL model:microsoft/Florence-2-base": the
badge said it was a model and the name said it again, in the actor's stored form, where
the suggestion card above it names the same model "microsoft/Florence-2-base"."""
from __future__ import annotations

from datetime import datetime, timezone

from llmvis_desktop.core.store.records import EventRecord


def test_a_models_event_names_the_model_as_its_card_does(qtbot):
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    at = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    p.set_events([EventRecord(1, 1, "model:microsoft/Florence-2-base", at, "caption", None, "a plate", None),
                  EventRecord(2, 1, "alice", at, "status", None, "reviewed", None)])
    text = " ".join(p.browser.toPlainText().split())  # (the badge's spaces are no-break ones)
    assert "MODEL microsoft/Florence-2-base \u00b7" in text, text
    assert "model:microsoft" not in text, text
    assert "alice" in text
    # the entries keep the actor as stored (as the history export writes it)
    assert {e["who"] for e in p.entries()} == {"model:microsoft/Florence-2-base", "alice"}
