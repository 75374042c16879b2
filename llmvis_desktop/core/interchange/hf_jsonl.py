"""Hugging Face imagefolder: ``<split>/metadata.jsonl`` next to the split's images.

Each line: ``{"file_name", "text", "labels", "status", "reviewer", "time"}`` plus
``derived_from`` and ``suggestions`` when asked: the image's **pending** suggestions
only (as in CSV: decided ones are in ``text``/``labels``, their provenance only in the
``history`` export). ``file_name`` is relative to the
split folder and equals the image's project-relative path (a neutral name for
DICOM-derived images), so ``load_dataset("imagefolder", data_dir=OUT)`` works and
an import finds the project image by the same name.
"""
from __future__ import annotations

import json
from pathlib import Path

from .coco import suggestion_from
from .common import ExportContext, InterchangeError, split_of, splits_used
from .files import prepare_folder
from .parsing import ImportItem, ParsedFile, check_labels, check_status, check_text, parse_time

META = "metadata.jsonl"


def export(ctx: ExportContext) -> None:
    opts = ctx.options
    out = prepare_folder(ctx.out)
    handles = {}
    total = ctx.total()
    n = dicoms = 0
    try:
        for name in splits_used(opts.split):
            (out / name).mkdir(exist_ok=True)
            handles[name] = open(out / name / META, "w", encoding="utf-8", newline="\n")
        for rows in ctx.rows():
            for row in rows:
                split = split_of(opts.seed, row.relpath, opts.split)
                if not ctx.copy_image(row, out / split / row.name):
                    continue
                dicoms += row.dicom_file
                rec = {"file_name": row.name, "text": row.caption or "", "labels": list(row.labels),
                       "status": row.status, "reviewer": row.reviewer, "time": row.time}
                if opts.include_repairs:
                    rec["derived_from"] = row.derived_from
                if opts.include_suggestions:
                    rec["suggestions"] = [
                        {"kind": s.kind, "value": s.value, "score": s.score, "model_id": s.model_id,
                         "model_revision": s.model_revision, "prompt": s.prompt} for s in row.suggestions
                    ]
                    ctx.report.suggestions += len(row.suggestions)
                handles[split].write(json.dumps(rec, ensure_ascii=False) + "\n")
                ctx.report.images += 1
                ctx.report.annotations += len(row.labels) + (1 if row.caption else 0)
            n += len(rows)
            ctx.tick(n, total)
    finally:
        for fh in handles.values():
            fh.close()
    ctx.report.files_written += len(handles)
    if dicoms:
        ctx.warn(f"{dicoms} DICOM image(s) written as DICOM files{' (de-identified)' if opts.anonymize else ''}: "
                 "Hugging Face's imagefolder loader cannot decode them (pydicom can)")


def parse(path: Path) -> ParsedFile:
    path = Path(path)
    metas = sorted(p for p in [path / META, *path.glob(f"*/{META}")] if p.is_file())
    if not metas:
        raise InterchangeError(f"{path}: no {META} in the folder or in its split folders")
    items = []
    for meta in metas:
        rel_meta = meta.relative_to(path).as_posix()
        try:
            with open(meta, encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    where = f"{rel_meta} line {lineno}"
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise InterchangeError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
                    items.append(_item(rec, where, meta.parent))
        except UnicodeDecodeError as exc:
            raise InterchangeError(f"{rel_meta}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return ParsedFile(items)


def _item(rec, where: str, folder: Path) -> ImportItem:
    if not isinstance(rec, dict):
        raise InterchangeError(f"{where}: not a JSON object")
    name = rec.get("file_name")
    if not isinstance(name, str):
        raise InterchangeError(f"{where}: file_name {name!r} is not text")
    item = ImportItem(name, where, review_meta="reviewer" in rec or "time" in rec, alt=folder / name if ".." not in name.replace("\\", "/").split("/") else None)
    if "text" in rec:
        item.caption = check_text(rec["text"], where, "text") or None
    if "labels" in rec:
        labels = rec["labels"]
        item.labels = check_labels([labels] if isinstance(labels, str) else (labels or []), where)
    item.status = check_status(rec.get("status"), where)
    item.reviewer = check_text(rec.get("reviewer"), where, "reviewer")
    item.time = parse_time(rec.get("time"), where)
    sugg = rec.get("suggestions") or []
    if not isinstance(sugg, list):
        raise InterchangeError(f"{where}: suggestions is not a list")
    for k, s in enumerate(sugg):
        if not isinstance(s, dict):
            raise InterchangeError(f"{where}: suggestion {k + 1} is not an object")
        item.suggestions.append(suggestion_from(s, f"{where} suggestion {k + 1}"))
    return item
