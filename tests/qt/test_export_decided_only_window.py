"""The Export dialog's "decided images only" choice for the history (audit trail):
`llmvis export history --decided-only` had none in the window. Same meaning (reviewed
or rejected images, with every event and suggestion of theirs) and the same words as
the command's --help; history only, and one or the other with "Reviewed images only"."""
from __future__ import annotations

import json

from llmvis_desktop.cli import build_parser
from llmvis_desktop.core.project import Project
from llmvis_desktop.qt.dialogs.interchange_dialog import ExportImportDialog


def _help_of(flag: str) -> str:
    """The --help text of ``llmvis export`` for ``flag``."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    export = sub.choices["export"]
    return next(a.help for a in export._actions if flag in a.option_strings)


def test_the_export_dialog_exports_the_decided_images_history(qtbot, labelled_folder, tmp_path):
    p = Project.open(labelled_folder)
    try:
        p.scan()
        ids = p.image_ids(sort="name")
        p.set_status(ids[0], "reviewed", "alice")
        p.set_status(ids[1], "rejected", "bob")
        names = {r.id: r.relpath for r in p.images(ids)}
        dlg = ExportImportDialog(p, settings_key="export_choices")
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.set_format("coco")
        assert not dlg.decided_only.isEnabled()  # an annotation export of rejected images: not offered
        dlg.set_format("history")
        assert dlg.decided_only.isEnabled()
        # the command's words, whole: "history only: ..." in its --help
        assert dlg.decided_only.toolTip().lower() == _help_of("--decided-only").lower()
        dlg.reviewed_only.setChecked(True)
        dlg.decided_only.setChecked(True)
        assert not dlg.reviewed_only.isChecked()  # one or the other
        out = tmp_path / "trail.jsonl"
        dlg.path.setText(str(out))
        with qtbot.waitSignal(dlg.finished_job, timeout=20000):
            dlg.start()
        qtbot.waitUntil(lambda: not dlg.is_running(), timeout=5000)
        assert dlg.last_error is None
        lines = [json.loads(x) for x in out.read_text().splitlines()]
        assert lines[0]["decided_only"] is True and lines[0]["reviewed_only"] is False
        assert {x["image"] for x in lines[1:]} == {names[ids[0]], names[ids[1]]}
        dlg.close()

        again = ExportImportDialog(p, settings_key="export_choices")  # the choice is kept
        qtbot.addWidget(again)
        assert again.decided_only.isChecked() and again.current_format() == "history"
        again.set_format("csv")  # greyed out, kept checked, not asked of a csv export
        assert not again.decided_only.isEnabled() and not again.options().decided_only
    finally:
        p.close()
