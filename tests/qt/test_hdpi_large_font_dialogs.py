"""Dialogs under the OS's large-text setting (an application font 1.5x the default): the
Models dialog kept its fixed 820 px minimum, below what its own rows need, so the second
opt-in ("Allow this model's own code (trust_remote_code)") was cut at "trust_remote_c"
(/tmp/hunt-hdpi/shots/font15_models.png)."""
from __future__ import annotations

import pytest


@pytest.fixture
def large_font(qapp):
    before = qapp.font()
    font = qapp.font()
    font.setPointSizeF(before.pointSizeF() * 1.5)
    qapp.setFont(font)
    yield
    qapp.setFont(before)


def test_the_models_dialogs_opt_ins_are_shown_whole(qtbot, tmp_path, large_font):
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.qt.dialogs.model_manager import ModelManagerDialog

    images = tmp_path / "images"
    images.mkdir()
    (tmp_path / "models").mkdir()
    with Project.open(images) as project:
        dlg = ModelManagerDialog(project, [str(tmp_path / "models")], device="cpu", hf_cache=tmp_path / "no-cache")
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        for box in (dlg.bin_box, dlg.code_box):
            assert box.isVisible()
            assert box.width() >= box.sizeHint().width(), box.text()
            assert dlg.rect().contains(box.geometry().translated(box.parentWidget().mapTo(dlg, box.pos()) - box.pos()))
        dlg.close()
