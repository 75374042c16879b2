"""The open project's learned suggester for :mod:`.suggest_controller`, built off the GUI
thread (no Qt here: plain Python shared by the status loader and the job threads)."""
from __future__ import annotations

import threading
from collections import namedtuple

_Seen = namedtuple("_Seen", "labels")  # a reviewed image as the readiness counts it


class LearnedHolder:
    """The open project's :class:`LearnedSuggester`, built on first use on the thread that
    needs it (a job), never on the GUI thread (the readiness needs none): building one imports the
    learning modules and reads the project's feature cache (at every project opened, it
    froze the window ~0.5 s). One per project; the lock makes it one instance."""

    def __init__(self, project) -> None:
        self.project = project
        self.suggester = None  # read on the GUI thread: None while not built yet
        self._lock = threading.Lock()
        # the encoder the Models dialog chose ("": the handcrafted features), used before the
        # project's setting (written on the settings' writer: a job started at once read the
        # old one); None: the project's setting
        self._chosen: str | None = None
        self._built = 0  # drop()s: a build under way when the choice changed is not kept
        self._built_with: str | None = None  # the encoder the suggester was built with ("": handcrafted)
        self._note = ""  # why the encoder runs on the CPU (encoder_device), until a job's end says it
        # the readiness's inputs from its last read, kept up with the records the window
        # sees (:meth:`note`): {reviewed image id: labels} of those on disk, the missing
        # ones' paths, the labels; None: not read yet, or to be read again (:meth:`stale`)
        self._seen_lock = threading.Lock()
        self._reviewed: dict | None = None
        self._missing: list[str] = []
        self._defs = None
        self._noted: list | None = None  # records noted while a read is under way
        self._gen = 0  # stale() since a read began: its answer is not kept

    def get(self):
        """The suggester (built here, on the caller's thread, when there is none); a
        :class:`~..core.suggest.discovery.ModelRefused` naming the encoder's folder when the
        chosen one cannot serve."""
        with self._lock:
            if self.suggester is not None:
                return self.suggester
            from ..core.config import load_config
            from ..core.suggest.learned import LearnedSuggester
            from ..core.suggest.learned_encoder import SETTING, encoder_for

            built, spec = self._built, self._chosen
            if spec is None:  # the project's learned_encoder (a CLIP/SigLIP folder), else the handcrafted features
                spec = (self.project.settings() or {}).get(SETTING) or ""
            cfg = load_config()  # (Settings ▸ Device: the encoder ran on the CPU always)
            extractor = encoder_for(self.project, spec, cfg.model_dirs, cfg.device) if spec else None
            note = getattr(extractor, "device_note", "")
            if note:
                import logging

                logging.getLogger(__name__).warning("%s", note)
                self._note = note
            sugg = LearnedSuggester(self.project, extractor)
            if built == self._built:  # (else another encoder was chosen meanwhile: built again next time)
                self.suggester, self._built_with = sugg, spec
            return sugg

    def set(self, suggester) -> None:
        with self._lock:
            self.suggester = suggester

    def drop(self, chosen: str | None = None) -> None:
        """The learned suggester's encoder was chosen (``chosen``: its folder or HF-cache id
        as stored; "": the handcrafted features; None: as the project's setting says): the
        next job builds the suggester again with it. Not waiting on a build under way (on
        the GUI thread): that build is used by its own job only."""
        self._chosen = chosen
        self._forget()

    def _forget(self) -> None:
        """The built suggester is not used again: the next job builds one (a build under way
        now is used by its own job only)."""
        self._built += 1
        self.suggester = self._built_with = None

    def recheck(self) -> bool:
        """An opt-in was unticked: a suggester built with an encoder is built again at the
        next job, whose check then sees the opt-ins as they are (a `.bin` encoder no longer
        opted in is refused, not kept in use); the encoder chosen stays. True when dropped."""
        if not self._built_with:
            return False
        self._forget()
        return True

    def follow(self, value: str) -> bool:
        """The project's ``learned_encoder`` as the window now holds it ("": none; a
        teammate's choice, `llmvis settings`): True when the suggester was built (or is to
        be) with another; it is then dropped, to be built with ``value``."""
        wanted = self._chosen if self._chosen is not None else self._built_with
        if wanted is None or wanted == value:
            return False
        self.drop(value)
        return True

    def take_note(self) -> str:
        """Why the encoder runs on the CPU, once (a job's end says it), or ""."""
        note, self._note = self._note, ""
        return note

    # --- readiness ------------------------------------------------------------------
    def stale(self) -> None:
        """The next readiness is read from the database (the taxonomy changed, a job ended)."""
        with self._seen_lock:
            self._reviewed, self._gen = None, self._gen + 1

    def note(self, rec) -> None:
        """A record the window was given (GUI thread, O(1)): its review status and labels,
        as the readiness counts them. A note is the image's whole state: noted twice, or
        again on top of a read that saw it already, it counts once."""
        with self._seen_lock:
            if self._noted is not None:
                self._noted.append(rec)
            if self._reviewed is not None:
                self._apply(self._reviewed, rec)

    def _apply(self, reviewed: dict, rec) -> None:
        if rec.relpath in self._missing:
            return  # (gone from disk: not counted until read again)
        if rec.status == "reviewed":
            reviewed[rec.id] = tuple(rec.labels)
        else:
            reviewed.pop(rec.id, None)

    def status(self, derive: bool):
        """(ready, sentence): from the kept inputs (no database read) when ``derive`` and
        they are there, else read (off the GUI thread: the status loader's). Judged by the
        suggester once a job built it, else without one (:class:`ProjectReadiness`):
        building it imported the learning modules on this thread as the window opened,
        and the window's paints waited for the interpreter lock meanwhile."""
        sugg = self.suggester  # (not waiting on a build under way: it judges the same)
        if sugg is None:
            from ..core.suggest.learned_ready import ProjectReadiness

            sugg = ProjectReadiness(self.project)
        with self._seen_lock:
            kept = None if self._reviewed is None or not derive else \
                (list(self._reviewed.values()), list(self._missing), self._defs)
            if kept is None:
                self._noted = []  # (a record noted during the read is applied on top of it)
                gen = self._gen
        if kept is not None:
            labels, missing, defs = kept
            return self._judged(sugg, [_Seen(x) for x in labels], missing, defs)
        try:
            reviewed, defs = sugg._reviewed()
            recs, missing = sugg._on_disk(reviewed)
        except BaseException:
            with self._seen_lock:
                self._noted = None
            raise
        with self._seen_lock:
            self._missing, self._defs = list(missing), defs
            base = {r.id: tuple(r.labels) for r in recs}
            for rec in self._noted or ():
                self._apply(base, rec)
            if gen == self._gen:  # (else read again next time: the taxonomy changed meanwhile)
                self._reviewed = base
            self._noted = None
        return self._judged(sugg, recs, missing, defs)

    @staticmethod
    def _judged(sugg, recs, missing, defs):
        from ..core.suggest.learned_ready import _missing_note

        ready, message = sugg._judge(recs, defs)
        return ready, message + _missing_note(missing)


