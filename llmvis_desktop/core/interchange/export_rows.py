"""The rows an export writes, read from the database: :func:`gather` pages through the
images in the grid's Name order (``images.name_key``, then id), ``CHUNK`` per query
round, with their labels, suggestions and repair links (:func:`repair_links`, also the history export's), reading a header
now where the index has not; the refusal of 8-bit PNG names that clash. The row
shapes and naming are in :mod:`.common`, :class:`.export_context.ExportContext` in its own module.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import and_, case, select, tuple_
from sqlalchemy.orm import aliased

from ..store import models as m
from ..store.repo_images import needs_decoder_clause
from .common import (
    CHUNK,
    COPY_FORMATS,
    PNG_SUFFIX,
    ExportRow,
    NOTE_FORMATS,
    InterchangeError,
    SuggestionOut,
    is_dicom,
    iso,
    visible_controls,
)
from .export_context import ExportContext, export_name

#: the formats whose images need a width and height (an image of unknown size is left out)
SIZED_FORMATS = ("coco", "cvat")


def repair_links(ctx: ExportContext, s) -> tuple[set[int], set[int], dict[int, int], set[int]]:
    """What the repairs say about naming, in session ``s``: (the DICOM images that are a
    repair's source, every image DICOM-derived through a chain of repairs from one (named
    neutrally, de-identified), output image id -> source image id (undone repairs too),
    the outputs of repairs not undone (only these are ``derived_from`` their source))."""
    opts = ctx.options
    dicom_sources: set[int] = set()
    derived: dict[int, int] = {}  # output image id -> source image id (undone repairs too: DICOM naming)
    linked: set[int] = set()  # outputs of repairs not undone: only these are derived_from their source
    pairs: list[tuple[int, int]] = []
    if opts.include_repairs or opts.anonymize:
        for src_id, out_id, src_rel, src_fmt, unlinked_at in s.execute(
            select(m.Repair.source_image_id, m.Repair.output_image_id, m.Image.relpath, m.Image.format,
                   m.Repair.unlinked_at)
            .join(m.Image, m.Image.id == m.Repair.source_image_id)
        ):
            if out_id is not None and (unlinked_at is None or out_id not in linked):
                derived[out_id] = src_id
                if unlinked_at is None:
                    linked.add(out_id)
            if out_id is not None:
                pairs.append((src_id, out_id))
            if is_dicom(ctx.project.root, src_rel, src_fmt):
                dicom_sources.add(src_id)
    # a repair of a repair of a DICOM image is DICOM-derived too (its name, the source's
    # name written as derived_from): it went out under the patient's file name
    dicom_like = set(dicom_sources)
    grew = True
    while grew:
        grew = False
        for src_id, out_id in pairs:
            if src_id in dicom_like and out_id not in dicom_like:
                dicom_like.add(out_id)
                grew = True
    return dicom_sources, dicom_like, derived, linked


def split_sources(s) -> dict[int, str]:
    """Output image id -> the relpath of the original its chain of repairs started from
    (undone repairs too: a kept file is still that picture), so a split puts a repair in
    its source's split: a validation image's repaired twin was in the training set."""
    parent = dict(s.execute(select(m.Repair.output_image_id, m.Repair.source_image_id)
                            .where(m.Repair.output_image_id.is_not(None))).all())
    roots = {}
    for out_id in parent:
        seen, cur = {out_id}, parent[out_id]
        while cur in parent and cur not in seen:  # (a cycle cannot be made; guarded anyway)
            seen.add(cur)
            cur = parent[cur]
        roots[out_id] = cur
    rel = dict(s.execute(select(m.Image.id, m.Image.relpath).where(m.Image.id.in_(set(roots.values())))).all())
    return {o: rel[r] for o, r in roots.items() if r in rel}


def _warn_repairs_outside(ctx: ExportContext, s) -> None:
    """Say which linked repairs the export cannot carry: an output saved outside the
    project folder is no image of it (they were left out without a word)."""
    away = list(s.scalars(select(m.Repair.output_path).where(m.Repair.output_image_id.is_(None),
                                                            m.Repair.unlinked_at.is_(None))
                          .order_by(m.Repair.id)))
    if away:
        names = ", ".join(visible_controls(a) for a in away[:3]) + (", ..." if len(away) > 3 else "")
        ctx.warn(f"{len(away)} repair(s) not exported: the repaired file lies outside the project folder "
                 f"({names}); only repaired images inside it are exported, linked to their source")


def gather(ctx: ExportContext, chunk: int = CHUNK, decided: bool = False) -> Iterator[list[ExportRow]]:
    """Yield the rows to export in the grid's Name order (natural, case-insensitive:
    ``name_key``, then id), ``chunk`` images per query round.

    Each round reads one keyset page of images, then their labels and (optionally)
    pending suggestions with a range join on the indexed name_key, so no giant IN lists.
    """
    opts = ctx.options
    with ctx.project.store.read() as s:
        dicom_sources, dicom_like, derived, linked = repair_links(ctx, s)
        split_key = split_sources(s) if ctx.fmt in COPY_FORMATS else {}
        if opts.include_repairs:
            _warn_repairs_outside(ctx, s)
        source_rel: dict[int, str] = {}
        source_deep: set[int] = set()  # deep sources written as 8-bit PNG (DICOM ones too): names end with PNG_SUFFIX
        if derived:
            for i, rel, depth in s.execute(select(m.Image.id, m.Image.relpath, m.Image.bit_depth)
                                           .where(m.Image.id.in_(set(derived.values())))):
                source_rel[i] = rel
                if depth and depth > 8:
                    source_deep.add(i)
    to_8bit = opts.images_8bit and ctx.fmt in COPY_FORMATS
    if to_8bit:
        _refuse_8bit_clashes(ctx)
    cols = (m.Image.id, m.Image.relpath, m.Image.width, m.Image.height, m.Image.caption,
            m.Image.review_status, m.Image.updated_by, m.Image.updated_at, m.Image.format,
            # a DICOM only a decoder plugin would show is copied as any (that needs no decoding)
            case((and_(m.Image.status == m.STATUS_ERROR, needs_decoder_clause()), m.Image.review_status),
                 else_=m.Image.status),
            m.Image.bit_depth, m.Image.frames)
    last: Optional[tuple] = None  # (name_key, id) of the previous page's last row
    while True:
        ctx.token.check()
        with ctx.project.store.read() as s:
            stmt = select(*cols, m.Image.name_key).order_by(m.Image.name_key, m.Image.id).limit(chunk)
            if last is not None:
                stmt = stmt.where(tuple_(m.Image.name_key, m.Image.id) > tuple_(*last))
            if opts.reviewed_only:
                stmt = stmt.where(m.Image.review_status == m.STATUS_REVIEWED)
            page = s.execute(stmt).all()
            if not page:
                return
            lo, hi = page[0][-1], page[-1][-1]
            in_range = and_(m.Image.name_key >= lo, m.Image.name_key <= hi)
            labels: dict[int, list[str]] = {}
            for image_id, name in s.execute(
                select(m.ImageLabel.image_id, m.Label.name)
                .join(m.Image, m.Image.id == m.ImageLabel.image_id)
                .join(m.Label, m.Label.id == m.ImageLabel.label_id)
                .where(in_range)
            ):
                labels.setdefault(image_id, []).append(name)
            sugg: dict[int, list[SuggestionOut]] = {}
            # the page's cards by its image ids (ix_suggestions_image_outcome): joined on
            # the name range, SQLite read every pending (or decided) card of the table
            # through ix_suggestions_outcome, once per page
            of_page = m.Suggestion.image_id.in_([r[0] for r in page])
            if opts.include_suggestions:
                outcomes = ("pending", "accepted", "edited", "rejected") if decided else ("pending",)
                for r in s.execute(
                    select(*_suggestion_columns())
                    .where(of_page, m.Suggestion.outcome.in_(outcomes))
                    .order_by(m.Suggestion.image_id, m.Suggestion.kind, m.Suggestion.value, m.Suggestion.model_id,
                              m.Suggestion.id)
                ):
                    sugg.setdefault(r[0], []).append(SuggestionOut(*r[1:10], iso(r[10])))
            notes = _notes(s, of_page) if ctx.fmt in NOTE_FORMATS else {}
        rows = []
        for image_id, rel, w, h, caption, status, by, at, fmt, index_status, depth, frames, _key in page:
            src_id = derived.get(image_id)
            dicom_file = is_dicom(ctx.project.root, rel, fmt)
            dicom = dicom_file or image_id in dicom_like
            name = export_name(ctx, rel, dicom, dicom_file)
            if index_status == m.STATUS_MISSING:  # e.g. a repair's file deleted on undo
                if not (caption or labels.get(image_id) or status in (m.STATUS_REVIEWED, m.STATUS_REJECTED)):
                    ctx.warn_image(name, "file is missing (deleted or moved since it was indexed); not exported")
                    continue
                if ctx.fmt in COPY_FORMATS:  # no file to copy: no entry at all (it said "exported")
                    ctx.warn_image(name, f"file is missing (deleted or moved since it was indexed); not exported "
                                         f"({ctx.fmt} copies each image's file)")
                    continue
                if (w is None or h is None) and ctx.fmt in SIZED_FORMATS:  # (it said "exported" too)
                    ctx.warn_image(name, f"file is missing (deleted or moved since it was indexed) and its size "
                                         f"was never read; not exported ({ctx.fmt.upper()} images need a width and "
                                         f"height; CSV, Label Studio and labelme export it)")
                    continue
                # a reviewer's work on a file on a disk not mounted now is still the team's
                ctx.warn_image(name, "file is missing (deleted or moved since it was indexed); its "
                                     "annotations are exported")
            shown = visible_controls(caption)
            if shown != caption or any(visible_controls(sg.value) != sg.value
                                       or visible_controls(sg.prompt) != sg.prompt
                                       or visible_controls(sg.final_value) != sg.final_value
                                       for sg in (*sugg.get(image_id, ()), *notes.get(image_id, ()))):
                ctx.warn_image(name, "control characters in the caption or a suggestion are written as visible "
                                     "symbols (form feed -> \u240c): XML cannot carry them and an import refuses them")
                caption = shown
                for d in (sugg, notes):
                    d[image_id] = [replace(sg, value=visible_controls(sg.value), prompt=visible_controls(sg.prompt),
                                           final_value=visible_controls(sg.final_value))
                                   for sg in d.get(image_id, ())]
            if ((w is None or h is None or (depth is None and ctx.fmt in COPY_FORMATS))
                    and index_status != m.STATUS_MISSING):
                w, h, depth = header_now(ctx.project, rel)  # its header is not known (yet): read it now
            # a DICOM file of any depth: a training loader reads no .dcm (its PNG holds no tag)
            as_8bit = to_8bit and (dicom_file or bool(depth and depth > 8))
            if as_8bit:
                name += PNG_SUFFIX
            derived_from = None
            if opts.include_repairs and image_id in linked and src_id in source_rel:
                srel = source_rel[src_id]
                derived_from = export_name(ctx, srel, src_id in dicom_like, dicom_file=src_id in dicom_sources)
                if to_8bit and (src_id in source_deep or src_id in dicom_sources):
                    derived_from += PNG_SUFFIX
            rows.append(ExportRow(
                image_id, rel, name, w, h, caption or None,
                tuple(sorted(labels.get(image_id, ()))), status, by, iso(at), dicom, derived_from,
                tuple(sugg.get(image_id, ())), index_status != m.STATUS_ERROR, dicom_file,
                depth, frames, as_8bit, tuple(notes.get(image_id, ())), split_key.get(image_id),
            ))
        last = (page[-1][-1], page[-1][0])
        yield rows
        if len(page) < chunk:
            return


def _suggestion_columns() -> tuple:
    """The columns a :class:`SuggestionOut` is made of, after the image id (``r[1:10]``,
    and ``r[10]`` its decision time)."""
    sg = m.Suggestion
    return (sg.image_id, sg.kind, sg.value, sg.score, sg.model_id, sg.model_revision, sg.prompt, sg.outcome,
            sg.final_value, sg.decided_by, sg.decided_at)


def _notes(s, of_page) -> dict[int, list[SuggestionOut]]:
    """Image id -> its answers kept as notes (accepted or edited), in the order kept
    (``of_page``: the page's suggestions)."""
    notes: dict[int, list[SuggestionOut]] = {}
    for r in s.execute(
        select(*_suggestion_columns())
        .where(of_page, m.Suggestion.kind == "answer", m.Suggestion.outcome.in_(("accepted", "edited")))
        .order_by(m.Suggestion.image_id, m.Suggestion.decided_at, m.Suggestion.id)
    ):
        notes.setdefault(r[0], []).append(SuggestionOut(*r[1:10], iso(r[10])))
    return notes


def _refuse_8bit_clashes(ctx) -> None:
    """A deep image (or a DICOM file kept under its own name: ``--keep-dicom-identifiers``)
    written as ``<name>.png`` where the project also has an image of that very name: both
    would be written to one file (one overwriting the other) under two records. Refused
    before anything is written, naming them."""
    other = aliased(m.Image)
    with ctx.project.store.read() as s:
        pairs = s.execute(
            select(m.Image.relpath, m.Image.bit_depth, m.Image.format)
            .join(other, other.relpath == m.Image.relpath + PNG_SUFFIX)
            .order_by(m.Image.name_key, m.Image.id)).all()

    def written_as_png(rel: str, depth: Optional[int], fmt: Optional[str]) -> bool:
        if is_dicom(ctx.project.root, rel, fmt):  # a de-identified one goes out as anon/<hash>.dcm.png
            return not ctx.options.anonymize
        # (a few names at most: the depth of one the index has not read yet is read now)
        return (depth if depth is not None else (header_now(ctx.project, rel)[2] or 0)) > 8

    clashes = [rel for rel, depth, fmt in pairs if written_as_png(rel, depth, fmt)][:5]
    if clashes:
        named = ", ".join(f"{rel} -> {rel}{PNG_SUFFIX}" for rel in clashes)
        option = ctx.options.name_of("images_8bit")
        raise InterchangeError(
            f"{option} would write {named} over an image of the project with that name; "
            f"rename one of them, or export without {option} (nothing was written)")


def size_now(project, relpath: str) -> tuple[Optional[int], Optional[int]]:
    """(width, height) from the file's header, for an image whose header the index has not
    stored (not read yet, or its read failed); (None, None) when it cannot be read. The
    database is not written: an export only reads it."""
    return header_now(project, relpath)[:2]


def header_now(project, relpath: str) -> tuple[Optional[int], Optional[int], Optional[int]]:
    """(width, height, bit depth) from the file's header, as :func:`size_now`; a JPEG or PNG
    cut short has a whole header all the same (the index refuses its pixels)."""
    from ..imaging.errors import ImageReadError
    from ..imaging.reader import DEFAULT_MAX_PIXELS, read_header

    limit = getattr(project, "max_pixels", None) or DEFAULT_MAX_PIXELS
    try:
        meta = read_header(Path(project.root) / relpath, max_pixels=limit, complete=False)
    except ImageReadError:
        return None, None, None
    return meta.width, meta.height, meta.bit_depth
