"""YOLO classification folders: ``<split>/<class>/<image path>``.

Every label taxonomy entry gets a folder in every split (so empty classes survive);
an image with several labels is placed in each of its class folders, in the same
split (seeded per image). Unlabelled images are left out. Class folder names are
label names with unsafe characters percent-encoded. Inside a class folder an image
keeps its project-relative path, so an import finds it by that path.
"""
from __future__ import annotations

import os
from pathlib import Path

from .common import (
    ExportContext,
    InterchangeError,
    folder_to_label,
    label_to_folder,
    prepare_folder,
    split_of,
    splits_used,
)
from .parsing import ImportItem, ParsedFile
from ..imaging.formats import SUPPORTED_EXTENSIONS, sniff_dicom

SPLITS = ("train", "val", "test")


def export(ctx: ExportContext) -> None:
    opts = ctx.options
    out = prepare_folder(ctx.out)
    labels = [lbl.name for lbl in ctx.project.labels()]
    folders = {name: label_to_folder(name) for name in labels}
    for split in splits_used(opts.split):
        for name in labels:
            (out / split / folders[name]).mkdir(parents=True, exist_ok=True)
    total = ctx.total()
    n = 0
    for rows in ctx.rows():
        for row in rows:
            if not row.labels:
                continue
            split = split_of(opts.seed, row.relpath, opts.split)
            copied = False
            for name in row.labels:
                if ctx.copy_image(row, out / split / folders[name] / row.name):
                    copied = True
                    ctx.report.annotations += 1
            ctx.report.images += copied
        n += len(rows)
        ctx.tick(n, total)
    if opts.include_suggestions:
        ctx.warn("YOLO classification folders hold no suggestions; pending suggestions were not exported")


def parse(path: Path) -> ParsedFile:
    path = Path(path)
    splits = [path / s for s in SPLITS if (path / s).is_dir()]
    if not splits:
        raise InterchangeError(f"{path}: no train/, val/ or test/ folder (YOLO classification layout)")
    items: list[ImportItem] = []
    taxonomy: list[str] = []
    skipped: list[str] = []
    for split in splits:
        for cls in sorted(p for p in split.iterdir() if p.is_dir() and not p.name.startswith(".")):
            label = folder_to_label(cls.name)
            if label not in taxonomy:
                taxonomy.append(label)
            for dirpath, dirnames, filenames in os.walk(cls):  # does not follow symlinked folders
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for fn in sorted(filenames):
                    full = Path(dirpath) / fn
                    if fn.startswith("."):
                        continue
                    if os.path.splitext(fn)[1].lower() not in SUPPORTED_EXTENSIONS and not sniff_dicom(full):
                        skipped.append(full.relative_to(path).as_posix())  # a DICOM series (IM0001) is kept
                        continue
                    rel = full.relative_to(cls).as_posix()
                    where = f"{full.relative_to(path).as_posix()}"
                    items.append(ImportItem(rel, where, labels=[label], alt=full))
    if not taxonomy:
        raise InterchangeError(f"{path}: the split folders hold no class folder")
    warnings = []
    if skipped:
        warnings.append(f"{len(skipped)} file(s) in the class folders are not images and were skipped "
                        f"({', '.join(skipped[:3])}{'...' if len(skipped) > 3 else ''})")
    return ParsedFile(items, taxonomy=taxonomy, warnings=warnings)
