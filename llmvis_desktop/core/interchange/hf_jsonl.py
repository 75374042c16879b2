"""Hugging Face imagefolder: ``<split>/metadata.jsonl`` next to the split's images.

Each line: ``{"file_name", "text", "labels", "status", "reviewer", "time", "notes"}``
(``notes``: the answers kept as notes, as in CSV; export only) plus
``derived_from`` and ``suggestions`` when asked: the image's **pending** suggestions
only (as in CSV: decided ones are in ``text``/``labels``, their provenance only in the
``history`` export). ``file_name`` is relative to the
split folder and equals the image's project-relative path (a neutral name for
DICOM-derived images), so ``load_dataset("imagefolder", data_dir=OUT)`` works and
an import finds the project image by the same name.

Every value is text, whatever the row: the loader infers each split's column types
from its own rows and refuses splits whose types differ (a null reviewer, an empty
label list or a time it reads as a timestamp in one split, text in another). So
``labels`` is ``;``-separated (a JSON list when a label holds ``;``, as in the CSV),
``suggestions`` a JSON list as text, times carry microseconds, and none is null.

The taxonomy, every label in its order (unused ones too), is written as
``llmvis_taxonomy.txt`` next to the split folders (the CSV's ``<name>.labels.txt``
format; the loader reads only the split folders), which an import reads: the labels it
lacks are made in that order, so a fresh project gets the same labels and number keys.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .coco import suggestion_from
from .archive import as_path, open_text, text_encoding
from .common import InterchangeError, notes_text, split_of
from .export_context import ExportContext
from .csv_fmt import join_labels, read_taxonomy, split_labels, taxonomy_text
from .files import prepare_folder
from .parsing import ImportItem, ParsedFile, check_labels, check_status, check_text, parse_time

META = "metadata.jsonl"
#: the taxonomy, written next to the split folders (see the module's note)
TAXONOMY = "llmvis_taxonomy.txt"
#: the keys an import reads; ``caption`` is the caption when there is no ``text``
KNOWN_KEYS = ("file_name", "text", "caption", "labels", "status", "reviewer", "time", "notes", "derived_from",
              "suggestions")


def _time_text(iso_time) -> str:
    """A time as text a loader does not take for a timestamp (with microseconds)."""
    if not iso_time:
        return ""
    return datetime.fromisoformat(iso_time).isoformat(timespec="microseconds")


def export(ctx: ExportContext) -> None:
    opts = ctx.options
    out = prepare_folder(ctx.out)
    handles = {}
    total = ctx.total()
    n = 0
    try:
        for rows in ctx.rows():
            for row in rows:
                split = split_of(opts.seed, row.split_key or row.relpath, opts.split)
                if not ctx.copy_image(row, out / split / row.name):
                    continue
                if split not in handles:  # a split with no image gets no metadata file
                    handles[split] = open(out / split / META, "w", encoding="utf-8", newline="\n")
                rec = {"file_name": row.name, "text": row.caption or "", "labels": join_labels(row.labels),
                       "status": row.status, "reviewer": row.reviewer or "", "time": _time_text(row.time),
                       "notes": notes_text(row)}
                if opts.include_repairs:
                    rec["derived_from"] = row.derived_from or ""
                if opts.include_suggestions:
                    rec["suggestions"] = json.dumps([
                        {"kind": s.kind, "value": s.value, "score": s.score, "model_id": s.model_id,
                         "model_revision": s.model_revision, "prompt": s.prompt} for s in row.suggestions
                    ], ensure_ascii=False) if row.suggestions else ""
                    ctx.report.suggestions += len(row.suggestions)
                handles[split].write(json.dumps(rec, ensure_ascii=False) + "\n")
                ctx.report.images += 1
                ctx.report.count_row(row)
            n += len(rows)
            ctx.tick(n, total)
    finally:
        for fh in handles.values():
            fh.close()
    ctx.report.files_written += len(handles)
    if ctx.project.labels():
        (out / TAXONOMY).write_text(taxonomy_text(ctx.project), encoding="utf-8", newline="\n")
        ctx.report.files_written += 1
    # (DICOM files copied as DICOM: said by ExportContext.finish, as for YOLO)


def parse(path: Path) -> ParsedFile:
    path = as_path(path)
    metas = sorted(p for p in [path / META, *path.glob(f"*/{META}")] if p.is_file())
    if not metas:
        raise InterchangeError(f"{path}: no {META} in the folder or in its split folders")
    items = []
    unread: dict[str, None] = {}
    for meta in metas:
        rel_meta = meta.relative_to(path).as_posix()
        try:
            with open_text(meta, encoding=text_encoding(meta)) as fh:  # (a byte order mark was "not valid JSON")
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    where = f"{rel_meta} line {lineno}"
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise InterchangeError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
                    items.append(_item(rec, where, meta.parent))
                    unread.update(dict.fromkeys(k for k in rec if k not in KNOWN_KEYS
                                                or (k == "caption" and "text" in rec)))
        except UnicodeDecodeError as exc:
            raise InterchangeError(f"{rel_meta}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    warnings = []
    if unread:
        keys = list(unread)
        shown = ", ".join(repr(k) for k in keys[:5]) + ("..." if len(keys) > 5 else "")
        warnings.append(f"{META}: key(s) {shown} not read (read: file_name, text or caption, labels, status, "
                        "reviewer, time, suggestions)")
    return ParsedFile(items, taxonomy=read_taxonomy(path / TAXONOMY), warnings=warnings)


def _item(rec, where: str, folder: Path) -> ImportItem:
    if not isinstance(rec, dict):
        raise InterchangeError(f"{where}: not a JSON object")
    name = rec.get("file_name")
    if not isinstance(name, str):
        raise InterchangeError(f"{where}: file_name {name!r} is not text")
    item = ImportItem(name, where, review_meta="reviewer" in rec or "time" in rec, alt=folder / name if ".." not in name.replace("\\", "/").split("/") else None)
    caption_key = "text" if "text" in rec else "caption"  # as a metadata.csv: text, else caption
    if caption_key in rec:
        item.caption = check_text(rec[caption_key], where, caption_key) or None
    if "labels" in rec:
        labels = rec["labels"]
        # text: ;-separated (a JSON list when a label holds ;), as this export and the CSV write it
        item.labels_cell = labels if isinstance(labels, str) else None
        item.labels = split_labels(labels, where) if isinstance(labels, str) else check_labels(labels or [], where)
    item.status = check_status(rec.get("status"), where)
    item.reviewer = check_text(rec.get("reviewer"), where, "reviewer")
    item.time = parse_time(rec.get("time"), where)
    sugg = rec.get("suggestions") or []
    if isinstance(sugg, str):  # JSON text, as this export writes it
        try:
            sugg = json.loads(sugg)
        except json.JSONDecodeError as exc:
            raise InterchangeError(f"{where}: suggestions are not valid JSON ({exc.msg})") from None
    if not isinstance(sugg, list):
        raise InterchangeError(f"{where}: suggestions is not a list")
    for k, s in enumerate(sugg):
        if not isinstance(s, dict):
            raise InterchangeError(f"{where}: suggestion {k + 1} is not an object")
        item.suggestions.append(suggestion_from(s, f"{where} suggestion {k + 1}"))
    return item