def encoder_chosen_text(words: str, running: bool = False, setting: bool = False) -> str:
    """The status bar's line when the learned suggester's encoder was chosen (``words``:
    "CLIP (tiny-clip)"; "": the handcrafted features): in the Models dialog, or
    (``setting``) by a change of the project's setting seen (a teammate's, `llmvis
    settings`); ``running``: a learned job runs now (it ends with the features it began with)."""
    what = f"{words}\u2019s" if words else "handcrafted"
    said = "the project's encoder setting was changed: it " if setting else ""
    text = f"Learned suggester: {said}will retrain with {what} features"
    return text + (" (the job running now ends with the features it began with)" if running else "")


def learned_result_text(report, written: int, why: str = "") -> str:
    """The status bar's line when a learned job ends: "3 labels from 15 reviewed images
    (2.0 s); 31 new suggestions" (it said "1 labels", "1 new suggestions"); with none,
    ``why`` (:func:`~..core.suggest.learned_outcome.why_none`): "0 new suggestions: all 9
    images it suggests for already have this fit's suggestions". A network loaded as saved
    for the same reviewed set: "(the saved fit reused)", not the "(0.0 s)" of no fit."""
    from ..core.wording import plural

    n = len(report.labels)
    spent = "the saved fit reused" if getattr(report, "reused", False) else f"{report.seconds:.1f} s"
    text = (f"Learned suggester: {n} {plural(n, 'label')} from {report.images} "
            f"{plural(report.images, 'reviewed image')} ({spent}); "
            f"{written:,} new {plural(written, 'suggestion')}" + (f": {why}" if why else ""))
    short = getattr(report, "not_learned", ())  # no card of them: said (the readiness line is hidden meanwhile)
    if short:
        text += "; not learned yet: " + ", ".join(
            f"{k!r} needs {m} more" + (f" {plural(m, 'reviewed image')}" if i == 0 else "")
            for i, (k, m) in enumerate(short))
    return text


def learned_done_text(report, written: int, why: str = "") -> str:
    """The Jobs panel's line when a learned job ends, what it made first: "1,234 new
    suggestions (3 labels from 15 reviewed images)" (it said "done" alone, the model jobs
    their count); with none, why: "0 new suggestions: nothing to do: ..."."""
    from ..core.wording import plural

    made = f"{written:,} new {plural(written, 'suggestion')}"
    if why:
        return f"{made}: {why}"
    n = len(report.labels)
    return f"{made} ({n} {plural(n, 'label')} from {report.images:,} {plural(report.images, 'reviewed image')})"


def learned_status(holder, derive: bool = False):
    """On the status loader's thread: (the holder, its suggester's (ready, sentence)),
    ``derive``: from the records the window saw since the last read, with no read."""
    return holder, holder.status(derive)
