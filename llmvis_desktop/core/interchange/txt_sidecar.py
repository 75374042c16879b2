"""Caption ``.txt`` sidecars named by the image's stem (kohya / OneTrainer convention).

Export writes ``OUT/<folder>/<stem>.txt`` holding the caption, mirroring the
project's folders (a neutral name for DICOM-derived images). The folder may be the
project folder itself, so the sidecars sit next to the images, as caption-training
tools expect; an existing sidecar is replaced, and the sidecar of an image whose
caption is now empty is removed (only that exact path; the export says how many),
so a re-import does not bring the old caption back. Import reads every ``.txt`` under a
folder and finds the image with the same path and stem; a stem shared by two
images (``a.png`` and ``a.jpg``) is reported, not guessed.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .common import ExportContext, InterchangeError, prepare_folder
from .parsing import ImportItem, ParsedFile, check_text

MAX_BYTES = 1 << 20


def export(ctx: ExportContext) -> None:
    out = prepare_folder(ctx.out, allow_nonempty=True)
    total = ctx.total()
    seen: dict[str, str] = {}
    empty: set[str] = set()  # stems of images without a caption: their old sidecar is stale
    made: set = set()
    n = 0
    for rows in ctx.rows():
        for row in rows:
            stem = str(PurePosixPath(row.name).with_suffix(""))
            if not row.caption:
                empty.add(stem)
                continue
            if stem in seen:
                ctx.warn(f"{row.name}: shares the sidecar name {stem}.txt with {seen[stem]}; not written")
                continue
            seen[stem] = row.name
            dest = out.joinpath(*f"{stem}.txt".split("/"))
            if dest.parent not in made:
                dest.parent.mkdir(parents=True, exist_ok=True)
                made.add(dest.parent)
            with open(dest, "w", encoding="utf-8", newline="") as fh:  # small files: plain writes
                fh.write(row.caption)
            ctx.report.files_written += 1
            ctx.report.images += 1
            ctx.report.annotations += 1
        n += len(rows)
        ctx.tick(n, total)
    removed = 0
    for stem in sorted(empty - set(seen)):  # a stem another image wrote a caption to stays
        dest = out.joinpath(*f"{stem}.txt".split("/"))
        if dest.is_file() and not dest.is_symlink():
            dest.unlink()
            removed += 1
    if removed:
        ctx.warn(f"{removed} stale sidecar(s) removed: their image's caption is now empty")
    if ctx.options.include_suggestions:
        ctx.warn("caption sidecars hold no suggestions; pending suggestions were not exported")


def parse(path: Path) -> ParsedFile:
    path = Path(path)
    items = []
    for dirpath, dirnames, filenames in os.walk(path):  # symlinked folders are not followed
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if not fn.lower().endswith(".txt") or fn.startswith("."):
                continue
            full = Path(dirpath) / fn
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                raise InterchangeError(f"{rel}: sidecar is a symbolic link; refused")
            if full.stat().st_size > MAX_BYTES:
                raise InterchangeError(f"{rel}: sidecar is larger than 1 MiB; not a caption")
            try:
                with open(full, encoding="utf-8-sig", newline="") as fh:  # a caption's \r\n stays \r\n
                    text = fh.read()
            except UnicodeDecodeError as exc:
                raise InterchangeError(f"{rel}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            check_text(text, rel, "caption")
            stem = rel[: -len(".txt")]
            items.append(ImportItem(stem, rel, caption=text.rstrip("\r\n") or None, by_stem=True,
                                    alt=full.with_suffix("")))
    if not items:
        raise InterchangeError(f"{path}: no .txt sidecar in the folder")
    return ParsedFile(items)
