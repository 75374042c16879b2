"""Undo and redo of an accepted repair, written off the GUI thread.

:class:`RepairCommand` is an accepted repair on the review controller's undo stack. Its
undo unlinks the repair (asking, here, whether to delete the repaired file too); its
redo relinks it (an appended ``rerepair`` event). Both are written on the review
writer's thread (:mod:`.review_writer`) like a review's own undo: on a team's PostgreSQL
25 ms away their 3 statements froze the window ~270-300 ms a key on the GUI thread, and
a teammate's write lock froze it 15 s. The stack moves when the write has committed
(:meth:`~.review_undo.ReviewUndo._step_done`); refused (a lock, the server gone, the
repaired file deleted since), it stays where it was, which is what the database holds,
and the status bar names the image and says why. A repair a teammate unlinked (or
relinked) meanwhile is already as the step would leave it: the stack moves, and says so.
Either way the grid and panels are read again off the GUI thread (``refresh_after_bulk``).

:class:`RepairUndo` is a mixin of the panel controller (through
:class:`~.repair_actions.RepairActions`): it uses ``win`` and ``refresh_after_bulk()``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QMessageBox

from ..core.store.repo_repairs import RepairStateError
from ..core.store.repo_review import NotFound
from ..core.wording import visible_name
from .review_writer import ReviewWrite

log = logging.getLogger(__name__)


class RepairCommand(QUndoCommand):
    """An accepted repair, already saved and recorded (see the module docstring). The
    review controller's undo asks :meth:`step_write` for the write of a step and moves
    the stack (calling :meth:`undo` / :meth:`redo`, which write nothing) once
    :meth:`step_done` says so. A repair whose file was deleted on undo cannot be redone
    (run the repair again)."""

    def __init__(self, ctl: "RepairUndo", repair_id: int, image_id: int, output_path) -> None:
        super().__init__(f"Repair ({Path(str(output_path)).name})")
        self.ctl = ctl
        self.repair_id = repair_id
        self.image_id = image_id
        self.unlinked = False  # as the stack has it: the database has it so once the step committed
        self._pushing = True
        self.project = ctl.win.project  # the project whose repair this is; undo acts only on it

    def step_write(self, undo: bool) -> Optional[ReviewWrite]:
        """(GUI thread) The write of an undo / redo, run on the review writer; None when
        there is none (cancelled, another project: said)."""
        return self.ctl.repair_step(self, undo)

    def step_done(self, write: ReviewWrite) -> Optional[str]:
        """(GUI thread) The step's write ended: the status line when the stack is to move,
        None when it stays (refused: said here)."""
        return self.ctl.repair_step_done(self, write)

    def redo(self) -> None:
        if self._pushing:  # the repair is already there
            self._pushing = False
            return
        self.unlinked = False

    def undo(self) -> None:
        self.unlinked = True


def _relinked_ids(project, image_id: int) -> set:
    return {r.id for r in project.repairs(image_id)}


class RepairUndo:
    """The repair steps of the panel controller (see the module docstring)."""

    def repair_step(self, cmd: RepairCommand, undo: bool) -> Optional[ReviewWrite]:
        win = self.win
        if win.project is None or cmd.project is not win.project:
            win.statusBar().showMessage("That repair belongs to a project no longer open; nothing changed.", 8000)
            return None
        project, actor, rid, image_id = win.project, win.reviewer(), cmd.repair_id, cmd.image_id
        if undo:
            ans = QMessageBox.question(
                win, "Undo repair",
                "The repair will be unlinked from its image (the history keeps a record).\n\n"
                "Also delete the repaired file?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.No)
            if ans not in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No):
                win.statusBar().showMessage("Undo of the repair cancelled; nothing changed.", 5000)
                return None
            delete = ans == QMessageBox.StandardButton.Yes

            def run():  # (the review writer's thread)
                try:
                    rec = project.unlink_repair(rid, actor, delete_file=delete)
                except RepairStateError:
                    if rid not in _relinked_ids(project, image_id):  # unlinked by someone else since
                        return {"already": True}
                    raise
                out = Path(rec.output_path)
                return {"kept": (out if out.is_absolute() else project.root / out).is_file(), "delete": delete}
        else:
            def run():
                try:
                    project.relink_repair(rid, actor)
                except RepairStateError:
                    if rid in _relinked_ids(project, image_id):  # relinked by someone else since
                        return {"already": True}
                    raise
                return {}
        kind = "undo" if undo else "redo"
        write = ReviewWrite(cmd.text(), image_id, run, kind=kind)
        rec = win.model.drawn_record(image_id)  # (its name only: never a read on the GUI thread)
        if rec is None and win.review.current is not None and win.review.current.id == image_id:
            rec = win.review.current
        write.name = visible_name(rec.relpath) if rec is not None else f"image {image_id}"
        return write

    def repair_step_done(self, cmd: RepairCommand, write: ReviewWrite) -> Optional[str]:
        win = self.win
        undo = write.kind == "undo"
        if not write.extra.get("closing"):  # the grid's mark and the panels, as stored (read off the GUI thread)
            self.refresh_after_bulk()
        exc = write.error
        if exc is not None:
            what = f"{write.name}: the repair was not {'undone' if undo else 'redone'}"
            if isinstance(exc, (RepairStateError, NotFound)):
                log.info("repair %s not %s: %s", cmd.repair_id, write.kind, exc)
                hint = "" if undo else "; open Image \u25b8 Repair defect\u2026 to repair again"
                win.statusBar().showMessage(f"{what} \u2014 {exc}{hint}.", 10000)
            else:  # a lock, the server gone: as a refused review action (status bar and box)
                win.review._report(exc, prefix=f"{what} \u2014 ")
            return None
        res = write.result or {}
        if res.get("already"):
            return (f"{'Undone' if undo else 'Redone'}: {write.text} \u2014 it was already "
                    f"{'unlinked' if undo else 'relinked'} by someone else; nothing more was written.")
        if not undo:
            return f"Redone: {write.text} \u2014 the repair is restored (relinked to its image)."
        if res.get("delete") and res.get("kept"):  # another repair was made from it: never deleted under that one
            return f"Undone: {write.text} \u2014 unlinked; the repaired file was kept (another repair uses it)."
        return f"Undone: {write.text} \u2014 unlinked; the repaired file was " \
               f"{'kept' if res.get('kept') else 'deleted'}."
