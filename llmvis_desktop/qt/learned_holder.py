"""The open project's learned suggester for :mod:`.suggest_controller`, built off the GUI
thread (no Qt here: plain Python shared by the status loader and the job threads)."""
from __future__ import annotations

import threading


class LearnedHolder:
    """The open project's :class:`LearnedSuggester`, built on first use on the thread that
    needs it (the status loader, a job), never on the GUI thread: building one imports the
    learning modules and reads the project's feature cache (at every project opened, it
    froze the window ~0.5 s). One per project; the lock makes it one instance."""

    def __init__(self, project) -> None:
        self.project = project
        self.suggester = None  # read on the GUI thread: None while not built yet
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if self.suggester is None:
                from ..core.suggest.learned import LearnedSuggester

                self.suggester = LearnedSuggester(self.project)
            return self.suggester

    def set(self, suggester) -> None:
        with self._lock:
            self.suggester = suggester


def learned_result_text(report, written: int) -> str:
    """The status bar's line when a learned job ends: "3 labels from 15 reviewed images
    (2.0 s); 31 new suggestions" (it said "1 labels", "1 new suggestions")."""
    from ..core.wording import plural

    n = len(report.labels)
    text = (f"Learned suggester: {n} {plural(n, 'label')} from {report.images} "
            f"{plural(report.images, 'reviewed image')} ({report.seconds:.1f} s); "
            f"{written} new {plural(written, 'suggestion')}")
    short = getattr(report, "not_learned", ())  # no card of them: said (the readiness line is hidden meanwhile)
    if short:
        text += "; not learned yet: " + ", ".join(
            f"{k!r} needs {m} more" + (f" {plural(m, 'reviewed image')}" if i == 0 else "")
            for i, (k, m) in enumerate(short))
    return text


def learned_status(holder):
    """On the status loader's thread: (the holder, its suggester's (ready, sentence))."""
    return holder, holder.get().status()
