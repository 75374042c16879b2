"""The dashboard's Labels tab showed the per-label precision / recall / F1 of all models
pooled, and said so nowhere: a QA lead reading "scratch precision 1.00" could not tell
whose it was, and each model's own per-label figures were only in ``--json``
(``labels.by_model``). A picker, as on the other two tabs, shows the pooled figures or one
model's; checked against the figures worked out by hand (tests/core/hhunt20_scenario.py)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

import hhunt20_scenario as sc  # noqa: E402

from llmvis_desktop.core.suggest.evaluate import evaluate, format_report  # noqa: E402
from llmvis_desktop.qt.dialogs.evaluation_dialog import EvaluationDialog  # noqa: E402


def _table(t) -> dict:
    head = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    return {t.item(r, 0).text(): dict(zip(head, (t.item(r, c).text() for c in range(t.columnCount()))))
            for r in range(t.rowCount())}


def test_the_labels_tab_shows_the_pooled_figures_or_one_models(qtbot, tmp_path):
    p = sc.build(tmp_path / "imgs")
    try:
        report = evaluate(p)
    finally:
        p.close()
    assert "\nLabels, all models pooled (" in format_report(report)  # the text says whose, too
    w = EvaluationDialog(report)
    qtbot.addWidget(w)
    w.resize(800, 700)
    w.show()
    picker = w.label_picker
    assert picker.itemText(0) == "all models (pooled)"
    assert {picker.itemData(i) for i in range(picker.count())} == {None, sc.LAB, sc.LRN}
    for key, want in sc.PER_LABEL.items():
        picker.setCurrentIndex(picker.findData(key) if key is not None else 0)
        rows = _table(w.label_table)
        got = {name: (int(r["TP"]), int(r["FP"]), int(r["FN"])) for name, r in rows.items()}
        assert got == want, key
        assert [r["label"] for r in w.label_bars.rows] == sorted(want)
        assert w.label_bars.minimumHeight() == w.label_bars.needed_height()
    picker.setCurrentIndex(picker.findData(sc.LRN))  # by hand: scratch TP 1 FN 1
    assert (_table(w.label_table)["scratch"]["precision"], _table(w.label_table)["scratch"]["recall"]) \
        == ("1.00", "0.50")
    w.set_report(report)  # a refresh keeps the model picked
    assert w.label_picker.currentData() == sc.LRN and _table(w.label_table)["scratch"]["TP"] == "1"
