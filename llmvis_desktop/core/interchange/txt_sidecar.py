"""Caption ``.txt`` sidecars named by the image's stem (kohya / OneTrainer convention).

Export writes ``OUT/<folder>/<stem>.txt`` holding the caption, mirroring the
project's folders (a neutral name for DICOM-derived images). The folder may be the
project folder itself, so the sidecars sit next to the images, as caption-training
tools expect; an existing sidecar is replaced (each written whole, through a temporary
file: a full disk or a kill never leaves one cut short), and the sidecar of an image whose
caption is now empty, ``<stem>.txt`` and kohya's older ``<stem>.caption``, is removed when
it holds a caption the image had here (only those exact paths; the export says how many; a
sidecar with other text stays), so a re-import does not bring the old caption back; so is
the ``<stem>.caption`` beside a ``.txt`` written that holds an older caption of the image
(the re-import would report it). Import reads every ``.txt`` and
``.caption`` (kohya's older default) under a folder and finds the image with the same path
and stem (:mod:`.sidecar_match`: an image with both reads its ``.txt``, the other reported);
a stem shared by two images (``a.png`` and ``a.jpg``) is reported, not guessed.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from .archive import ArchivePath, as_path, open_text, walk, text_encoding
from .common import InterchangeError
from .export_context import ExportContext
from .files import none_of
from .files import prepare_folder, write_atomic
from .parsing import ImportItem, ParsedFile, check_text
from .sidecar_match import sidecar_suffix

MAX_BYTES = 1 << 20


def export(ctx: ExportContext) -> None:
    out = prepare_folder(ctx.out, allow_nonempty=True)
    total = ctx.total()
    seen: dict[str, str] = {}
    written: dict[str, tuple[int, str]] = {}  # stem -> (image id, caption) of each .txt written
    empty: dict[str, int] = {}  # stems of images without a caption: their old sidecar may be stale
    made: set = set()
    n = captioned = 0
    for rows in ctx.rows():
        for row in rows:
            stem = str(PurePosixPath(row.name).with_suffix(""))
            if not row.caption:
                empty.setdefault(stem, row.image_id)
                continue
            captioned += 1
            if stem in seen:
                ctx.warn(f"{row.name}: shares the sidecar name {stem}.txt with {seen[stem]}; not written")
                continue
            seen[stem] = row.name
            dest = _at(out, stem, ".txt")
            if dest.parent not in made:
                dest.parent.mkdir(parents=True, exist_ok=True)
                made.add(dest.parent)
            try:  # whole or not at all: a full disk or a kill cut a dataset's sidecar in place
                write_atomic(dest, lambda fh, text=row.caption: fh.write(text), replace=True)
            except InterchangeError as exc:  # a link or device where the sidecar goes: left alone
                ctx.warn(f"{exc}; not written")
                continue
            # (an OSError: export_project says what stays, the sidecars written before it in
            # an existing folder, each whole; nothing from a new one, removed whole)
            written[stem] = (row.image_id, row.caption)
            ctx.report.files_written += 1
            ctx.report.images += 1
            ctx.report.annotations += 1
            ctx.note_rejected(row)
        n += len(rows)
        ctx.tick(n, total)
    if n and not captioned:  # "0 image(s)" said nothing of why
        ctx.warn(f"{none_of(n, 'a caption')}, and caption sidecars hold captioned images only")
    _remove_stale(ctx, out, {stem: i for stem, i in empty.items() if stem not in seen}, written)
    if ctx.options.include_suggestions:
        ctx.warn("caption sidecars hold no suggestions; pending suggestions were not exported")


def _remove_stale(ctx: ExportContext, out: Path, empty: dict[str, int],
                  written: dict[str, tuple[int, str]]) -> None:
    """Remove a sidecar a re-import would read a caption from that the image no longer
    has, when the text is a caption the image had in this project (its history says so):
    the ``<stem>.txt`` and ``<stem>.caption`` of an image whose caption is now empty
    (``empty``: stem -> image id), and the ``<stem>.caption`` beside a ``.txt`` just
    written (``written``: stem -> (image id, caption)) holding an older caption (one
    holding the caption written stays). One with other text (the dataset's own, never
    imported as a caption) stays, and the warnings count both."""
    cands = [(_at(out, stem, suffix), empty[stem], None)
             for stem in sorted(empty) for suffix in (".txt", ".caption")]
    cands += [(_at(out, stem, ".caption"), *written[stem]) for stem in sorted(written)]
    cands = [c for c in cands if c[0].is_file() and not c[0].is_symlink() and c[0].stat().st_size <= MAX_BYTES]
    if not cands:
        return
    known = _past_captions(ctx.project, [image_id for _, image_id, _ in cands])
    counts = dict.fromkeys(("removed", "kept", "removed.caption", "kept.caption",
                            "old removed", "old kept"), 0)
    for dest, image_id, now in cands:
        try:
            with open(dest, encoding="utf-8-sig", newline="") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            continue
        texts = {text, text.rstrip("\r\n")}
        if now is not None and now in texts:  # the caption the .txt now holds: not stale
            continue
        stale = bool(texts & known.get(image_id, set()))
        if stale:
            dest.unlink()
        what = "removed" if stale else "kept"
        if now is not None:
            counts[f"old {what}"] += 1
            continue
        counts[what] += 1
        if dest.suffix == ".caption":
            counts[f"{what}.caption"] += 1
    _say(ctx, counts)


def _say(ctx: ExportContext, counts: dict) -> None:
    """The warnings of :func:`_remove_stale`'s ``counts``."""
    def of_which(what: str) -> str:
        return f" ({counts[what + '.caption']} of them .caption)" if counts[what + ".caption"] else ""
    if counts["removed"]:
        ctx.warn(f"{counts['removed']} stale sidecar(s) removed{of_which('removed')}: their image's "
                 f"caption is now empty")
    if counts["kept"]:
        ctx.warn(f"{counts['kept']} sidecar(s) of images without a caption kept{of_which('kept')}: their "
                 f"text was never a caption of the image here")
    if counts["old removed"]:
        ctx.warn(f"{counts['old removed']} stale .caption sidecar(s) removed: each held an older caption "
                 f"of its image, now in the .txt written")
    if counts["old kept"]:
        ctx.warn(f"{counts['old kept']} .caption sidecar(s) kept beside the .txt written: their text was "
                 f"never a caption of the image here (a re-import reads the .txt and reports the .caption "
                 f"skipped)")


