"""labelme and X-AnyLabeling JSON files: one ``<stem>.json`` per image.

Both tools save an image's annotation as a JSON object beside the image (or in an
output folder): ``imagePath`` (the image, relative to the JSON file; another machine's
absolute path, Windows backslashes, when the folder was moved), ``flags`` (image-level
check boxes: ``{"ok": true, "defect": false}``), ``shapes`` (regions, each with a
``label``), ``imageData`` (the image itself, base64, or null). X-AnyLabeling adds a
``description`` of the whole image (its caption) and one per shape.

Import reads every ``.json`` under a folder (or one such file). The image is the file
``imagePath`` leads to from the JSON's folder when that is an image of the project, else
the image of ``imagePath``'s file name in the JSON's own folder (relative to the folder
imported: a copy of the project's layout, or the project folder itself). The labels are
the flags set true and every shape's label (its geometry is not imported: the import says
how many shapes); the caption is X-AnyLabeling's image ``description`` when the file has
one. A JSON file that is not a labelme annotation is named in a warning, not read.

Export (:func:`export`) writes the same files into a new folder, for the tools' output
folder: the taxonomy as flags, the caption as ``description``; a round trip through it
keeps labels and captions (no status: an import marks what it changes reviewed).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .archive import as_path, open_text, walk, text_encoding
from .common import InterchangeError
from .parsing import ImportItem, ParsedFile, check_text

MAX_BYTES = 256 << 20  # imageData makes a file as large as its image, base64


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    out = []
    for dirpath, dirnames, filenames in walk(path):  # symlinked folders are not followed
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(dirpath / fn for fn in sorted(filenames)
                   if fn.lower().endswith(".json") and not fn.startswith("."))
    return out


def _labels(doc: dict, where: str, stripped: list) -> tuple[list[str], int, int]:
    """(the image's labels: flags set true, then shape labels, in file order; how many
    shapes; how many shape descriptions)."""
    out: list[str] = []
    flags = doc.get("flags") or {}
    if not isinstance(flags, dict):
        raise InterchangeError(f"{where}: flags {flags!r} is not an object of label: true/false")
    names = [k for k, v in flags.items() if v is True]
    shapes = doc.get("shapes") or []
    if not isinstance(shapes, list):
        raise InterchangeError(f"{where}: shapes {shapes!r} is not a list")
    described = 0
    for k, shape in enumerate(shapes):
        if not isinstance(shape, dict) or not isinstance(shape.get("label"), str):
            raise InterchangeError(f"{where}: shapes[{k}] has no label text")
        names.append(shape["label"])
        if isinstance(shape.get("description"), str) and shape["description"].strip():
            described += 1
    for name in names:
        check_text(name, where, "label")
        clean = name.strip()
        if not clean:
            raise InterchangeError(f"{where}: a label is empty")
        if clean != name:
            stripped.append(name)
        if clean not in out:
            out.append(clean)
    return out, len(shapes), described


def _image_path(doc: dict, where: str) -> str:
    value = doc.get("imagePath")
    if not isinstance(value, str) or not value.strip():
        raise InterchangeError(f"{where}: imagePath {value!r} names no image")
    check_text(value, where, "imagePath")
    return value


def parse(path: Path) -> ParsedFile:
    path = as_path(path)
    base = path.parent if path.is_file() else path
    items: list[ImportItem] = []
    skipped: list[str] = []
    stripped: list[str] = []
    shapes = described = 0
    order: dict[str, None] = {}  # the flags' names, in the files' order
    for full in _files(path):
        rel = full.relative_to(base).as_posix()
        if full.is_symlink():
            raise InterchangeError(f"{rel}: is a symbolic link; refused")
        if full.stat().st_size > MAX_BYTES:
            raise InterchangeError(f"{rel}: larger than {MAX_BYTES >> 20} MiB; not a labelme file")
        try:
            with open_text(full, encoding=text_encoding(full)) as fh:
                doc = json.load(fh)
        except UnicodeDecodeError as exc:
            raise InterchangeError(f"{rel}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise InterchangeError(f"{rel}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                                   f"{exc.msg}") from None
        if not isinstance(doc, dict) or "imagePath" not in doc or not (
                "shapes" in doc or "flags" in doc):
            skipped.append(rel)  # a project file, a COCO file... lying in the folder
            continue
        image = _image_path(doc, rel)
        labels, n_shapes, n_desc = _labels(doc, rel, stripped)
        order.update(dict.fromkeys(k.strip() for k in doc.get("flags") or {} if isinstance(k, str)))
        shapes += n_shapes
        described += n_desc
        item = ImportItem(_name(rel, image), rel, labels=labels, alt=_own(full.parent, image))
        if doc.get("description") is not None:  # X-AnyLabeling's description of the whole image
            text = check_text(doc["description"], rel, "description")
            item.caption = text.strip() or None
        items.append(item)
    warnings = []
    if skipped:
        shown = ", ".join(skipped[:3]) + ("..." if len(skipped) > 3 else "")
        warnings.append(f"{len(skipped)} JSON file(s) are not labelme annotations (no imagePath and shapes or "
                        f"flags) and were not read: {shown}")
    if not items:
        raise InterchangeError(f"{path}: no labelme JSON file (an object with imagePath and shapes or flags)"
                               + (f"; {warnings[0]}" if skipped else ""))
    if shapes:
        warnings.append(f"{shapes} shape(s) gave their label to their image; their geometry (points) was "
                        f"not imported")
    if described:
        warnings.append(f"{described} shape description(s) were not imported (llmvis keeps one caption per "
                        f"image, from the file's own description)")
    if stripped:
        shown = ", ".join(repr(s) for s in sorted(set(stripped))[:3])
        warnings.append(f"{len(stripped)} label(s) had spaces around them, taken off: {shown}")
    return ParsedFile(items, warnings=warnings, label_order=list(order))


def _parts(image: str) -> list[str]:
    return [p for p in image.replace("\\", "/").split("/") if p not in ("", ".")]


def _name(rel_json: str, image: str) -> str:
    """The image's file name in the JSON file's folder, relative to the folder imported."""
    folder = rel_json.rsplit("/", 1)[0] if "/" in rel_json else ""
    leaf = _parts(image)[-1] if _parts(image) else image
    return f"{folder}/{leaf}" if folder else leaf


def _own(folder: Path, image: str):
    """The file ``imagePath`` leads to from the JSON's folder, when it is relative (an
    absolute path is another machine's, or this one's; either way the name decides)."""
    text = image.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return Path(text) if os.path.isabs(text) else None
    parts = _parts(image)
    return folder.joinpath(*parts) if parts else None


def export(ctx) -> None:
    """``OUT/<image path without suffix>.json`` for each image with labels or a caption:
    every taxonomy label a flag (true where the image has it), no shapes, the
    caption as X-AnyLabeling's ``description``, ``imagePath`` relative to the JSON (a
    neutral DICOM image's exported name), ``imageData`` null (the tools read the image)."""
    from pathlib import PurePosixPath

    from .files import prepare_folder, write_atomic

    out = prepare_folder(ctx.out)
    final = Path(ctx.report.out)  # (``out`` may be a staging sibling, renamed into place at the end)
    taxonomy = [d.name for d in ctx.project.labels()]
    total = ctx.total()
    seen: dict[str, str] = {}
    n = carried = 0
    for rows in ctx.rows():
        for row in rows:
            if not (row.labels or row.caption):  # (what the format carries: no status)
                continue
            carried += 1
            stem = str(PurePosixPath(row.name).with_suffix(""))
            if stem in seen:
                ctx.warn(f"{row.name}: shares the file name {stem}.json with {seen[stem]}; not written")
                continue
            seen[stem] = row.name
            json_dir = (final / stem).parent
            image = (Path(ctx.project.root) / row.relpath) if row.name == row.relpath else final / row.name
            doc = {"version": "5.4.1", "flags": {k: k in row.labels for k in taxonomy}, "shapes": [],
                   "imagePath": Path(os.path.relpath(image, json_dir)).as_posix(), "imageData": None,
                   "imageHeight": row.height, "imageWidth": row.width, "description": row.caption or ""}
            write_atomic(out.joinpath(*f"{stem}.json".split("/")),
                         lambda fh, d=doc: json.dump(d, fh, ensure_ascii=False, indent=2))
            ctx.report.files_written += 1
            ctx.report.images += 1
            ctx.report.annotations += 1
            ctx.report.labels += len(row.labels)
            ctx.report.captions += bool(row.caption)
            ctx.note_rejected(row)
        n += len(rows)
        ctx.tick(n, total)
    if n and not carried:  # (an empty folder and "0 images", nothing said of why)
        none = f"none of the {n:,} images has a label or a caption" if n != 1 else "the 1 image has no label or caption"
        ctx.warn(f"{none}, and labelme files are written for images with labels or a caption only")
    if ctx.options.include_suggestions:
        ctx.warn("labelme files hold no suggestions; pending suggestions were not exported")
