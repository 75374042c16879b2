"""The Models dialog's status line (a refused model's reason, a change the database
refused) was cut at the bottom once it wrapped to three lines or more at the dialog's
minimum height: the minimum was fixed when the dialog opened, with the line empty, and the
table had already shrunk below its own minimum. The minimum height now follows the lines
at the dialog's width: at its minimum the status line is whole, the table giving up rows."""
from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox
from test_model_manager import _fake_model, shown_dialog



def _whole(dlg) -> None:
    status, buttons = dlg.status_label, dlg.findChild(QDialogButtonBox)
    assert status.height() >= status.heightForWidth(status.width()), (status.geometry(), dlg.size())
    assert status.geometry().bottom() < buttons.geometry().top(), (status.geometry(), buttons.geometry())
    assert dlg.table.height() >= dlg.table.minimumSizeHint().height(), dlg.table.geometry()


def test_the_status_line_stays_whole_at_the_minimum_height(qtbot, tmp_path):
    models = tmp_path / "models"
    for i in range(6):
        _fake_model(models / f"blip-{i}", "blip", "BlipForConditionalGeneration")
    _fake_model(models / "blip-no-tokenizer", "blip", "BlipForConditionalGeneration")
    (models / "blip-no-tokenizer" / "vocab.json").unlink()
    with shown_dialog(qtbot, tmp_path, models) as dlg:
        qtbot.waitExposed(dlg)
        dlg.select_path(str(models / "blip-no-tokenizer"))
        reason = dlg.status_text()
        assert "no tokenizer files" in reason
        for text in (reason, " ".join([reason] * 3)):  # three lines, then eight
            dlg.status_label.setText(text)
            for width in (1024, dlg.minimumWidth()):
                dlg.resize(width, 1)  # as small as it goes: its minimum height
                qtbot.waitUntil(lambda: dlg.height() == dlg.minimumHeight(), timeout=10000)
                qtbot.wait(50)
                _whole(dlg)
        dlg.status_label.setText("Rescanned.")  # a short line again: the minimum comes back down
        qtbot.waitUntil(lambda: dlg.minimumHeight() < 330, timeout=10000)
        dlg.close()
