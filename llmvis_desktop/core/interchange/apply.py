"""Applying a parsed import file to a project: one transaction, conflicts, history.

Names are resolved inside the root first (a bad one refuses the whole file), records
naming the same image are merged, then everything is written in ONE ``store.write()``
transaction through the repo functions, so each change gets its history event
(actor ``import:<file name> by <person>``: the file the change came from and who
imported it) and a failure anywhere leaves the database as it was. Suggestions an
import stores carry ``imported_by`` and ``imported_from`` in their parameters.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from ..config import ACTOR_MAX, person
from ..store import models as m
from ..store import repo_labels as rl
from ..store import repo_review as rr
from ..store import repo_suggest as rs
from ..store.records import NewSuggestion
from ..tasks import CancelToken, Progress, ProgressFn, no_progress
from .common import (
    ANON_DIR,
    SECRET_SETTING,
    Conflict,
    ImportReport,
    InterchangeError,
    anon_suffix,
    iso,
    neutral_name,
)
from .files import resolve_inside
from .parsing import MISSING, ImportItem, ParsedFile


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
                 actor: Optional[str] = None) -> ImportReport:
    """Write what ``parsed`` says into the project in ONE transaction (all or nothing).
    ``actor``: the person importing (default: the operating system's user name)."""
    if as_ not in ("reviewed", "suggestions"):
        raise InterchangeError(f"import as {as_!r}: choose 'reviewed' or 'suggestions'")
    token = token or CancelToken()
    source = Path(source)
    who = person(actor)
    actor = import_actor(source.name, who)
    provenance = {"imported_by": who, "imported_from": source.name}
    report = ImportReport(fmt, str(source), as_, records=len(parsed.items))
    report.warnings.extend(parsed.warnings)
    # 1. every name must resolve inside the root before anything is written
    resolved: list[tuple[ImportItem, str]] = []
    known = _backslash_names(project, parsed.items)
    for item in parsed.items:
        rel = item.name if item.path_checked else resolve_inside(project.root, item.name, f"{source.name} {item.where}",
                                                                  known)
        resolved.append((item, rel))
    # 2. merge records naming the same image (YOLO: one per class folder)
    merged: dict[str, ImportItem] = {}
    for item, rel in resolved:
        have = merged.get(rel)
        if have is None:
            merged[rel] = replace(item, labels=list(item.labels) if item.labels is not None else None,
                                  suggestions=list(item.suggestions), path_checked=True)
            continue
        if item.labels is not None:
            have.labels = sorted(set(have.labels or []) | set(item.labels))
        if item.caption is not MISSING and item.caption is not None:
            if have.caption not in (MISSING, None, item.caption):
                raise InterchangeError(f"{source.name} {item.where}: second, different caption for {item.name!r}")
            have.caption = item.caption
        if have.status and item.status and have.status != item.status:
            raise InterchangeError(f"{source.name} {item.where}: second, different status for {item.name!r} "
                                   f"({item.status!r}, was {have.status!r})")
        have.status = have.status or item.status
        have.reviewer = have.reviewer or item.reviewer
        have.time = have.time or item.time
        have.suggestions.extend(item.suggestions)
    total = len(merged)
    with project.store.write() as s:
        ids = _name_lookup(project, s, merged, report.warnings, source.name)
        if merged and not ids:  # the wrong file or folder: add no labels, change nothing
            sample = ", ".join(repr(it.name) for it in list(merged.values())[:3])
            raise InterchangeError(f"{source.name}: none of its {len(merged)} record(s) names an image of this "
                                   f"project ({sample}...); is it the right folder and format?")
        existing_labels = set(s.scalars(select(m.Label.name)))
        used = [it for rel, it in merged.items() if rel in ids]  # labels of records that match an image
        wanted = list(dict.fromkeys(
            list(parsed.taxonomy)
            + [n for it in used for n in (it.labels or [])]
            + [sg.value for it in used for sg in it.suggestions if sg.kind == "label"]
        ))
        for name in wanted:
            if name not in existing_labels:
                try:
                    rl.add_label(s, name)
                except rl.LabelError as exc:
                    raise InterchangeError(f"{source.name}: label {name!r} refused: {exc}") from None
                existing_labels.add(name)
                report.labels_created += 1
        pending = _pending_keys(s, ids.values())
        new_suggestions: list[NewSuggestion] = []
        # images locked in id order, as every writer does: in file order an import and a
        # suggestion job over the same images deadlocked (PostgreSQL), losing the import
        in_id_order = sorted(merged.items(), key=lambda kv: (kv[0] in ids, ids.get(kv[0], 0)))
        for done, (rel, item) in enumerate(in_id_order, 1):
            if done % 200 == 0:
                token.check()
                progress(Progress(f"import {fmt}", done, total))
                # written rows leave the session (still one transaction): every autoflush
                # checked all the images and events loaded so far, O(n^2) over a big import
                s.flush()
                s.expunge_all()
            image_id = ids.get(rel)
            if image_id is None:
                report.unmatched.append(item.name)
                continue
            report.matched += 1
            if as_ == "suggestions":
                model = f"import:{source.name}"
                if item.caption not in (MISSING, None):
                    new_suggestions.append(NewSuggestion(image_id, "caption", item.caption, model,
                                                         params=dict(provenance)))
                for lbl in item.labels or []:
                    new_suggestions.append(NewSuggestion(image_id, "label", lbl, model, params=dict(provenance)))
            else:
                _apply_reviewed(s, image_id, rel, item, actor, overwrite, report)
            for sg in item.suggestions:
                new_suggestions.append(NewSuggestion(image_id, sg.kind, sg.value, sg.model_id, sg.score,
                                                     sg.model_revision, sg.prompt, {**sg.params, **provenance}))
        fresh = []
        for sg in new_suggestions:
            key = (sg.image_id, sg.kind, sg.value, sg.model_id)
            if key in pending:
                continue
            pending.add(key)
            fresh.append(sg)
        if fresh:
            rs.add_suggestions(s, fresh)
        report.suggestions_added = len(fresh)
        token.check()
    progress(Progress(f"import {fmt}", total, total, "done"))
    if report.unmatched:
        shown = ", ".join(report.unmatched[:5])
        report.warnings.append(f"{len(report.unmatched)} record(s) name no image of this project (e.g. {shown})")
    return report


def _backslash_names(project, items) -> set[str]:
    """The project's image paths with a backslash in them (a file name of its own on POSIX,
    which an import takes as it is), when any record's name has one."""
    if not any(isinstance(it.name, str) and "\\" in it.name and not it.path_checked for it in items):
        return set()
    with project.store.read() as s:
        return set(s.scalars(select(m.Image.relpath).where(m.Image.relpath.contains("\\", autoescape=True))))


def _name_lookup(project, s, merged: dict, warnings: list, source: str = "") -> dict[str, int]:
    names = [n for n, it in merged.items() if not (it.by_stem or it.by_basename)]
    ids: dict[str, int] = {}
    for i in range(0, len(names), 500):
        chunk = names[i:i + 500]
        for image_id, rel in s.execute(select(m.Image.id, m.Image.relpath).where(m.Image.relpath.in_(chunk))):
            ids[rel] = image_id
    anon = [n for n in names if n not in ids and n.startswith(ANON_DIR + "/")]
    stems = [n for n, it in merged.items() if it.by_stem]
    needs_alt = any(it.alt is not None for n, it in merged.items() if n not in ids)
    bare = [n for n, it in merged.items() if it.by_basename]
    if not (anon or stems or needs_alt or bare):
        return ids
    # a full pass over the image table: neutral names, stems, places
    secret = project.settings().get(SECRET_SETTING)
    by_name: dict[str, int] = {}
    by_stem: dict[str, list[int]] = {}
    by_base: dict[str, list[int]] = {}
    for image_id, rel in s.execute(select(m.Image.id, m.Image.relpath)):
        by_base.setdefault(rel.rsplit("/", 1)[-1], []).append(image_id)
        names_of = [rel]
        if secret:
            names_of.append(neutral_name(secret, rel, anon_suffix(rel)))
        for n in names_of:
            by_name[n] = image_id
            by_stem.setdefault(n.rsplit(".", 1)[0] if "." in n.rsplit("/", 1)[-1] else n, []).append(image_id)
    for n in anon:
        if n in by_name:
            ids[n] = by_name[n]
    for n in bare:
        hits = by_base.get(n, [])
        if len(hits) == 1:
            ids[n] = hits[0]
        elif hits:
            warnings.append(f"{source} {merged[n].where}: the uploaded file {n!r} could be any of {len(hits)} images "
                            "of the project with that name; skipped")
    root = os.path.realpath(project.root)
    for n, item in merged.items():
        if n in ids:
            continue
        if item.by_stem:
            hits = by_stem.get(n, [])
            if len(hits) == 1:
                ids[n] = hits[0]
                continue
        if item.alt is None:
            continue
        real = os.path.realpath(item.alt)
        if not real.startswith(root.rstrip(os.sep) + os.sep):
            continue
        alt_rel = Path(os.path.relpath(os.path.abspath(item.alt), project.root)).as_posix()
        if alt_rel.startswith("../"):
            continue
        if item.by_stem:
            hits = by_stem.get(alt_rel, [])
            if len(hits) == 1:
                ids[n] = hits[0]
        elif alt_rel in by_name:
            ids[n] = by_name[alt_rel]
    return ids


def _pending_keys(s, image_ids) -> set:
    keys = set()
    image_ids = list(image_ids)
    for i in range(0, len(image_ids), 500):
        for r in s.execute(
            select(m.Suggestion.image_id, m.Suggestion.kind, m.Suggestion.value, m.Suggestion.model_id)
            .where(m.Suggestion.image_id.in_(image_ids[i:i + 500]), m.Suggestion.outcome == "pending")
        ):
            keys.add(tuple(r))
    return keys


def _apply_reviewed(s, image_id: int, rel: str, item: ImportItem, actor: str, overwrite: bool,
                    report: ImportReport) -> None:
    # locked and read afresh before deciding what clashes: a reviewer's caption saved while
    # the import ran was overwritten without --overwrite (decided on a stale row)
    row = rr.locked_image(s, image_id)
    current = {"caption": row.caption, "labels": rr.current_labels(s, image_id), "status": row.review_status}
    incoming: dict[str, object] = {}
    if item.caption is not MISSING:
        incoming["caption"] = item.caption or None
    if item.labels is not None:
        incoming["labels"] = sorted(set(item.labels))
    status = item.status
    if status is None and (incoming.get("caption") or incoming.get("labels")):
        status = m.STATUS_REVIEWED  # the format carries no status: what it carries was reviewed
    if status is not None:
        incoming["status"] = status
    differs = {k: v for k, v in incoming.items() if current[k] != v}
    if not differs:
        report.unchanged += 1
        return
    decided = current["status"] in (m.STATUS_REVIEWED, m.STATUS_REJECTED)
    clashes = [k for k in differs if decided or (k != "status" and current[k])]
    if clashes and not overwrite:
        for k in clashes:
            report.conflicts.append(Conflict(item.name, k, current[k], incoming[k]))
        return
    if clashes:
        report.overwritten += 1
    if "caption" in differs:
        rr.set_caption(s, image_id, differs["caption"], actor, action="import:caption")
    if "labels" in differs:
        rr.set_labels(s, image_id, differs["labels"], actor, action="import:labels")
    if "status" in differs:
        rr.set_status(s, image_id, differs["status"], actor, action="import:status")
    if item.review_meta:
        # keep who reviewed it and when, as the file says; the history keeps the import
        # itself. A blank reviewer or time (a spreadsheet left it empty) keeps the import's
        # own where the import wrote a caption, labels or a decision; where it only moved
        # the status (new, suggested), nobody reviewed it, as the file says
        authored = ("caption" in differs or "labels" in differs
                    or differs.get("status") in (m.STATUS_REVIEWED, m.STATUS_REJECTED))
        rr.add_event(s, image_id, actor, "import", None,
                     {"reviewer": item.reviewer, "time": iso(item.time)})
        row.updated_by = item.reviewer or (row.updated_by if authored else None)
        row.updated_at = item.time or (row.updated_at if authored else None)
    report.changed += 1
