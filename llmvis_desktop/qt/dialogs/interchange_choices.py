"""The export/import dialog's remembered choices (:class:`.interchange_dialog.ExportImportDialog`).

What the form holds (format, path, the export options, split, seed, import-as) is saved
under the dialog's project setting when a job starts, and the next dialog starts from
it. A convenience only: a read-only or unreachable database keeps nothing, and a saved
value of the wrong type (an older version's, a hand edit) is passed over, never a
reason not to open.

Public API
----------
``save_choices(project, key, choices)``  keep ``choices`` under setting ``key`` (None: nothing)
``form_choices(dialog) -> dict``         what the dialog's form holds now
``restore_choices(dialog, project, key, settings)``  set the form from what was kept
                                         (``settings``: the project's, read off the GUI
                                         thread; None: read here)
"""
from __future__ import annotations

from typing import Optional

from ...core.interchange import FORMATS

#: the form's check boxes, by their attribute names on the dialog
CHECKS = ("reviewed_only", "decided_only", "include_suggestions", "include_repairs", "link", "anonymize", "images_8bit")


def save_choices(project, key: Optional[str], choices: dict) -> None:
    """The form's choices kept in the project for the next dialog (a convenience: a
    read-only or unreachable database keeps none)."""
    if key and project is not None:
        try:
            project.set_setting(key, choices)
        except Exception:
            pass


def form_choices(dlg) -> dict:
    return {
        "format": dlg.current_format(), "path": dlg.path.text().strip(),
        "reviewed_only": dlg.reviewed_only.isChecked(), "decided_only": dlg.decided_only.isChecked(),
        "include_suggestions": dlg.include_suggestions.isChecked(),
        "include_repairs": dlg.include_repairs.isChecked(), "link": dlg.link.isChecked(),
        "anonymize": dlg.anonymize.isChecked(), "images_8bit": dlg.images_8bit.isChecked(),
        "split": [b.value() for b in dlg.split],
        "seed": dlg.seed.value(), "import_as": dlg.as_.currentData(),
    }


def restore_choices(dlg, project, key: Optional[str], settings: Optional[dict]) -> None:
    if not key or project is None:
        return
    try:
        s = settings if settings is not None else project.settings()
        saved = s.get(key)
    except Exception:  # a convenience: never a reason not to open
        saved = None
    if not isinstance(saved, dict):
        return
    if saved.get("format") in FORMATS:
        dlg.set_format(saved["format"])
    if isinstance(saved.get("path"), str):
        dlg.path.setText(saved["path"])
    for name in CHECKS:
        if isinstance(saved.get(name), bool):
            getattr(dlg, name).setChecked(saved[name])
    split = saved.get("split")
    if isinstance(split, list) and len(split) == 3 and all(isinstance(v, (int, float)) for v in split):
        for box, value in zip(dlg.split, split):
            box.setValue(float(value))
    if isinstance(saved.get("seed"), int):
        dlg.seed.setValue(saved["seed"])
    index = dlg.as_.findData(saved.get("import_as"))
    if index >= 0:
        dlg.as_.setCurrentIndex(index)
