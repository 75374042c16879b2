"""Applying a parsed import file to a project: one transaction, conflicts, history.

Names are resolved inside the root first (a bad one refuses the whole file), records
naming the same image are merged, then everything is written in ONE ``store.write()``
transaction through the repo functions, so each change gets its history event
(actor ``import:<file name> by <person>``: the file the change came from and who
imported it) and a failure anywhere leaves the database as it was. Suggestions an
import stores carry ``imported_by`` and ``imported_from`` in their parameters; none is
stored on an image the index could not read or whose file is missing (the report names them;
a compressed DICOM only a decoder plugin would show is not one: its file is sound).

The labels an import makes are made before, in a short transaction of their own under
the taxonomy's exclusive lock; the rows are then applied holding its shared lock only, so
reviewers' label keys are not held up for the import's length (a rename or a removal still
waits for it). Should the import then fail or be cancelled, the labels it made and nobody
used meanwhile are removed again; that transaction records them as provisional (project
settings, :mod:`..store.provisional_labels`) and the import's own commit clears the record,
so those of an import killed in between are taken back by the next import or open.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
import logging
from typing import Optional

from sqlalchemy import and_, not_, or_, select

from ..config import ACTOR_MAX, person
from ..owner import this_process
from ..store import models as m
from ..store import provisional_labels
from ..store import repo_labels as rl
from ..store import repo_review as rr
from ..store import repo_suggest as rs
from ..store.records import NewSuggestion
from ..store.repo_images import needs_decoder_clause
from ..tasks import CancelToken, Progress, ProgressFn, no_progress
from .common import ANON_DIR, ImportReport, InterchangeError
from .apply_reviewed import CHUNK, apply_reviewed_chunk
from .files import ProjectNames, foreign_path, resolve_inside
from .label_forms import one_form
from .matching import match_images
from .parsing import MISSING, ImportItem, ParsedFile

log = logging.getLogger(__name__)

#: rounds of (labels made, rows applied) before the last one, which makes any label a
#: teammate removed or renamed in between under the exclusive lock held for its whole run
_LABEL_ROUNDS = 3


class _LabelsGone(Exception):
    """A label made in its own transaction was renamed or removed before the rows went in."""


def import_actor(file_name: str, person: str) -> str:
    """The history actor of an import's changes: ``import:<file name> by <person>``, the
    file name shortened (with an ellipsis) so the whole fits the actor column."""
    tail = f" by {person}"
    room = ACTOR_MAX - len("import:") - len(tail)
    if room < 16:  # a very long person name: the file keeps 16 characters, the name the rest
        tail = tail[:ACTOR_MAX - len("import:") - 16]
        room = 16
    name = file_name if len(file_name) <= room else file_name[:room - 1] + "\u2026"
    return f"import:{name}{tail}"


def apply_import(project, fmt: str, source: Path, parsed: ParsedFile, as_: str, overwrite: bool,
                 token: Optional[CancelToken] = None, progress: ProgressFn = no_progress,
                 actor: Optional[str] = None, overwrite_newer: bool = False) -> ImportReport:
    """Write what ``parsed`` says into the project in ONE transaction (all or nothing: the
    labels it needs are made just before in one of their own, and removed again when the
    import fails; see the module's note). ``actor``: the person importing (default: the
    operating system's user name). ``overwrite_newer``: a file's record older than the
    image's last change replaces it too (else that is a conflict, even with ``overwrite``)."""
    if as_ not in ("reviewed", "suggestions"):
        raise InterchangeError(f"import as {as_!r}: choose 'reviewed' or 'suggestions'")
    token = token or CancelToken()
    source = Path(source)
    who = person(actor)
    actor = import_actor(source.name, who)
    provenance = {"imported_by": who, "imported_from": source.name}
    one_form(project, parsed, source.name)  # (before the report takes its warnings)
    report = ImportReport(fmt, str(source), as_, records=len(parsed.items))
    report.warnings.extend(parsed.warnings)
    # 1. every name must resolve inside the root before anything is written
    resolved: list[tuple[ImportItem, str]] = []
    known = _project_names(project)
    for item in parsed.items:
        tail = None if item.path_checked or item.by_stem or item.by_basename else foreign_path(project.root, item.name)
        if tail is not None:  # another machine's absolute path: matched by its trailing part, never opened
            resolved.append((replace(item, by_tail=True, by_suffix=False), tail))
            continue
        rel = item.name if item.path_checked else resolve_inside(project.root, item.name, f"{source.name} {item.where}",
                                                                  known, known, item.by_stem)
        resolved.append((item, rel))
    try:  # what an import killed before its commit left (its process gone): see the module's note
        provisional_labels.take_back_abandoned(project.store)
    except Exception:
        log.warning("could not take back the labels of an import that was stopped", exc_info=True)
    claim = {**this_process(), "file": source.name}  # this import, in the record of the labels it makes
    made: list[tuple[int, str]] = []  # (id, name) of the labels made in their own transaction
    try:
        for rounds_left in range(_LABEL_ROUNDS - 1, -1, -1):
            if rounds_left:
                made += _make_labels(project, resolved, parsed, source.name, claim, as_)
            try:
                report.labels_created = len(made)
                _apply(project, resolved, parsed, source, as_, overwrite, token, progress, actor, provenance, report,
                       last=not rounds_left, overwrite_newer=overwrite_newer, claim=claim if made else None)
                break
            except _LabelsGone:
                continue
    except BaseException:
        if made:
            _take_back(project, made, claim)
        raise
    progress(Progress(f"import {fmt}", report.matched, report.matched, "done"))
    if report.unmatched:
        shown = ", ".join(map(short_name, report.unmatched[:5]))
        report.warnings.append(f"{len(report.unmatched)} record(s) name no image of this project (e.g. {shown})"
                               + _anon_note(report.unmatched))
    return report


def short_name(name: str, keep: int = 100) -> str:
    """A record's name as a message shows it: whole, or its first ``keep`` characters and
    its length (a Label Studio task's image embedded as a data: URI made a 40 KB warning)."""
    return name if len(name) <= keep + 20 else f"{name[:keep]}... ({len(name):,} characters)"


def _anon_note(names) -> str:
    """Why records named ``anon/<hex>`` match nothing here: a de-identified export's DICOM
    names, which only the exporting project's secret maps back ("" when none is)."""
    n = sum(1 for name in names if str(name).startswith(ANON_DIR + "/"))
    if not n:
        return ""
    what = "is a de-identified DICOM name" if n == 1 else "are de-identified DICOM names"
    return (f"; {n} of them {what} ({ANON_DIR}/...), which only the project that exported them maps back: "
            "to carry DICOM annotations to another project, export with --keep-dicom-identifiers "
            "(in the Export dialog, untick \"De-identify DICOM-derived images\")")


def _plan(project, s, resolved: list, source: str, warnings: list,
          tails: Optional[dict] = None) -> tuple[dict[int, ImportItem], dict]:
    """({image id: the records naming it, merged}, {name of a record naming no image: None});
    ``tails``: see :func:`.matching.match_images`."""
    # each record is matched to its own image (the file itself first: a YOLO class folder
    # or an imagefolder split holding the project's own files), then records naming the
    # same image (YOLO: one per class folder) are merged
    matches = match_images(project, s, resolved, warnings, source, tails)
    merged: dict[int, ImportItem] = {}
    unmatched: dict[str, None] = {}
    several = set(tails.get("several", ())) if tails is not None else set()
    several |= set(tails.get("superseded_names", ())) if tails is not None else set()  # (another sidecar read)
    skipped = 0
    for (item, rel), image_id in zip(resolved, matches):
        if image_id is None:
            skipped += 1
            if item.name not in several:  # (one that could be several images is said so, not "no image")
                unmatched.setdefault(item.name)
            continue
        have = merged.get(image_id)
        if have is None:
            merged[image_id] = replace(item, labels=list(item.labels) if item.labels is not None else None,
                                       suggestions=list(item.suggestions), path_checked=True)
            continue
        _merge(have, item, source)
    if resolved and not merged:  # the wrong file or folder: add no labels, change nothing
        sample = ", ".join(repr(short_name(n)) for n in list(unmatched)[:3])
        why = "; ".join(w.removeprefix(f"{source} ") for w in warnings[:3])
        anon = _anon_note(unmatched)  # (said in place of the question: it is the answer)
        raise InterchangeError(f"{source}: none of its {skipped} record(s) names an image of this "
                               f"project ({sample}...)" + (f"; {why}" if why else "" if anon else
                                                           "; is it the right folder and format?") + anon)
    return merged, unmatched


def _wanted(parsed: ParsedFile, items) -> list[str]:
    """The label names the file's taxonomy and ``items`` (its records) use, in file order."""
    items = list(items)
    names = list(dict.fromkeys(
        list(parsed.taxonomy)
        + [n for it in items for n in (it.labels or [])]
        + [sg.value for it in items for sg in it.suggestions if sg.kind == "label"]
    ))
    if parsed.label_order:  # (labelme: in the order of its flags, the exporting project's)
        rank = {n: k for k, n in enumerate(parsed.label_order)}
        names.sort(key=lambda n: rank.get(n, len(rank)))
    return names


def _needed(parsed: ParsedFile, merged: dict, unseen: set, as_: str) -> tuple[list[str], list[str]]:
    """(the label names the import will use, those only an unseen image's records name):
    an image the index could not read, or whose file is missing, gets no suggestion, so a
    label only its suggestions name was made for nothing (its reviewed labels are kept)."""
    seen = [it for i, it in merged.items() if i not in unseen]
    kept = [replace(it, suggestions=[]) for i, it in merged.items() if i in unseen and as_ == "reviewed"]
    wanted = _wanted(parsed, seen + kept)
    used = set(wanted)  # (once: a set of them made for each name was quadratic in the file's classes)
    return wanted, [n for n in _wanted(parsed, merged.values()) if n not in used]


def _add_labels(s, names: list[str], source: str, parsed: ParsedFile) -> list[int]:
    """The ids of labels ``names`` made, each of the file's colour (:attr:`ParsedFile.colors`)
    else the palette's, exclusive where the file marks it so (:attr:`ParsedFile.exclusive`):
    in one pass over the label list (a file of thousands of classes, made one at a time,
    read the whole list again for each)."""
    try:
        return [d.id for d in rl.add_labels(s, [rl.NewLabel(name, parsed.colors.get(name),
                                                            exclusive=name in parsed.exclusive)
                                                for name in names])]
    except rl.LabelError as exc:
        raise InterchangeError(f"{source}: label {exc.name!r} refused: {exc}") from None


def _make_labels(project, resolved: list, parsed: ParsedFile, source: str, claim: dict,
                 as_: str) -> list[tuple[int, str]]:
    """Make the labels the import needs that the project lacks, in a transaction of their
    own under the taxonomy's exclusive lock (taken after the names are matched, which locks
    nothing), recorded in it as provisional for the import ``claim``: [(id, name)] of those
    made. A file naming no image, or refused while merging, is refused here, before any
    label is made."""
    with project.store.read() as s:
        if not set(_wanted(parsed, (it for it, _ in resolved))) - set(s.scalars(select(m.Label.name))):
            return []  # (the labels of every record are there: no need to match twice)
    with project.store.write() as s:
        merged, _ = _plan(project, s, resolved, source, [])
        wanted, _ = _needed(parsed, merged, _unseen(s, merged), as_)
        if not set(wanted) - set(s.scalars(select(m.Label.name))):
            return []
        rl.lock_taxonomy(s, "import")
        there = set(s.scalars(select(m.Label.name)))
        names = [name for name in wanted if name not in there]
        made = list(zip(_add_labels(s, names, source, parsed), names))
        provisional_labels.record(s, claim, made)
        return made


def _take_back(project, made: list[tuple[int, str]], claim: dict) -> None:
    """Remove the labels an import made in their own transaction (:func:`_make_labels`)
    when the import then failed: those no image carries and no suggestion names (a
    reviewer may have used one meanwhile; a renamed, recoloured or re-keyed one is kept),
    with the record of them (left, should this fail too, for the next import or open)."""
    try:
        with project.store.write() as s:
            provisional_labels.take_back_own(s, claim)
    except Exception:  # the import's own error is the one to report
        log.warning("the import failed; the labels it made (%s) could not be removed again",
                    ", ".join(n for _, n in made), exc_info=True)


def _apply(project, resolved: list, parsed: ParsedFile, source: Path, as_: str, overwrite: bool,
           token: CancelToken, progress: ProgressFn, actor: str, provenance: dict, report: ImportReport,
           last: bool, overwrite_newer: bool = False, claim: Optional[dict] = None) -> None:
    """Apply the records in ONE transaction (all or nothing), the taxonomy's shared lock
    taken before any image; a label still missing (removed or renamed since
    :func:`_make_labels` made it) is :class:`_LabelsGone`, except in the ``last`` round,
    which makes it under the exclusive lock, held then to the end. The same transaction
    clears the record of the labels made for the import ``claim``, after its images."""
    fmt = report.format
    with project.store.write() as s:
        found: list[str] = []
        tails: dict = {}
        merged, unmatched = _plan(project, s, resolved, source.name, found, tails)
        report.matched_by_tail = len(tails.get("matched", []))
        report.tail_matched = list(tails.get("pairs", []))
        report.tail_ambiguous = list(tails.get("ambiguous", []))
        report.tail_unmatched = list(tails.get("unmatched", []))
        report.matched_by_case = list(tails.get("by_case", []))
        report.matched_by_suffix = list(tails.get("by_suffix", []))
        report.sidecars_skipped = list(tails.get("superseded", []))
        by_tail = {name for name, _n in report.tail_ambiguous}  # (said in the summary's part on those)
        report.several = [n for n in dict.fromkeys(tails.get("several", [])) if n not in by_tail]
        total = len(merged)
        unseen = _unseen(s, merged)
        wanted, unused = _needed(parsed, merged, unseen, as_)
        # the taxonomy locked before any image, as a rename or removal does (PostgreSQL):
        # taken only when the import's suggestions were stored, after its image locks, a
        # rename meanwhile deadlocked with it
        if last and set(wanted) - set(s.scalars(select(m.Label.name))):
            rl.lock_taxonomy(s, "import")
            existing_labels = set(s.scalars(select(m.Label.name)))
        else:
            rl.say_doing(s, "import")  # (a rename refused meanwhile names the import)
            existing_labels = rl.taxonomy_names(s)
            if not last and set(wanted) - existing_labels:
                raise _LabelsGone()
        report.warnings.extend(found)
        missing = [name for name in wanted if name not in existing_labels]
        if missing:
            _add_labels(s, missing, source.name, parsed)
            existing_labels.update(missing)
            report.labels_created += len(missing)
        report.labels_not_created = [n for n in unused if n not in existing_labels]
        known = _known_suggestions(s, merged)
        new_suggestions: list[NewSuggestion] = []
        report.unmatched.extend(unmatched)
        # images locked in id order, as every writer does: in file order an import and a
        # suggestion job over the same images deadlocked (PostgreSQL), losing the import;
        # a chunk of them at a time (locked, read and written with a few statements)
        todo = sorted(merged.items())
        for start in range(0, total, CHUNK):
            if start:
                token.check()
                progress(Progress(f"import {fmt}", start, total))
                # written rows leave the session (still one transaction): every autoflush
                # checked all the images and events loaded so far, O(n^2) over a big import
                s.flush()
                s.expunge_all()
                rr.forget_rows(s)
            chunk = todo[start:start + CHUNK]
            report.matched += len(chunk)
            if as_ == "reviewed":
                apply_reviewed_chunk(s, chunk, actor, overwrite, report, overwrite_newer)
            for image_id, item in chunk:
                if image_id in unseen:  # unreadable or missing: no card for an image nobody can see
                    n = (len(item.suggestions) + (as_ == "suggestions" and item.caption not in (MISSING, None))
                         + (len(item.labels or []) if as_ == "suggestions" else 0))
                    if n:
                        report.not_suggested.append(item.name)
                        report.suggestions_unseen += n
                    continue
                if as_ == "suggestions":
                    model = f"import:{source.name}"
                    if item.caption not in (MISSING, None):
                        new_suggestions.append(NewSuggestion(image_id, "caption", item.caption, model,
                                                             params=dict(provenance)))
                    for lbl in item.labels or []:
                        new_suggestions.append(NewSuggestion(image_id, "label", lbl, model,
                                                             params=dict(provenance)))
                for sg in item.suggestions:
                    new_suggestions.append(NewSuggestion(image_id, sg.kind, sg.value, sg.model_id, sg.score,
                                                         sg.model_revision, sg.prompt,
                                                         {**sg.params, **provenance}))
        # nor are the last chunk's rows kept: the session's cycles hold session.info until the
        # collector runs, and a collection walking 50k rows froze the window (1-3 s) after
        # the import
        rr.forget_rows(s)
        fresh = []
        for sg in new_suggestions:
            key = (sg.image_id, sg.kind, sg.value, sg.model_id)
            # pending (or earlier in this file): one card per (image, kind, value, model); a
            # decided one (accepted or rejected) is the same suggestion when its revision and
            # prompt match, where the file gives them: re-importing an earlier export does
            # not bring back what a reviewer already decided
            same = [outcome for rev, prompt, outcome in known.get(key, ())
                    if outcome in ("pending", "new") or ((sg.model_revision is None or sg.model_revision == rev)
                                                         and (sg.prompt is None or sg.prompt == prompt))]
            if same:
                report.suggestions_known += any(o != "new" for o in same)
                continue
            known.setdefault(key, []).append((sg.model_revision, sg.prompt, "new"))
            fresh.append(sg)
        if fresh:
            rs.add_suggestions(s, fresh)
        report.suggestions_added = len(fresh)
        token.check()
        if claim is not None:  # the labels it made are the project's with this commit
            provisional_labels.clear(s, claim)


def _project_names(project) -> ProjectNames:
    """The project's image paths, read when an import's name needs them: one with a
    backslash (a file name of its own on POSIX, taken as it is) or one that leads out of
    the folder through a link (taken when the project indexes it)."""
    def load():
        with project.store.read() as s:
            return list(s.scalars(select(m.Image.relpath)))

    return ProjectNames(load)


def _merge(have: ImportItem, item: ImportItem, source: str) -> None:
    """Fold a second record of the same image into the first (labels united)."""
    if item.labels is not None:
        have.labels = sorted(set(have.labels or []) | set(item.labels))
    if item.caption is not MISSING and item.caption is not None:
        if have.caption not in (MISSING, None, item.caption):
            raise InterchangeError(f"{source} {item.where}: second, different caption for {item.name!r} "
                                   f"(also {have.where})")
        have.caption = item.caption
    if have.status and item.status and have.status != item.status:
        raise InterchangeError(f"{source} {item.where}: second, different status for {item.name!r} "
                               f"({item.status!r}, was {have.status!r})")
    have.status = have.status or item.status
    have.reviewer = have.reviewer or item.reviewer
    have.time = have.time or item.time
    have.suggestions.extend(item.suggestions)


def _unseen(s, merged: dict[int, ImportItem]) -> set[int]:
    """The images of ``merged`` the index could not read, or whose file is missing: the
    import adds no suggestion there (as the suggestion job makes none). A compressed DICOM
    that only lacks a decoder plugin here is not one: the file is sound, the suggestion is
    data about it (the other project's model saw it), and its cards wait for the plugin,
    as a decision imported on it is kept (:mod:`.apply_reviewed`)."""
    ids, out = list(merged), set()
    damaged = or_(m.Image.status == m.STATUS_MISSING,
                  and_(m.Image.status == m.STATUS_ERROR, or_(m.Image.error.is_(None), not_(needs_decoder_clause()))))
    for i in range(0, len(ids), 500):
        out.update(s.scalars(select(m.Image.id).where(m.Image.id.in_(ids[i:i + 500]), damaged)
                            .order_by(m.Image.id)))  # (an import reads its images' chunks in id order)
    return out


def _known_suggestions(s, merged: dict[int, ImportItem]) -> dict[tuple, list[tuple]]:
    """(image, kind, value, model) -> [(revision, prompt, outcome)] of the suggestions the
    images already have, in any outcome."""
    keys: dict[tuple, list[tuple]] = {}
    image_ids = list(merged)
    for i in range(0, len(image_ids), 500):
        for r in s.execute(
            select(m.Suggestion.image_id, m.Suggestion.kind, m.Suggestion.value, m.Suggestion.model_id,
                   m.Suggestion.model_revision, m.Suggestion.prompt, m.Suggestion.outcome)
            .where(m.Suggestion.image_id.in_(image_ids[i:i + 500]))
        ):
            keys.setdefault(tuple(r[:4]), []).append(tuple(r[4:]))
    return keys