def _at(out: Path, stem: str, suffix: str) -> Path:
    """The sidecar ``<stem><suffix>`` under ``out`` (``stem`` a project path without suffix)."""
    return out.joinpath(*f"{stem}{suffix}".split("/"))


def _past_captions(project, image_ids) -> dict[int, set[str]]:
    """Every caption the images' history shows them with (before or after a change)."""
    import json

    from sqlalchemy import select

    from ..store import models as m

    out: dict[int, set[str]] = {}
    ids = sorted(set(image_ids))
    with project.store.read() as s:
        for i in range(0, len(ids), 500):
            for image_id, before, after in s.execute(
                    select(m.Event.image_id, m.Event.before, m.Event.after)
                    .where(m.Event.image_id.in_(ids[i:i + 500]))):
                for raw in (before, after):
                    try:
                        value = json.loads(raw) if raw else None
                    except ValueError:
                        continue
                    if isinstance(value, dict):
                        value = value.get("caption")
                    if isinstance(value, str) and value:
                        out.setdefault(image_id, set()).add(value)
    return out


def parse(path: Path) -> ParsedFile:
    """The captions of the sidecars under ``path``, a folder on disk or in a zip archive
    (:class:`.archive.ArchivePath`: a zipped caption dataset, matched by each sidecar's
    path without ``.txt`` or ``.caption``)."""
    path = as_path(path)
    items = []
    for dirpath, dirnames, filenames in walk(path):  # symlinked folders are not followed
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            suffix = sidecar_suffix(fn)
            if suffix is None or fn.startswith("."):
                continue
            full = dirpath / fn
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                raise InterchangeError(f"{rel}: sidecar is a symbolic link; refused")
            if full.stat().st_size > MAX_BYTES:
                raise InterchangeError(f"{rel}: sidecar is larger than 1 MiB; not a caption")
            try:
                with open_text(full, encoding=text_encoding(full), newline="") as fh:  # a caption's \r\n stays
                    text = fh.read()
            except UnicodeDecodeError as exc:
                raise InterchangeError(f"{rel}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            check_text(text, rel, "caption")
            stem = rel[: -len(suffix)]
            items.append(ImportItem(stem, rel, caption=text.rstrip("\r\n") or None, by_stem=True,
                                    alt=None if isinstance(full, ArchivePath) else full.with_suffix("")))
    if not items:
        raise InterchangeError(f"{path}: no .txt or .caption sidecar in the folder")
    return ParsedFile(items)
