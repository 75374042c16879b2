"""The evaluation dialog's Acceptance table named local models by their whole folder path
("/tmp/hunt-hchip/tour/models/tiny-clip"): at the 784 px the dialog gets on an 800 px wide
screen (the offscreen platform's), the table needed a horizontal scroll bar, "label P"
and the columns after it cut (/tmp/hunt-hchip/shots-new-1280/03_eval_1_Acceptance.png).
The model column shows the short name (the folder's), the whole path in its tooltip,
and the table fits; two models whose folders share a name keep their whole paths."""
from __future__ import annotations

from test_evaluation_dialog import _report  # (tests/qt is on the path)

from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog

BLIP, CLIP = "/tmp/hunt-hchip/tour/models/tiny-blip", "/tmp/hunt-hchip/tour/models/tiny-clip"


def _paths_report(blip=BLIP, clip=CLIP):
    rep = _report()
    micro = {"tp": 4, "fp": 8, "fn": 6, "support": 10, "precision": 0.333, "recall": 0.4, "f1": 0.364}
    rep["acceptance"] = [
        {"model_id": blip, "suggested": 30, "decided": 12, "pending": 18, "accepted": 10, "edited": 0,
         "rejected": 2, "rate": 10 / 12, "rate_as_is": 10 / 12},
        {"model_id": clip, "suggested": 60, "decided": 24, "pending": 36, "accepted": 5, "edited": 0,
         "rejected": 19, "rate": 5 / 24, "rate_as_is": 5 / 24}]
    rep["labels"]["by_model"] = {clip: {"images": 12, "micro": micro, "per_label": [], "macro_f1": 0.1}}
    rep["captions"]["by_model"] = {blip: {"decided": 12, "mean_edit_distance": 0.17}}
    return rep


def _shown(qtbot, rep):
    w = EvaluationDialog(rep)
    qtbot.addWidget(w)
    w.show()
    w.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: w.acceptance_table.isVisible())
    return w


def test_acceptance_table_fits_with_local_model_paths(qtbot):
    w = _shown(qtbot, _paths_report())
    t = w.acceptance_table
    assert w.width() <= 800
    assert t.horizontalScrollBar().maximum() == 0, (w.width(), t.horizontalScrollBar().maximum())
    assert [t.item(r, 0).text() for r in range(t.rowCount())] == ["tiny-blip", "tiny-clip"]
    assert t.item(1, 0).toolTip() == CLIP  # the whole path
    assert w.caption_table.item(0, 0).text() == "tiny-blip" and w.caption_table.item(0, 0).toolTip() == BLIP
    assert "tiny-clip 20.8%" in w.summary.text() and CLIP not in w.summary.text()


def test_models_sharing_a_folder_name_keep_their_paths(qtbot):
    other = "/srv/other/models/tiny-clip"
    w = _shown(qtbot, _paths_report(blip=other))
    t = w.acceptance_table
    assert [t.item(r, 0).text() for r in range(t.rowCount())] == [other, CLIP]
