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

from ..core.review_busy import label_change_refused
from ..core.store.engine import short_waits
from .workers import LatestOnly

log = logging.getLogger(__name__)


def busy_text(what: str) -> str:
    return (f"The label list is still being saved ({what}). Nothing was changed; "
            f"try again when it is done.")


class TaxonomyActions:
    """The label list's changes (see the module docstring)."""

    #: what is being saved now ("renaming “dent”"), None when nothing is
    taxonomy_running: Optional[str] = None

    def _init_taxonomy(self) -> None:
        self._taxonomy_loader = LatestOnly(self)
        self._taxonomy_loader.done.connect(self._taxonomy_done)

    def _add_label(self, name: str, color: str) -> None:
        self._taxonomy(f"adding \u201c{name}\u201d", lambda p: p.add_label(name, color=color or None))

    def _label_change(self, name: str, **changes) -> None:
        actor = self.win.reviewer()  # asked here (it may open a dialog), not on the worker
        what = f"renaming \u201c{name}\u201d" if changes.get("new_name") else f"changing \u201c{name}\u201d"
        self._taxonomy(what, lambda p: p.update_label(name, actor=actor, **changes))

    def _remove_label(self, name: str) -> None:
        actor = self.win.reviewer()
        self._taxonomy(f"removing \u201c{name}\u201d", lambda p: p.remove_label(name, actor, force=True))

    def _taxonomy(self, what: str, fn: Callable) -> None:
        """Run a change of the label list on the worker: it waits for a teammate's lock (an
        import using the label list, a reviewer's change of an image carrying the label,
        another writer of the SQLite file) the window's short wait only, never queueing
        for the taxonomy lock, then is refused saying who holds it."""
        project = self.win.project
        if project is None:
            return
        if self.taxonomy_running is not None:
            self.win.show_error(busy_text(self.taxonomy_running))
            return

        def work():
            with short_waits():
                fn(project)
            try:  # what the panel shows next, read here too
                return project, project.labels(), project.label_usage()
            except Exception:
                log.warning("labels after a change", exc_info=True)
                return project, None, None

        self.taxonomy_running = what
        self.win.statusBar().showMessage(f"{what[0].upper()}{what[1:]}\u2026")
        self._taxonomy_loader.submit(work)

    def _taxonomy_done(self, result, error) -> None:
        what, self.taxonomy_running = self.taxonomy_running, None
        bar = self.win.statusBar()
        if what and bar.currentMessage() == f"{what[0].upper()}{what[1:]}\u2026":
            bar.clearMessage()
        if error is not None:
            self.win.show_error(label_change_refused(error) or str(error))
            return
        project, defs, usage = result
        if project is not self.win.project:
            return  # closed meanwhile
        self.reload_labels(defs, usage)
        self.win.model.refresh_all()
        if self.record is not None:
            self.win.review._refresh(self.record.id)
        ctl = getattr(self.win, "suggest_ctl", None)
        if ctl is not None:  # the learned suggester's readiness depends on the taxonomy
            ctl.refresh_learned_status()

    def wait_taxonomy(self, timeout_ms: int = 30000) -> bool:
        """Wait for a change under way (the project is being closed: it is finished on it)."""
        return self._taxonomy_loader.wait(timeout_ms)

    def shutdown_taxonomy(self) -> None:
        self._taxonomy_loader.shutdown()
