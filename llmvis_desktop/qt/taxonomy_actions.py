"""Changes of the label list from the window (add, rename, recolour, re-key, remove), run
off the GUI thread: a rename or removal rewrites every image carrying the label (its
history events, its suggestions withdrawn), 0.44-0.54 s at 20k images, which froze the
window. One change at a time: another asked for while one is saved is refused, in words
(nothing changed). Once done, the chips, the grid's colours and the filter bar follow,
from the labels and their usage read on the same worker.

:class:`TaxonomyActions` is a mixin of the panel controller (``self.win``,
``self.labels``, ``reload_labels``); it calls ``_init_taxonomy`` from its ``__init__``.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from PySide6.QtCore import Qt
from sqlalchemy.exc import DBAPIError

from ..core.review_busy import label_change_refused
from ..core.store.waited import noted_waits
from .db_messages import describe_db_error
from .models.grid_model import WINDOW
from .workers import LatestOnly

log = logging.getLogger(__name__)

#: Review ▸ Go to “+ Add label”: the keys into the Labels panel's add box (Tab took one more
#: press per label added: 2 for the first, 6 for the fifth). Free in the window, the repair
#: dialog and the box itself (Ctrl+L is the learned suggester, Ctrl+Shift+A the answer box)
ADD_LABEL_KEY = "Ctrl+Shift+L"


def busy_text(what: str) -> str:
    return (f"The label list is still being saved ({what}). Nothing was changed; "
            f"try again when it is done.")


def refused_text(what: Optional[str], why: str) -> str:
    """A refused change says which (``what``: "renaming “dent”"), then why (the lock's or
    the store's words alone left the user to guess which label it meant)."""
    why = why[:1].upper() + why[1:]
    return f"{what[0].upper()}{what[1:]} was refused. {why}" if what else why


def _why(error: BaseException) -> str:
    """Why a change of the label list was refused: a lock's words, the store's own (a name
    taken), or, for the database's errors (the server gone, the disk full), what a refused
    review action says: that nothing was changed and what to do, with the driver's first
    line (its whole text, "(Background on this error at: ...)" and all, was said)."""
    why = label_change_refused(error)
    if why:
        return why
    if isinstance(error, DBAPIError):
        return describe_db_error(error)
    return str(error)


def exclusive_line(project, label) -> str:
    """What marking ``label`` (a LabelDef, as changed) exclusive or not means now, and how many
    images carry it with another label already (read on the worker, as the CLI says it)."""
    name = label.name
    if not label.exclusive:
        return f"{name} is no longer exclusive: it can go with other labels."
    line = f"{name} is exclusive now: putting it on takes the other labels off, and another label takes it off."
    n = project.exclusive_clash_count(name)
    if n:
        line = (line[:-1] + f". {n} {'image carries' if n == 1 else 'images carry'} {name} with another label "
                f"already: {'it keeps them until its' if n == 1 else 'they keep them until their'} labels next change.")
    return line


def _read_after(project, shown: Optional[tuple]) -> tuple:
    """The labels, their usage and ``shown`` (see :meth:`TaxonomyActions._shown_window`)
    with its records, read in one transaction: three sessions were a checkout ping, a
    BEGIN and a ROLLBACK each, 0.3 s more on a team's PostgreSQL 25 ms away."""
    defs, usage, recs = project.labels_and_images(shown[3] if shown is not None else ())
    if shown is None:
        return defs, usage, None
    by_id = {r.id: r for r in recs}
    return defs, usage, (*shown, [by_id.get(i) for i in shown[3]])


def added_line(label) -> str:
    """The status bar's line once a label typed in "+ Add label" is saved. Enter there hands
    the keys back to the review (a number key then toggles the new label): the line says so,
    and how to add another. Nothing was said: an inspector typing a taxonomy went on typing
    the next name into the grid, where its letters are review keys (S skips, R marks the
    image reviewed)."""
    key = f"its key {label.shortcut}" if label.shortcut else "no number key (1-9 are taken)"
    return (f"Added label \u201c{label.name}\u201d, {key}. The keys are back with the review; "
            f"{ADD_LABEL_KEY} goes back to \u201c+ Add label\u201d to add another.")

class TaxonomyActions:
    """The label list's changes (see the module docstring)."""

    #: what is being saved now ("renaming “dent”"), None when nothing is
    taxonomy_running: Optional[str] = None
    #: what a refusal of the change under way undoes in the panel (the add box's text)
    _taxonomy_refused: Optional[Callable] = None

    def _init_taxonomy(self) -> None:
        self._taxonomy_loader = LatestOnly(self)
        self._taxonomy_loader.done.connect(self._taxonomy_done)

    def focus_add_label(self) -> None:
        """Review ▸ Go to “+ Add label” (:data:`ADD_LABEL_KEY`): the Labels dock shown and
        raised, the keys in its add box (Enter adds the name typed, Esc gives them back)."""
        labels = self.labels
        if labels is None:
            return
        dock = labels.parentWidget()
        while dock is not None and not hasattr(dock, "toggleViewAction"):
            dock = dock.parentWidget()
        if dock is not None:
            dock.show()
            dock.raise_()
            if dock.isFloating():
                dock.activateWindow()
        labels.add_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        labels.add_edit.selectAll()

    def _add_label(self, name: str, color: str) -> None:
        # a refused add (the disk full, the server gone, the list busy) gives the typed name
        # back to the box, which cleared it on Enter: it was lost, to be typed again
        self._taxonomy(f"adding \u201c{name}\u201d", lambda p: added_line(p.add_label(name, color=color or None)),
                       on_refused=lambda: self.labels.give_back(name))

    def _label_change(self, name: str, **changes) -> None:
        actor = self.win.reviewer()  # asked here (it may open a dialog), not on the worker
        what = f"renaming \u201c{name}\u201d" if changes.get("new_name") else f"changing \u201c{name}\u201d"
        if "exclusive" in changes:
            self._taxonomy(what, lambda p: exclusive_line(p, p.update_label(name, actor=actor, **changes)))
            return
        self._taxonomy(what, lambda p: p.update_label(name, actor=actor, **changes))

    def _remove_label(self, name: str) -> None:
        actor = self.win.reviewer()
        self._taxonomy(f"removing \u201c{name}\u201d", lambda p: p.remove_label(name, actor, force=True))

    def _taxonomy(self, what: str, fn: Callable, on_refused: Optional[Callable] = None) -> None:
        """Run a change of the label list on the worker: it waits for a teammate's lock (an
        import using the label list, a reviewer's change of an image carrying the label,
        another writer of the SQLite file) the window's short wait only, never queueing
        for the taxonomy lock, then is refused saying who holds it."""
        project = self.win.project
        if project is None:
            return
        if self.taxonomy_running is not None:
            self.win.show_error(busy_text(self.taxonomy_running))
            if on_refused is not None:
                on_refused()
            return

        shown = self._shown_window()

        def work():
            with noted_waits():
                done = fn(project)
            said = done if isinstance(done, str) else None  # a line for the status bar
            try:  # what the panel shows next, read here too
                return (project, *_read_after(project, shown), said)
            except Exception:
                log.warning("labels after a change", exc_info=True)
                return project, None, None, None, said

        self.taxonomy_running, self._taxonomy_refused = what, on_refused
        self.win.statusBar().showMessage(f"{what[0].upper()}{what[1:]}\u2026")
        self._taxonomy_loader.submit(work)

    def _taxonomy_done(self, result, error) -> None:
        what, self.taxonomy_running = self.taxonomy_running, None
        on_refused, self._taxonomy_refused = self._taxonomy_refused, None
        bar = self.win.statusBar()
        if what and bar.currentMessage() == f"{what[0].upper()}{what[1:]}\u2026":
            bar.clearMessage()
        if error is not None:
            self.win.show_error(refused_text(what, _why(error)))
            if on_refused is not None:
                on_refused()
            return
        project, defs, usage, shown, said = result
        if project is not self.win.project:
            return  # closed meanwhile
        if said:
            bar.showMessage(said)
        timer = self._usage_timer  # (the record shown again starts it: its counts are read)
        counts_due = timer.isActive() or defs is None
        self.reload_labels(defs, usage)
        model = self.win.model
        fresh = shown is not None and shown[1] == model._edit_seq and model.ids[shown[2]] == shown[3]
        model.refresh_all()
        if fresh:  # the current row's records, re-read with the labels: nothing to read here
            model.put_window(shown[0], shown[4])
        row = model.row_of(self.record.id) if fresh and self.record is not None else None
        rec = model.cached_record(row) if row is not None and row // WINDOW == shown[0] else None
        if rec is not None:
            self.win.review.show_fetched(rec)
        elif self.record is not None:
            self.win.review.show_from_database(self.record.id)
        if not counts_due:
            timer.stop()
        ctl = getattr(self.win, "suggest_ctl", None)
        if ctl is not None:  # the learned suggester's readiness depends on the taxonomy
            ctl.refresh_learned_status()

    def _shown_window(self) -> Optional[tuple]:
        """(window, edit count, its slice, its ids) of the current row's window of records:
        the worker reads it again with the labels (refresh_all drops every window, and the
        current record was then read back on the GUI thread: 0.3 s on a team's PostgreSQL)."""
        model, record = self.win.model, self.record
        row = model.row_of(record.id) if record is not None else None
        if row is None:
            return None
        w = row // WINDOW
        rows = slice(w * WINDOW, (w + 1) * WINDOW)
        return w, model._edit_seq, rows, model.ids[rows]

    def wait_taxonomy(self, timeout_ms: int = 30000) -> bool:
        """Wait for a change under way (the project is being closed: it is finished on it)."""
        return self._taxonomy_loader.wait(timeout_ms)

    def shutdown_taxonomy(self) -> None:
        self._taxonomy_loader.shutdown()
