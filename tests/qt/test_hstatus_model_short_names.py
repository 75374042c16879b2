"""Suggestion cards and the History panel named a local model by its whole folder path
("/tmp/hunt-hchip/tour/models/tiny-clip": cut to "/tmp/hunt-hchip/tour/m…" on a card at
1024 px, two lines in the History: /tmp/hunt-hstatus/shots-base-1024/01_main.png). They
show a short name (the folder's name; "org/name" for a Hugging Face cache folder), the
whole path in the tooltip; the stored provenance is unchanged."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QUrl

from llmvis_desktop.core.store.records import EventRecord, SuggestionRecord
from llmvis_desktop.core.wording import model_short_name

PATH = "/data/models/tiny-clip"
HF = "/home/me/.cache/huggingface/hub/models--openai--clip-vit-base-patch32/snapshots/3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268"


def test_short_names():
    assert model_short_name(PATH) == "tiny-clip"
    assert model_short_name(PATH + "/") == "tiny-clip"
    assert model_short_name(HF) == "openai/clip-vit-base-patch32"
    assert model_short_name(r"C:\models\tiny-blip") == "tiny-blip"
    assert model_short_name("microsoft/Florence-2-base") == "microsoft/Florence-2-base"  # an id: as it is
    assert model_short_name("learned:handcrafted") == "learned:handcrafted"
    assert model_short_name("") == ""


def _card_record(model_id: str) -> SuggestionRecord:
    return SuggestionRecord(7, 1, "label", "ok", 0.5, model_id, "eb89d1b37cba4d94", "a photo of a {label}", {},
                            datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc), "pending", None, None, None)


def test_a_card_names_a_local_model_by_its_folder(qtbot):
    from llmvis_desktop.qt.widgets.suggestion_panel import SuggestionPanel

    panel = SuggestionPanel()
    qtbot.addWidget(panel)
    panel.resize(380, 300)
    panel.show()
    panel.set_suggestions([_card_record(PATH)])
    card = panel.card(7)
    shown = card.model_label.text()
    assert shown.startswith("tiny-clip"), shown
    assert "/data/models" not in shown
    assert f"model: {PATH}" in card.model_label.toolTip()


def test_history_names_a_local_model_by_its_folder(qtbot):
    from llmvis_desktop.qt.widgets.history_panel import HistoryPanel

    p = HistoryPanel()
    qtbot.addWidget(p)
    p.resize(360, 300)
    p.show()
    at = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
    card = _card_record(PATH)
    p.set_events([EventRecord(1, 1, f"model:{PATH}", at, "suggest", None, {"kind": "label", "value": "ok", "score": 0.5}, 7),
                  EventRecord(2, 1, "alice", at, "labels", [], ["ok"], 7)], {7: card})
    text = " ".join(p.browser.toPlainText().split())
    assert "MODEL tiny-clip \u00b7" in text, text
    assert "proposed by tiny-clip" in text, text
    assert "/data/models" not in text, text
    # the whole path: the tooltip over the name; the entries keep the actor as stored
    p.browser.highlighted.emit(QUrl("history:model:1"))
    assert p.browser.toolTip() == PATH
    p.browser.highlighted.emit(QUrl())
    assert p.browser.toolTip() == ""
    assert {e["who"] for e in p.entries()} == {f"model:{PATH}", "alice"}
