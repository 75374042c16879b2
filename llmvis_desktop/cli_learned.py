"""``llmvis suggest --learned``: the built-in suggester's run (core.suggest.learned) and its
report (the summary line and the --json object). :mod:`.cli_suggest` runs it alone or
after the models."""
from __future__ import annotations

from typing import Optional, Sequence


class LearnedReport:
    def __init__(self, count: int, seconds: float, not_ready: Optional[str] = None, train=None,
                 unreadable: Sequence[str] = (), tiled: Sequence[int] = (), to_do: Optional[int] = None,
                 why: str = "") -> None:
        self.suggestions, self.seconds, self.to_do = count, seconds, to_do  # to_do: images it had to do
        # why it stored no suggestion (core.suggest.learned_outcome.why_none), or its readiness: "" when it stored some
        self.why = why or (not_ready or "")
        self.tiled = list(tiled)  # the tile count of each strip scored in tiles
        self.not_ready = not_ready
        # the images of its scope the index could not read (or found missing), each with why
        self.unreadable = list(unreadable)
        self.messages = ([f"learned suggester: {not_ready}"] if not_ready else []) + self.unreadable
        self.train = train  # the fit's TrainReport: the labels it learned, and those it did not
        self.repair_outputs = 0  # linked repairs' outputs it left out (--include-repairs)
        self.notes: list[str] = []  # plain notes (a wait for the database), said as the model job's

    def summary(self) -> str:
        if self.not_ready:
            return f"learned suggester: not run: {self.not_ready}"  # (it said "not enough reviews yet" of any reason)
        from .core.wording import plural

        n = self.suggestions  # ("1 suggestions" after a retrain that left one image to do)
        line = f"learned suggester: {n:,} {plural(n, 'suggestion')} in {self.seconds:.1f} s"
        if self.why and not self.to_do:  # (it said "every image ... has this fit's suggestions" of
            line = f"learned suggester: {self.why}"  # every run with none to do, --all and all reviewed too)
        elif self.why:
            line += f": {self.why}"
        if self.tiled:
            n = len(self.tiled)
            each = f"{min(self.tiled)}" + (f"-{max(self.tiled)}" if max(self.tiled) > min(self.tiled) else "")
            line += f"; {n} line-scan {plural(n, 'strip')} scored in tiles ({each} each)"
        t = self.train
        if t is None:
            return line
        n, m = len(t.labels), t.images
        line += (f"; learned {n} {plural(n, 'label')} from {m} {plural(m, 'reviewed image')}: "
                 + _first_few([repr(k) for k in t.labels]))
        if t.not_learned:  # (a label with too few reviews: no card of it, said)
            from .core.suggest.learned import MIN_PER_LABEL

            line += (f"; not learned yet ({MIN_PER_LABEL} reviewed images per label): "
                     + _first_few([f"{k!r} needs {need} more" for k, need in t.not_learned]))
        return line

    def as_dict(self) -> dict:
        out = {"suggestions": self.suggestions, "seconds": round(self.seconds, 3),
               "ran": not self.not_ready, "messages": list(self.messages), "unreadable": list(self.unreadable),
               "strips_tiled": list(self.tiled), "why_none": self.why or None,
               "repair_outputs_skipped": self.repair_outputs, "notes": list(self.notes)}
        if self.train is not None:
            out.update(labels=list(self.train.labels), reviewed_images=self.train.images,
                       not_learned=[{"label": k, "needs": need} for k, need in self.train.not_learned])
        return out


#: the labels a summary line names at most (a taxonomy of 300 made it a 6 KB line at every run)
SHOWN = 10


def _first_few(items: Sequence[str]) -> str:
    """The first :data:`SHOWN` of ``items``, then how many more (--json lists them all)."""
    more = len(items) - SHOWN
    return ", ".join(items[:SHOWN]) + (f" and {more} more (--json lists them all)" if more > 0 else "")


def run_learned(project, flt, only_unsuggested, progress, alone: bool = True, limit=None, max_tiles=None,
                include_repairs: bool = False, encoder=None, model_dirs=(), device=None, encoder_bin=False):
    """The built-in suggester (core.suggest.learned): trains on reviewed images, suggests for
    the rest. Not ready yet: an error when it was all that was asked for, otherwise a
    report saying so (the models' suggestions are stored and reported). ``encoder``: a
    CLIP/SigLIP model for its features, this run (else the project's ``learned_encoder``
    setting, else the handcrafted features); refused, a ModelRefused naming it.
    ``encoder_bin``: ``encoder``'s pickle .bin weights opted in for this run (--allow-bin)."""
    import time

    from .core.suggest import learned
    from .core.suggest.learned_encoder import encoder_for

    extractor = encoder_for(project, encoder, model_dirs, device, allow_bin=encoder_bin)  # (--device: it ran on the CPU always)
    if getattr(extractor, "device_note", ""):
        import sys

        print(f"note: {extractor.device_note}", file=sys.stderr)

    started, fit, to_do = time.monotonic(), {}, []  # to_do: its first "suggest" report's total

    def watch(p) -> None:
        to_do.extend([p.total] if p.stage == "suggest" and not to_do else []), progress(p)
    try:
        count = learned.run(project, flt=flt, only_unsuggested=only_unsuggested, progress=watch, limit=limit,
                            extractor=extractor,
                            report=fit, max_tiles=max_tiles, include_repairs=include_repairs)
    except learned.NotReady as exc:
        if alone:
            raise ValueError(f"learned suggester: {exc}") from None
        return LearnedReport(0, time.monotonic() - started, not_ready=str(exc))
    unreadable: list[str] = []
    if alone:  # (beside models, their report names these files already)
        # it said "28 suggestions" and nothing of a damaged file left without any: each is
        # named with why, as the model jobs do (the images its folder and status filter cover)
        from .core.store.records import ImageFilter
        from .core.suggest.unreadable_note import unreadable_ids, unreadable_notes

        bad = unreadable_ids(project)
        if bad:
            unreadable = unreadable_notes(project, [i for i in project.image_ids(flt or ImageFilter()) if i in bad])
    from .core.suggest.learned_outcome import why_none

    why = why_none(fit.get("outcome") or {}, "--all to redo" if only_unsuggested else "")
    rep = LearnedReport(int(count or 0), time.monotonic() - started, train=fit.get("train"), unreadable=unreadable,
                        tiled=fit.get("tiled", ()), to_do=to_do[0] if to_do else None, why=why)
    rep.repair_outputs = (fit.get("outcome") or {}).get("repair_outputs", 0)
    waited = (fit.get("outcome") or {}).get("waited_s", 0.0)
    if waited >= 1:  # (said as it waited; said again at the end, as the model job says it)
        from .core.store.db_wait import waited_note
        from .core.store.engine import describe_url

        rep.notes.append(waited_note(describe_url(project.db_url), waited))
    return rep
