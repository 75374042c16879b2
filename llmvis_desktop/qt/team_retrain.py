"""The retrain every 10 reviews, counted over the whole team's reviews.

The window counted only its own reviews (``reviews_since_train``): two reviewers doing 5
each on one project never retrained. Once its suggester holds a fit, the window asks the
database how many times an image was marked reviewed since the history the fit saw
(:func:`~..core.suggest.learned_fits.reviews_since`: one COUNT over the events, off the
GUI thread, coalesced to the newest ask) when a review of its own lands and when the team
watch shows a teammate's changes; at :data:`~.suggest_controller.RETRAIN_EVERY` it retrains.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from .workers import LatestOnly


def _count(project, sugg) -> tuple:
    """Off the GUI thread: (project, the fit it counted from, the reviews since it)."""
    from ..core.suggest.learned_fits import reviews_since

    mark = sugg.fit_mark
    with project.store.read() as s:
        return project, mark, reviews_since(s, mark)


class TeamReviewCount(QObject):
    """Asks the count for the controller ``ctl`` (a :class:`~.suggest_controller.SuggestController`)."""

    def __init__(self, ctl) -> None:
        super().__init__(ctl)
        self.ctl = ctl
        self.last = None  # the last count read: (the fit's mark, reviews since it)
        self.loader = LatestOnly(self)
        self.loader.done.connect(self._on_count)

    def check(self) -> bool:
        """Ask the count if retraining could follow it (on, a fit held, no learned job
        running); False when there is nothing to ask (no fit yet: the window's own count)."""
        ctl, project = self.ctl, self.ctl.win.project
        sugg = ctl.learned
        if project is None or not ctl.auto_retrain or sugg is None or getattr(sugg, "model", None) is None:
            return False
        if ctl.learned_job is not None and ctl.learned_job.is_active:
            return True
        self.loader.submit(_count, project, sugg)
        return True

    def _on_count(self, result, error) -> None:
        ctl = self.ctl
        if error is not None or result is None:
            return  # (a database that cannot be reached: the team watch says so)
        project, mark, n = result
        self.last = (mark, n)
        sugg = ctl.learned
        if project is not ctl.win.project or sugg is None or getattr(sugg, "fit_mark", None) != mark:
            return  # another project, or retrained since the count began
        if not ctl.auto_retrain or (ctl.learned_job is not None and ctl.learned_job.is_active):
            return
        from .suggest_controller import RETRAIN_EVERY

        if n >= RETRAIN_EVERY and ctl.learned_ready is not False:
            ctl.run_learned(auto=True)

    def cancel(self) -> None:
        self.loader.cancel()

    def shutdown(self) -> None:
        self.loader.shutdown()
