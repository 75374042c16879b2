"""COCO: captions as caption annotations, image-level labels as categories.

Extension (documented in docs/interchange.md): a label annotation carries
``category_id`` and no ``bbox``/``segmentation``; an image entry may carry
``llmvis_status``, ``llmvis_reviewer``, ``llmvis_time`` and ``llmvis_derived_from``;
pending suggestions go in a top-level ``llmvis_suggestions`` list.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..store.records import NewSuggestion
from .common import ExportContext, InterchangeError
from .files import write_atomic
from .parsing import (
    MISSING,
    ImportItem,
    ParsedFile,
    check_labels,
    check_status,
    check_text,
    parse_time,
    score_value,
)

EXTENSION_VERSION = 1


def export(ctx: ExportContext) -> None:
    labels = ctx.project.labels()
    cat_id = {lbl.name: i for i, lbl in enumerate(labels, 1)}
    images, annotations, suggestions = [], [], []
    total = ctx.total()
    ann_id = 0
    for rows in ctx.rows():
        for row in rows:
            if row.width is None or row.height is None:  # COCO images need both
                ctx.warn(f"{row.name}: image size unknown (the file could not be read; see the index's "
                         f"error for it); left out of the COCO file, whose images need a width and height")
                continue
            img_id = len(images) + 1
            entry = {"id": img_id, "file_name": row.name, "width": row.width, "height": row.height,
                     "llmvis_status": row.status}
            if row.reviewer:
                entry["llmvis_reviewer"] = row.reviewer
            if row.time:
                entry["llmvis_time"] = row.time
            if row.derived_from:
                entry["llmvis_derived_from"] = row.derived_from
            images.append(entry)
            if row.caption:
                ann_id += 1
                annotations.append({"id": ann_id, "image_id": img_id, "caption": row.caption})
            for name in row.labels:
                ann_id += 1
                annotations.append({"id": ann_id, "image_id": img_id, "category_id": cat_id[name]})
            for sg in row.suggestions:
                suggestions.append({"image_id": img_id, "kind": sg.kind, "value": sg.value, "score": sg.score,
                                    "model_id": sg.model_id, "model_revision": sg.model_revision,
                                    "prompt": sg.prompt})
        ctx.tick(len(images), total)
    doc = {
        "info": {"description": "llmvis_desktop export", "version": "1.0",
                 "llmvis_extension": EXTENSION_VERSION},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": [{"id": cat_id[lbl.name], "name": lbl.name, "supercategory": ""} for lbl in labels],
    }
    if ctx.options.include_suggestions:
        doc["llmvis_suggestions"] = suggestions
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))  # one-shot: the C encoder
    write_atomic(ctx.out, lambda fh: fh.write(text), replace=ctx.force)
    ctx.report.images = len(images)
    ctx.report.annotations = ann_id
    ctx.report.suggestions = len(suggestions)
    ctx.report.files_written += 1


def load_json(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise InterchangeError(f"{path.name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise InterchangeError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InterchangeError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _int(value, where: str, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InterchangeError(f"{where}: {what} {value!r} is not an integer")
    return value


def parse(path: Path) -> ParsedFile:
    path = Path(path)
    doc = load_json(path)
    f = path.name
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        raise InterchangeError(f"{f}: not a COCO file (no 'images' list at the top level)")
    anns = doc.get("annotations", [])
    cats = doc.get("categories", [])
    if not isinstance(anns, list) or not isinstance(cats, list):
        raise InterchangeError(f"{f}: 'annotations' and 'categories' must be lists")
    categories: dict[int, str] = {}
    for i, c in enumerate(cats):
        where = f"{f} categories[{i}]"
        if not isinstance(c, dict):
            raise InterchangeError(f"{where}: not an object")
        cid = _int(c.get("id"), where, "id")
        name = check_text(c.get("name"), where, "name")
        if not name:
            raise InterchangeError(f"{where}: category has no name")
        check_labels([name], where)
        if categories.get(cid, name) != name:
            raise InterchangeError(f"{where}: category id {cid} is also {categories[cid]!r}")
        categories[cid] = name
    # a field the file does not carry at all (a categories-only file has no caption
    # annotation, a captions file no category) is left alone, not cleared
    ours = isinstance(doc.get("info"), dict) and "llmvis_extension" in doc["info"]
    has_captions = ours or any(isinstance(a, dict) and "caption" in a for a in anns)
    has_labels = ours or bool(categories) or any(isinstance(a, dict) and "category_id" in a for a in anns)
    items: dict[int, ImportItem] = {}
    order: list[int] = []
    for i, img in enumerate(doc["images"]):
        where = f"images[{i}]"
        if not isinstance(img, dict):
            raise InterchangeError(f"{f} {where}: not an object")
        iid = _int(img.get("id"), f"{f} {where}", "id")
        if iid in items:
            raise InterchangeError(f"{f} {where}: image id {iid} appears twice")
        name = img.get("file_name")
        if not isinstance(name, str):
            raise InterchangeError(f"{f} {where}: file_name {name!r} is not text")
        item = ImportItem(name, f"{where} (id {iid})", caption=None if has_captions else MISSING,
                          labels=[] if has_labels else None, review_meta="llmvis_status" in img,
                          status=check_status(img.get("llmvis_status"), f"{f} {where}"),
                          reviewer=check_text(img.get("llmvis_reviewer"), f"{f} {where}", "reviewer"),
                          time=parse_time(img.get("llmvis_time"), f"{f} {where}"))
        items[iid] = item
        order.append(iid)
    dropped: dict[int, int] = {}  # image id -> further captions not kept
    for i, a in enumerate(anns):
        where = f"{f} annotations[{i}]"
        if not isinstance(a, dict):
            raise InterchangeError(f"{where}: not an object")
        iid = _int(a.get("image_id"), where, "image_id")
        item = items.get(iid)
        if item is None:
            raise InterchangeError(f"{where}: image_id {iid} is not in 'images'")
        if "caption" in a:
            cap = check_text(a["caption"], where, "caption")
            if cap and item.caption and item.caption != cap:
                dropped[iid] = dropped.get(iid, 0) + 1  # COCO captions files carry five per image
            else:
                item.caption = cap or item.caption
        if "category_id" in a:
            cid = _int(a["category_id"], where, "category_id")
            if cid not in categories:
                raise InterchangeError(f"{where}: category_id {cid} is not in 'categories'")
            item.labels.append(categories[cid])
    for i, sg in enumerate(doc.get("llmvis_suggestions") or []):
        where = f"{f} llmvis_suggestions[{i}]"
        if not isinstance(sg, dict):
            raise InterchangeError(f"{where}: not an object")
        iid = _int(sg.get("image_id"), where, "image_id")
        if iid not in items:
            raise InterchangeError(f"{where}: image_id {iid} is not in 'images'")
        items[iid].suggestions.append(suggestion_from(sg, where))
    warnings = []
    if dropped:
        shown = ", ".join(repr(items[i].name) for i in list(dropped)[:3])
        warnings.append(f"{f}: {len(dropped)} image(s) have more than one caption ({shown}"
                        f"{'...' if len(dropped) > 3 else ''}); the first of each was kept, "
                        f"{sum(dropped.values())} other caption(s) were not imported")
    return ParsedFile([items[i] for i in order], taxonomy=list(categories.values()), warnings=warnings)


def suggestion_from(sg: dict, where: str) -> NewSuggestion:
    kind = sg.get("kind")
    if kind not in ("caption", "label", "answer"):
        raise InterchangeError(f"{where}: suggestion kind {kind!r} is not caption, label or answer")
    value = check_text(sg.get("value"), where, "value")
    if not value:
        raise InterchangeError(f"{where}: suggestion has no value")
    if kind == "label":
        check_labels([value], where)
    score = sg.get("score")
    if score is not None and (not isinstance(score, (int, float)) or isinstance(score, bool)):
        raise InterchangeError(f"{where}: score {score!r} is not a number")
    model = check_text(sg.get("model_id"), where, "model_id") or "unknown"
    return NewSuggestion(0, kind, value, model, score_value(score, where),
                         check_text(sg.get("model_revision"), where, "model_revision"),
                         check_text(sg.get("prompt"), where, "prompt"))

