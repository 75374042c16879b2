"""What a suggestion job says: :class:`SuggestReport` (counts, timing, device, the
models' provenance and failures, messages) and :class:`SuggestError`, raised when the
job cannot run as asked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..tasks import Cancelled


class SuggestError(Exception):
    """The job cannot run as asked (no model, no labels...); the message says why."""


class SuggestStopped(SuggestError):
    """A suggest job stopped by a full disk under the project database, or by its server
    going away (``connection``: the driver's reason): the batches it
    committed before are kept ("nothing was saved" was wrong for it) and a rerun goes on
    from there. ``images_kept``: images whose suggestions were committed (None: not
    known); the message says to "run it again"; :meth:`say` words it for a command."""

    def __init__(self, what: str, database: str, images_kept: Optional[int],
                 connection: Optional[str] = None) -> None:
        self.what, self.database, self.images_kept = what, database, images_kept
        self.connection = connection  # the driver's reason when the database server went away
        super().__init__(self.say("it"))

    def say(self, again: str) -> str:
        from ..errors import connection_lost_stopped, disk_full_stopped

        n = self.images_kept
        kept = None if n is None else f"suggestions for {n:,} image{'' if n == 1 else 's'}"
        if self.connection is not None:
            return connection_lost_stopped(self.what, self.database, kept, again, self.connection)
        return disk_full_stopped(self.what, self.database, kept, again)

    @classmethod
    def of(cls, exc: BaseException, what: str, database: str, images_kept: Optional[int]) -> "SuggestStopped":
        """The stop ``exc`` (a full disk, or the database server gone) caused."""
        from ..errors import connection_reason, is_connection_lost

        if not is_connection_lost(exc):
            return cls(what, database, images_kept)
        return cls(what, database, images_kept, connection=connection_reason(exc))


def stored_words(stored_images: int) -> str:
    """What a stopped suggest job kept, the same words wherever it is said (the window's
    status bar and Jobs panel, the CLI): "no suggestion was stored", "1 image's
    suggestions were stored", "32 images' suggestions were stored"."""
    n = stored_images
    if not n:
        return "no suggestion was stored"
    return f"{n:,} image's suggestions were stored" if n == 1 else f"{n:,} images' suggestions were stored"


def cancelled_words(stored_images: int) -> str:
    """"cancelled before any suggestion was stored", or "cancelled; 32 images'
    suggestions were stored" (a cancel while the models loaded said "cancelled", one
    during the first batch "the images done (at least 0) are kept")."""
    if not stored_images:
        return "cancelled before any suggestion was stored"
    return f"cancelled; {stored_words(stored_images)}"


class SuggestCancelled(Cancelled):
    """A cancelled suggest job (the models loading, or training, included):
    ``stored_images``, the images whose suggestions its commits stored, those finished
    after the cancel included (its last progress report, cut by the cancel, could be a
    few batches behind them); 0 when it was cancelled before any was stored."""

    #: of the images a redo (``only_unsuggested=False``) had not reached, how many carry the
    #: models' earlier suggestions (a plain run again would leave those as they are; 0: it
    #: finishes the redo); None for a plain run, or when it could not be read
    earlier_left: Optional[int] = None

    def __init__(self, stored_images: int) -> None:
        self.stored_images = stored_images
        super().__init__(cancelled_words(stored_images))


@dataclass
class SuggestReport:
    images: int = 0  # images that went through a model in this run
    suggestions: int = 0
    skipped: int = 0  # already suggested by the same model and revision
    # role -> images of the scope that role had done and another had not (two models run)
    done_by_one: dict[str, int] = field(default_factory=dict)
    repair_outputs: int = 0  # linked repairs' outputs left out (not work to review; include_repairs)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (relpath, why)
    seconds: float = 0.0  # the whole job, loading the models included
    load_seconds: float = 0.0  # of which: loading the models (0 when they were loaded already)
    device: str = ""
    messages: list[str] = field(default_factory=list)  # what was not done, or not as asked (warnings)
    notes: list[str] = field(default_factory=list)  # plain notes: as set up, nothing to fix this run
    waited_s: float = 0.0  # waited in all for the project database another writer held (said in ``notes``)
    models: dict[str, str] = field(default_factory=dict)  # role -> "model_id@revision"
    cores: dict = field(default_factory=dict)  # how a CPU job shared the cores (cores.CoreShare.summary)
    # role -> why that model made no (or no more) suggestions: refused, failed to load or
    # failed while running; the job's other model went on and its suggestions are stored
    model_failures: dict[str, str] = field(default_factory=dict)
    no_text: int = 0  # captions or answers that came out empty: not stored
    strips_tiled: list = field(default_factory=list)  # the tile count of each strip a labeler tiled
    # after the first batch: (seconds, images) from its report to the last batch's, the span
    # the progress line's rate counts (None: one batch only)
    after_first: Optional[tuple[float, int]] = None

    @property
    def images_per_s(self) -> float:
        """The rate once the models were loaded (the first batch's reading included)."""
        busy = self.seconds - self.load_seconds
        return self.images / busy if busy > 0 else 0.0

    @property
    def overall_images_per_s(self) -> float:
        """Images over the whole job's time, loading the models included."""
        return self.images / self.seconds if self.seconds > 0 else 0.0

    @property
    def steady_images_per_s(self) -> Optional[float]:
        """The rate after the first batch, as the progress line counts it (its time before
        the first images were done is not work): what a longer job would run at. None with
        one batch only."""
        if self.after_first is None or self.after_first[0] <= 0:
            return None
        return self.after_first[1] / self.after_first[0]

    def _rates(self) -> str:
        """"8.5 images/s overall, including 6.8 s loading the models; 14.5 images/s after
        the first batch, on cuda": the summary's rate and the progress line's last one said
        14.5 and 8.5 with no word of what each counted."""
        text = f"{self.overall_images_per_s:.1f} images/s overall"
        if self.load_seconds >= 0.05:
            text += f", including {self.load_seconds:.1f} s loading the models"
        steady = self.steady_images_per_s
        if steady is not None:
            text += f"; {steady:.1f} images/s after the first batch"
        return f"{text}, on {self.device or 'no device'}"

    def summary(self, redo_hint: str = "") -> str:
        """One line: what the job made, how fast, on which device; a job with nothing to do
        says so (it said "0 suggestions for 0 images in 0.0 s (0.0 images/s on no device)").
        ``redo_hint``: how to redo the images already done (the CLI: ``--all to redo``)."""
        if not (self.images or self.suggestions or self.failed or self.model_failures):
            hint = f" ({redo_hint})" if redo_hint else ""
            if self.skipped == 1:
                return (f"nothing to do: the 1 image already has suggestions from these models{hint}"
                        + _repairs_left(self.repair_outputs, "; "))
            if self.skipped:
                return (f"nothing to do: all {self.skipped:,} images already have suggestions from these "
                        f"models{hint}" + _repairs_left(self.repair_outputs, "; "))
            return "nothing to do: no image to suggest for" + _repairs_left(self.repair_outputs, "; ")
        text = (f"{_count(self.suggestions, 'suggestion')} for {_count(self.images, 'image')} "
                f"in {self.seconds:.1f} s ({self._rates()}), {self.skipped:,} already done")
        if self.done_by_one:  # (done by one model only: the other's suggestions were made for them)
            text += " by both models" + "".join(f", {n:,} by the {_ROLE_NOUN.get(r, r)} only"
                                                for r, n in self.done_by_one.items())
        text += _repairs_left(self.repair_outputs, ", ")
        if self.failed:
            text += f", {len(self.failed)} unreadable"
        if self.no_text:
            text += f", {self.no_text} with no text (not stored)"
        if self.strips_tiled:  # (strip_tiles: a labeler scores a line-scan strip in tiles)
            lo, hi, n = min(self.strips_tiled), max(self.strips_tiled), len(self.strips_tiled)
            text += f", {_count(n, 'line-scan strip')} labelled in tiles ({lo}{f'-{hi}' if hi > lo else ''} each)"
        if self.model_failures:
            failed = ", ".join(_ROLE_NOUN.get(r, r) for r in self.model_failures)
            text += f", {_count(len(self.model_failures), 'model')} failed (the {failed})"
        return text

    def as_dict(self) -> dict:
        return {"images": self.images, "suggestions": self.suggestions, "skipped": self.skipped,
                "done_by_one_model": dict(self.done_by_one),
                "repair_outputs_skipped": self.repair_outputs,
                "failed": [list(f) for f in self.failed], "seconds": round(self.seconds, 3),
                "load_seconds": round(self.load_seconds, 3),
                "images_per_s": round(self.images_per_s, 3),
                "overall_images_per_s": round(self.overall_images_per_s, 3),
                "steady_images_per_s": None if self.steady_images_per_s is None
                else round(self.steady_images_per_s, 3), "device": self.device,
                "messages": list(self.messages), "notes": list(self.notes), "models": dict(self.models),
                "cores": dict(self.cores),
                "model_failures": dict(self.model_failures), "no_text": self.no_text,
                "strips_tiled": list(self.strips_tiled)}

    def not_stored(self, stale_labels: int, dropped: int, renewed: int) -> None:
        """Take out of the count the rows the commits left out, each reason said once:
        ``stale_labels``, label cards scored against a label list changed during the job;
        ``dropped``, rows stored by another job over the same images meanwhile, or the same
        as cards still pending (``renewed`` of them: kept, with the new score)."""
        self.suggestions -= stale_labels + dropped
        if stale_labels:
            self.messages.append(f"{_count(stale_labels, 'label suggestion')} {_were(stale_labels)} not stored: "
                                 f"the label list changed while the job ran (a label added, renamed or "
                                 f"removed); run the job again to score those images against the list as it is now")
        if renewed:
            self.messages.append(f"{_count(renewed, 'suggestion')} {_were(renewed)} the same as "
                                 f"cards still pending: kept, with the new score")
        if dropped - renewed:
            other = dropped - renewed
            self.messages.append(f"{_count(other, 'suggestion')} {_were(other)} already stored by "
                                 f"another job running at the same time; not stored twice")

    def fail(self, role: str, why: str, running: bool = False) -> None:
        """``role``'s model was refused, failed to load or (``running``) failed while
        running: one warning line naming it and why; the job's other model goes on."""
        if role in self.model_failures:
            return
        noun = _ROLE_NOUN.get(role, role)
        line = (f"the {noun} failed while running; it made no more suggestions: {why}" if running
                else f"the {noun} did not run: {why}")
        self.model_failures[role] = line
        self.models.pop(role, None)
        self.messages.append(line)


_ROLE_NOUN = {"caption": "captioner", "label": "labeler", "answer": "chat model"}


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _repairs_left(n: int, sep: str) -> str:
    """What a job says of the repair outputs it left out: ", 3 repair outputs left out";
    nothing when none were."""
    return f"{sep}{_count(n, 'repair output')} left out" if n else ""
