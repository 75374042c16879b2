"""The learned suggester's readiness: whether it has enough reviewed images to learn
(``min_per_label`` per label, for two labels, or one label against as many without it),
and the sentence that says what it learns or how many more reviews it needs. Counted
over the reviewed images whose file is there. A mixin of
:class:`~.learned.LearnedSuggester` (``self.project``, ``self.min_per_label``); the
window's :mod:`~llmvis_desktop.qt.learned_holder` calls its parts too."""
from __future__ import annotations

import os
from typing import Optional, Sequence

from ..store.records import ImageFilter, ImageRecord
from ..wording import plural


MIN_PER_LABEL = 5  # reviewed images a label needs to be learned
#: the project setting that retrains the learned suggester every :data:`RETRAIN_EVERY`
#: reviews in the window (True/False; unset: off, until a reviewer first runs it there).
#: Set from the window's Suggestions menu or `llmvis settings` (:mod:`..user_settings`).
AUTO_RETRAIN_SETTING = "learned_auto_retrain"
AUTO_RETRAIN_DEFAULT = False
RETRAIN_EVERY = 10


def _missing_note(missing: Sequence[str]) -> str:
    """"; 2 reviewed images missing on disk (not counted): a.png, b.png", or ""."""
    if not missing:
        return ""
    n = len(missing)
    files = ", ".join(missing[:3]) + (f" and {n - 3} more" if n > 3 else "")
    return f"; {n} {plural(n, 'reviewed image')} missing on disk (not counted): {files}"


class Readiness:
    """How ready the suggester is to learn (see the module)."""

    def _reviewed(self) -> tuple[list[ImageRecord], Optional[list]]:
        """(the reviewed records, the labels or None): one transaction when the project can."""
        if hasattr(self.project, "reviewed_and_labels"):
            return self.project.reviewed_and_labels()
        return self.project.images(self.project.image_ids(ImageFilter(statuses=("reviewed",)), "name")), None

    def _label_counts(self, recs: Sequence[ImageRecord], defs=None) -> dict[str, int]:
        counts = {d.name: 0 for d in (self.project.labels() if defs is None else defs)}
        for r in recs:
            for name in r.labels:
                counts[name] = counts.get(name, 0) + 1
        return counts

    def _on_disk(self, recs: Sequence[ImageRecord]) -> tuple[list[ImageRecord], list[str]]:
        """(the records whose file is there, the relative paths of those that are not): a
        reviewed file deleted outside the tool stays "reviewed" until the folder is indexed
        again, and the fit cannot use it (one stat per reviewed image, off the GUI thread)."""
        present, missing = [], []
        for r in recs:
            try:
                os.stat(self.project.path_of(r))
            except OSError:
                missing.append(r.relpath)
            else:
                present.append(r)
        return present, missing

    def _readiness(self) -> tuple[bool, str, list[ImageRecord], list[str]]:
        """(ready, sentence, the reviewed records whose file is there, the missing ones' paths)."""
        reviewed, defs = self._reviewed()
        recs, missing = self._on_disk(reviewed)
        ready, message = self._judge(recs, defs)
        return ready, message + _missing_note(missing), recs, missing

    def status(self) -> tuple[bool, str]:
        """(ready, a sentence for the user): how many more reviews it needs, or what it learns.
        Counted over the reviewed images whose file is there, as the fit is; the sentence
        says how many are missing on disk (deleted, not re-indexed yet) and names some."""
        return self._readiness()[:2]

    def _judge(self, recs: Sequence[ImageRecord], defs=None) -> tuple[bool, str]:
        counts = self._label_counts(recs, defs)
        n = self.min_per_label
        ready = sorted(k for k, v in counts.items() if v >= n)
        short = sorted(((n - v, k) for k, v in counts.items() if v < n), key=lambda t: (t[0], t[1]))
        if not counts:
            return False, f"needs a label taxonomy and {n} {plural(n, 'reviewed image')} per label"
        without = {k: len(recs) - v for k, v in counts.items()}
        if len(counts) == 1 and len(ready) == 1 and without[ready[0]] >= n:
            # a one-label taxonomy, learned against the reviewed images without it
            # ("defect" or not; with more labels, one alone would be every image's top guess)
            m = without[ready[0]]
            msg = f"learns '{ready[0]}' against {m} {plural(m, 'reviewed image')} without it"
            return True, msg + self._short_note(short, n)
        if len(ready) < 2:
            if len(counts) < 2:
                (label,) = counts
                parts = [f"{m} more {what}" for m, what in ((n - counts[label], f"of '{label}'"),
                                                            (n - without[label], "without it")) if m > 0]
                return False, (f"needs {n} {plural(n, 'reviewed image')} of '{label}' and {n} without it: "
                               + ", ".join(parts))
            # ready once two labels have n each: the labels closest to it, at the least
            need = short[: 2 - len(ready)]
            total = sum(m for m, _ in need)
            parts = ", ".join(f"{m} more of '{k}'" for m, k in need)
            return False, (f"needs {total} more {plural(total, 'reviewed image')} ({n} per label, for two "
                           f"labels): {parts}"
                           + (" (or of another label)" if len(short) > len(need) else ""))
        msg = f"learns {len(ready)} labels from {len(recs)} {plural(len(recs), 'reviewed image')}"
        return True, msg + self._short_note(short, n)

    @staticmethod
    def _short_note(short: list, n: int) -> str:
        if not short:
            return ""
        # the words of the line at the end of a job (learned_result_text): "needs 5 more reviewed
        # images of" three times over ran past the status bar's room
        msg = "; not learned yet: " + ", ".join(
            f"'{k}' needs {m} more" + (f" {plural(m, 'reviewed image')}" if i == 0 else "")
            for i, (m, k) in enumerate(short[:3]))
        if len(short) > 3:
            msg += f" and {len(short) - 3} more {plural(len(short) - 3, 'label')}"
        return msg + f" ({n} per label)"


class ProjectReadiness(Readiness):
    """The readiness of a project's learned suggester with the default ``min_per_label``,
    without the suggester: the window reads it at every project opened, and building a
    :class:`~.learned.LearnedSuggester` for it imported the learning modules (23 of
    them) as the window opened; they load when a learned job first runs."""

    def __init__(self, project, min_per_label: int = MIN_PER_LABEL) -> None:
        self.project = project
        self.min_per_label = max(1, int(min_per_label))
