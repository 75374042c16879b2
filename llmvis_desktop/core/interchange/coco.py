"""COCO: image-level labels as categories, captions in a COCO captions file beside it.

Two files, each loadable by pycocotools (which reads the ``category_id`` of every
annotation of a file that has ``categories``): ``OUT.json`` holds the images, the
categories and one annotation per label of an image (``category_id``, no
``bbox``/``segmentation``); ``OUT.captions.json`` is a COCO captions file (the same
images and ids, caption annotations, no categories). Extension (documented in
docs/interchange.md): an image entry may carry ``llmvis_status``, ``llmvis_reviewer``,
``llmvis_time`` and ``llmvis_derived_from``; pending suggestions go in a top-level
``llmvis_suggestions`` list; ``info.llmvis_captions_file`` names the captions file.
An import of OUT.json reads the captions file too; version 1 exports (captions and
labels in one file) still import.

Another tool's file: a region (``bbox``/``segmentation``, a crowd region too) gives
its category to its image as an image-level label, and the import warns how many
regions' geometry was not imported; a category no annotation uses is not added to
the taxonomy (named in a warning), except from an llmvis export (its whole taxonomy).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..store.records import NewSuggestion

from .archive import as_path, open_text, text_encoding
from .common import InterchangeError
from .export_context import ExportContext
from .files import sidecar_path, write_pair_atomic
from .target import check_file_target
from .parsing import (
    MISSING,
    empty_text,
    ImportItem,
    ParsedFile,
    label_color,
    check_labels,
    check_status,
    check_text,
    parse_time,
    score_value,
)

EXTENSION_VERSION = 2


def captions_path(out: Path) -> Path:
    """The COCO captions file written next to the labels file: ``OUT.captions.json`` for
    ``OUT.json``, ``NAME.captions.json`` for another name (see files.sidecar_path)."""
    return sidecar_path(out, ".captions.json")


def export(ctx: ExportContext) -> None:
    captions_file = captions_path(ctx.out)
    check_file_target(ctx.project, captions_file, ctx.force)  # refused before anything is written
    labels = ctx.project.labels()
    cat_id = {lbl.name: i for i, lbl in enumerate(labels, 1)}
    images, annotations, suggestions, captions = [], [], [], []
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
                captions.append({"id": len(captions) + 1, "image_id": img_id, "caption": row.caption})
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
                 "llmvis_extension": EXTENSION_VERSION, "llmvis_captions_file": captions_file.name},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        # (``color``: the label's, which an import making the label takes; readers ignore it;
        # ``exclusive``: only on an exclusive label, taken as the colour is)
        "categories": [{"id": cat_id[lbl.name], "name": lbl.name, "supercategory": "", "color": lbl.color,
                        **({"exclusive": True} if getattr(lbl, "exclusive", False) else {})}
                       for lbl in labels],
    }
    if ctx.options.include_suggestions:
        doc["llmvis_suggestions"] = suggestions
    caps = {
        "info": {"description": "llmvis_desktop export: captions", "version": "1.0",
                 "llmvis_extension": EXTENSION_VERSION, "llmvis_captions_of": Path(ctx.out).name},
        "licenses": [],
        "images": [{k: img[k] for k in ("id", "file_name", "width", "height")} for img in images],
        "annotations": captions,
    }
    # both files carry the same id, a digest of what both hold but their names (the same
    # project state exports the same bytes): an import refuses a labels file beside the
    # captions of another export
    digest = hashlib.sha256()
    for part in (doc, caps):
        body = {k: v for k, v in part.items() if k != "info"}
        digest.update(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    doc["info"]["llmvis_export_id"] = caps["info"]["llmvis_export_id"] = digest.hexdigest()[:16]
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))  # one-shot: the C encoder
    cap_text = json.dumps(caps, ensure_ascii=False, separators=(",", ":"))
    # both written in full, then put in place together: a full disk or a failed rename
    # left the new captions file beside the old labels file
    write_pair_atomic([(captions_file, cap_text), (Path(ctx.out), text)], replace=ctx.force)
    ctx.report.images = len(images)
    ctx.report.annotations = ann_id  # the COCO file's; the captions are in the captions file
    ctx.report.labels, ctx.report.captions = ann_id, len(captions)
    ctx.report.suggestions = len(suggestions)
    ctx.report.files_written += 2


def load_json(path: Path):
    """The JSON document in ``path``; a leading UTF-8 byte order mark (Windows Notepad,
    PowerShell's ``Out-File -Encoding utf8``) is taken off, as CSV and labelme imports do
    (it was refused: "Unexpected UTF-8 BOM"); a UTF-16 one (Windows PowerShell 5's
    ``ConvertTo-Json | Out-File``) reads the file as UTF-16 (:func:`.archive.text_encoding`)."""
    try:
        with open_text(path, encoding=text_encoding(path)) as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        if exc.doc.strip() == "":  # said 'not valid JSON at line 1, column 1: Expecting value'
            raise InterchangeError(f"{path.name}: {empty_text(exc.doc)}") from None
        raise InterchangeError(f"{path.name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise InterchangeError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InterchangeError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _int(value, where: str, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InterchangeError(f"{where}: {what} {value!r} is not an integer")
    return value


def _region(a: dict) -> bool:
    """Whether an annotation is a region (a box, a polygon or mask, a crowd region)."""
    return bool(a.get("bbox")) or bool(a.get("segmentation")) or a.get("iscrowd") in (1, True)


def _captions_beside(path: Path, info: dict, images: dict, warnings: list) -> "list | None":
    """The caption annotations of the captions file an llmvis export names (None: no file)."""
    name = info.get("llmvis_captions_file")
    if not isinstance(name, str) or not name:
        return None
    if name != Path(name).name or name in (".", ".."):
        raise InterchangeError(f"{path.name}: info.llmvis_captions_file {name!r} is not a file name")
    other = path.with_name(name)
    if not other.is_file():
        warnings.append(f"{path.name}: its captions file {name} is not beside it; captions are left as they are")
        return None
    doc = load_json(other)
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list) or not isinstance(
            doc.get("annotations", []), list):
        raise InterchangeError(f"{name}: not a COCO captions file")
    theirs = doc.get("info", {}).get("llmvis_export_id") if isinstance(doc.get("info"), dict) else None
    if info.get("llmvis_export_id") and theirs != info["llmvis_export_id"]:
        raise InterchangeError(f"{name} is not from the same export as {path.name} (an export stopped "
                               f"part way, or one of the two copied from elsewhere?); export again")
    names = {img.get("id"): img.get("file_name") for img in doc["images"] if isinstance(img, dict)}
    for iid, fname in names.items():
        if iid in images and images[iid] != fname:
            raise InterchangeError(f"{name}: image id {iid} is {fname!r}, {path.name} says {images[iid]!r}")
    return [(f"{name} annotations[{i}]", a) for i, a in enumerate(doc.get("annotations", []))]


def parse(path: Path) -> ParsedFile:
    path = as_path(path)
    doc = load_json(path)
    f = path.name
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        raise InterchangeError(f"{f}: not a COCO file (no 'images' list at the top level)")
    anns = doc.get("annotations", [])
    cats = doc.get("categories", [])
    if not isinstance(anns, list) or not isinstance(cats, list):
        raise InterchangeError(f"{f}: 'annotations' and 'categories' must be lists")
    categories: dict[int, str] = {}
    colors: dict[str, str] = {}
    exclusive: set[str] = set()
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
        if label_color(c.get("color")):
            colors[name] = label_color(c.get("color"))
        if c.get("exclusive") is True:
            exclusive.add(name)
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    ours = "llmvis_extension" in info
    warnings: list[str] = []
    # a field the file does not carry at all (a categories-only file has no caption
    # annotation, a captions file no category) is left alone, not cleared
    entries = [(f"{f} annotations[{i}]", a) for i, a in enumerate(anns)]
    images_named = {img.get("id"): img.get("file_name") for img in doc["images"]  # (ids checked below)
                    if isinstance(img, dict) and isinstance(img.get("id"), int)}
    beside = _captions_beside(path, info, images_named, warnings) if ours else None
    if ours and "llmvis_captions_file" in info:  # version 2: captions in their own file
        has_captions = beside is not None
        entries += beside or []
    else:
        has_captions = ours or any(isinstance(a, dict) and "caption" in a for a in anns)
    captions_part = ours and "llmvis_captions_of" in info  # the captions file of an export, alone
    has_labels = (ours and not captions_part) or bool(categories) or any(
        isinstance(a, dict) and "category_id" in a for a in anns)
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
    used: dict[int, None] = {}  # categories some annotation uses, in file order
    regions = crowd = 0
    for where, a in entries:
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
            if _region(a):  # its category labels the image; the geometry is not imported
                regions += 1
                crowd += a.get("iscrowd") in (1, True)
            if categories[cid] not in item.labels:
                item.labels.append(categories[cid])
            used.setdefault(cid)
    suggestions = doc.get("llmvis_suggestions") or []
    if not isinstance(suggestions, list):  # ("'int' object is not iterable")
        raise InterchangeError(f"{f}: llmvis_suggestions {suggestions!r} is not a list")
    for i, sg in enumerate(suggestions):
        where = f"{f} llmvis_suggestions[{i}]"
        if not isinstance(sg, dict):
            raise InterchangeError(f"{where}: not an object")
        iid = _int(sg.get("image_id"), where, "image_id")
        if iid not in items:
            raise InterchangeError(f"{where}: image_id {iid} is not in 'images'")
        items[iid].suggestions.append(suggestion_from(sg, where))
    if dropped:
        shown = ", ".join(repr(items[i].name) for i in list(dropped)[:3])
        warnings.append(f"{f}: {len(dropped)} image(s) have more than one caption ({shown}"
                        f"{'...' if len(dropped) > 3 else ''}); the first of each was kept, "
                        f"{sum(dropped.values())} other caption(s) were not imported")
    if regions:
        warnings.append(f"{f}: {regions} region(s) (bbox or segmentation{f', {crowd} of them crowd' if crowd else ''}) "
                        "each gave its category to its image as an image-level label; their geometry was not "
                        "imported")
    if ours:  # an llmvis export: its whole taxonomy, empty classes included
        taxonomy = list(categories.values())
    else:
        taxonomy = [categories[c] for c in used]
        unused = [n for c, n in categories.items() if c not in used]
        if unused:
            warnings.append(f"{f}: {len(unused)} categor{'y' if len(unused) == 1 else 'ies'} no annotation uses "
                            f"not added to the labels ({', '.join(map(repr, unused[:5]))}"
                            f"{'...' if len(unused) > 5 else ''})")
    return ParsedFile([items[i] for i in order], taxonomy=taxonomy, warnings=warnings, colors=colors,
                      exclusive=exclusive)


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

