"""YOLO classification folders: ``<split>/<class>/<image path>``.

Every label taxonomy entry gets a folder in every split (so empty classes survive);
an image with several labels is placed in each of its class folders, in the same
split (seeded per image). Unlabelled images are left out. Class folder names are
label names with unsafe characters percent-encoded; a name over 200 bytes is cut with
a hash suffix, and ``llmvis_labels.json`` (folder name -> label) is written next to the
split folders so an import gets the whole label back. Inside a class folder an image
keeps its project-relative path, so an import finds it by that path.

The taxonomy, every label in its order, is written next to the split folders as
``llmvis_taxonomy.txt`` (as the imagefolder export writes it): an import into a project
without the labels makes them in that order, so each keeps its number key (the class
folders alone gave them in alphabetical order: 1 was "crack" where the team had pressed 1
for "scratch"). Folders it does not list come after, in their order.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .archive import YOLO_SPLITS, ArchivePath, as_path, walk
from .common import InterchangeError, split_of, splits_used
from .csv_fmt import read_taxonomy, taxonomy_text
from .export_context import ExportContext
from .files import folder_to_label, label_to_folder, none_of, prepare_folder
from .parsing import ImportItem, ParsedFile, check_labels
from ..imaging.formats import DICOM_MAGIC_OFFSET, SUPPORTED_EXTENSIONS, has_dicom_magic, sniff_dicom

SPLITS = ("train", "val", "test")
#: split folders an import reads: Roboflow writes ``valid``, Ultralytics accepts ``validation``
READ_SPLITS = YOLO_SPLITS
LABELS_FILE = "llmvis_labels.json"  # folder name -> label, for the names that were cut
TAXONOMY = "llmvis_taxonomy.txt"  # every label in the project's order (its number keys)


def export(ctx: ExportContext) -> None:
    opts = ctx.options
    out = prepare_folder(ctx.out)
    labels = [lbl.name for lbl in ctx.project.labels()]
    folders = {name: label_to_folder(name) for name in labels}
    cut = {folders[n]: n for n in labels if folder_to_label(folders[n]) != n}
    if cut:
        (out / LABELS_FILE).write_text(json.dumps(cut, ensure_ascii=False, indent=1), encoding="utf-8")
        ctx.report.files_written += 1
        ctx.warn(f"{len(cut)} label(s) too long for a folder name were cut (with a hash); "
                 f"{LABELS_FILE} maps each folder to its label")
    (out / TAXONOMY).write_text(taxonomy_text(ctx.project), encoding="utf-8", newline="\n")
    ctx.report.files_written += 1
    for split in splits_used(opts.split):
        for name in labels:
            (out / split / folders[name]).mkdir(parents=True, exist_ok=True)
    total = ctx.total()
    n = labelled = 0
    filled: dict[str, set[str]] = {split: set() for split in splits_used(opts.split)}
    for rows in ctx.rows():
        for row in rows:
            if not row.labels:
                continue
            labelled += 1
            split = split_of(opts.seed, row.split_key or row.relpath, opts.split)
            copied = False
            for name in row.labels:
                if ctx.copy_image(row, out / split / folders[name] / row.name):
                    copied = True
                    ctx.report.annotations += 1
                    filled.setdefault(split, set()).add(name)
            if copied:
                ctx.note_rejected(row)
            ctx.report.images += copied
        n += len(rows)
        ctx.tick(n, total)
    if n and not labelled:  # "0 image(s)" said nothing of why
        ctx.warn(f"{none_of(n, 'a label')}, and YOLO classification folders hold labelled images only")
    elif labelled:
        _warn_empty_classes(ctx, labels, filled)
    if opts.include_suggestions:
        ctx.warn("YOLO classification folders hold no suggestions; pending suggestions were not exported")


def _warn_empty_classes(ctx: ExportContext, labels: list[str], filled: dict[str, set[str]]) -> None:
    """Say which split got no image of which label. The empty class folders are kept (the
    class numbers agree across splits), but a training tool refuses them: torchvision's
    ImageFolder (and what reads the folders through it) stops with "Found no valid file for
    the classes ..." unless told ``allow_empty=True``; a split with no image at all is of no
    use as one. Before, the export said nothing, and the training run failed on it."""
    for split, names in filled.items():
        empty = [n for n in labels if n not in names]
        if not empty:
            continue
        if not names:
            parts = ",".join(f"{p:g}" for p in ctx.options.split if p > 0)
            ctx.warn(f"{split}/: no image at all (its {len(labels)} class folder(s) are empty): too few "
                     f"labelled images for the split {parts} ({ctx.options.name_of('split')}); a training "
                     "tool cannot use an empty split")
        else:
            shown = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
            its = "its class folder is" if len(empty) == 1 else "their class folders are"
            ctx.warn(f"{split}/: no image of {shown}; {its} left empty, so the class numbers agree across "
                     "splits, but torchvision's ImageFolder refuses an empty class folder unless given "
                     "allow_empty=True")


def _full_names(path: Path) -> dict[str, str]:
    """The export's map of cut folder names to their labels, when it wrote one."""
    f = path / LABELS_FILE
    if not f.is_file():
        return {}
    try:
        names = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InterchangeError(f"{f}: cannot be read as JSON ({exc})") from None
    if not isinstance(names, dict) or not all(isinstance(k, str) for k in names):
        raise InterchangeError(f"{f}: not an object of folder name -> label")
    check_labels(list(names.values()), f"{f}")
    return names


def _yaml_values(text: str) -> dict[str, list[str]]:
    """The top-level keys of a data.yaml with their scalar or inline-list values (a
    nested block, such as ``names:`` on lines of its own, gives [])."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if ":" not in line or line[:1].isspace() or line.startswith("#"):
            continue
        key, value = line.split(":", 1)
        value = value.split(" #", 1)[0].strip().strip("[]")
        out[key.strip()] = [v.strip().strip("'\"") for v in value.split(",") if v.strip()]
    return out


def _detection_layout(path: Path, splits: list[Path]) -> str:
    """Why ``path`` looks like a YOLO detection dataset ("" when it does not): a split with
    ``images/`` and a ``labels/`` of .txt files, or a data.yaml with ``nc``/``names`` whose
    train/val name image folders (``images/train``, ``../train/images``) or list files
    (``train.txt``). The folders decide: a classification dataset's data.yaml (``train:
    train``, its split/<class>/<image> folders) was refused for its keys alone."""
    for split in splits:
        labels = split / "labels"
        if (split / "images").is_dir() and labels.is_dir() and any(
                p.suffix == ".txt" for p in labels.rglob("*.txt")):
            return f"{split.name}/images and {split.name}/labels (box .txt files)"
    for name in ("data.yaml", "data.yml", "dataset.yaml"):
        f = path / name
        if f.is_file():
            try:
                text = f.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            keys = _yaml_values(text)
            if not {"nc", "names"} & set(keys):
                continue
            for key in ("train", "val"):
                for value in keys.get(key, []):
                    parts = value.replace("\\", "/").split("/")
                    if "images" in parts or value.lower().endswith(".txt"):
                        return f"{name} with {key}: {value}"
    return ""


def _is_dicom(full) -> bool:
    """Whether ``full`` (a file on disk or in a zip archive) is a DICOM file."""
    if isinstance(full, ArchivePath):
        return has_dicom_magic(full.head(DICOM_MAGIC_OFFSET + 4))
    return sniff_dicom(full)


def _unquote(value: str) -> str:
    return value.split(" #", 1)[0].strip().strip("'\"").strip()


def _yaml_names(path) -> dict[str, str]:
    """data.yaml's ``names`` as {"0": "scratch", ...}: a list or a mapping of class number
    to name, inline (``names: [a, b]``, ``{0: a}``) or on lines of their own; {} when none."""
    for fname in ("data.yaml", "data.yml", "dataset.yaml"):
        f = path / fname
        if not f.is_file():
            continue
        try:
            lines = f.read_text(encoding="utf-8-sig", errors="replace").splitlines()
        except OSError:
            return {}
        for k, line in enumerate(lines):
            if not line.startswith("names:"):
                continue
            inline = line[len("names:"):].split(" #", 1)[0].strip()
            if inline.startswith("["):
                return {str(i): _unquote(v) for i, v in enumerate(v for v in inline.strip("[]").split(",") if v.strip())}
            if inline.startswith("{"):
                return {a.strip().strip("'\""): _unquote(b) for a, _, b in
                        (p.partition(":") for p in inline.strip("{}").split(",") if ":" in p)}
            out: dict[str, str] = {}
            for sub in lines[k + 1:]:
                if not sub.strip() or sub.lstrip().startswith("#"):
                    continue
                if not sub[:1].isspace():
                    break
                item = sub.strip()
                if item.startswith("- "):
                    out[str(len(out))] = _unquote(item[2:])
                elif ":" in item:
                    key, _, value = item.partition(":")
                    out[key.strip().strip("'\"")] = _unquote(value)
            return out
    return {}


def _numbered(path, splits: list) -> dict[str, str]:
    """Class folder -> label, when every class folder is a number that data.yaml's
    ``names`` names (``train/0/``, ``train/1/`` with ``names: {0: scratch, 1: dent}``):
    such folders were imported as the labels "0" and "1"; else {}."""
    names = _yaml_names(path)
    classes = {c.name for split in splits for c in split.iterdir() if c.is_dir() and not c.name.startswith(".")}
    if not names or not classes or not all(c.isdigit() and names.get(c) for c in classes):
        return {}
    check_labels([names[c] for c in classes], f"{path}: data.yaml names")
    return {c: names[c] for c in classes}


def parse(path: Path) -> ParsedFile:
    """The records of the classification folders at ``path``, a folder on disk or in a zip
    archive (:class:`.archive.ArchivePath`: Roboflow's "Folder Structure" download, a
    zipped export; matched by each image's path below its class folder)."""
    path = as_path(path)
    splits = [path / s for s in READ_SPLITS if (path / s).is_dir()]
    why = _detection_layout(path, splits)
    if why:
        raise InterchangeError(f"{path}: a YOLO detection dataset ({why}), not classification folders "
                               "(<split>/<class>/<image>); its boxes cannot be imported as labels")
    if not splits:
        # (a split or class folder picked instead of the dataset's: say which to import)
        up = (f"; {path.name}/ is a split folder itself: import the folder above it, {path.parent}"
              if path.name in READ_SPLITS else
              f"; {path.name}/ is a class folder: import the dataset folder {path.parent.parent}"
              if path.parent.name in READ_SPLITS else "")
        raise InterchangeError(f"{path}: no train/, val/, valid/, validation/ or test/ folder "
                               f"(YOLO classification layout){up}")
    items: list[ImportItem] = []
    taxonomy: list[str] = []
    skipped: list[str] = []
    full_names = _full_names(path)
    numbered = _numbered(path, splits)
    loose: list[str] = []  # images lying directly in a split folder, in no class folder
    for split in splits:
        loose += sorted(p.relative_to(path).as_posix() for p in split.iterdir()
                        if p.is_file() and not p.name.startswith(".")
                        and p.suffix.lower() in SUPPORTED_EXTENSIONS)
        for cls in sorted(p for p in split.iterdir() if p.is_dir() and not p.name.startswith(".")):
            label = full_names.get(cls.name) or numbered.get(cls.name) or folder_to_label(cls.name)
            if label not in taxonomy:
                taxonomy.append(label)
            for dirpath, dirnames, filenames in walk(cls):  # does not follow symlinked folders
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for fn in sorted(filenames):
                    full = dirpath / fn
                    if fn.startswith("."):
                        continue
                    if os.path.splitext(fn)[1].lower() not in SUPPORTED_EXTENSIONS and not _is_dicom(full):
                        skipped.append(full.relative_to(path).as_posix())  # a DICOM series (IM0001) is kept
                        continue
                    rel = full.relative_to(cls).as_posix()
                    where = f"{full.relative_to(path).as_posix()}"
                    items.append(ImportItem(rel, where, labels=[label], alt=full,
                                            also=full.relative_to(split).as_posix()))
    if not taxonomy:
        raise InterchangeError(f"{path}: the split folders hold no class folder")
    if numbered:  # in the class numbers' order (1 is "scratch" as 0 was in the training set)
        number = {label: int(c) for c, label in numbered.items()}
        taxonomy.sort(key=lambda n: number.get(n, len(number)))
    listed = [n for n in read_taxonomy(path / TAXONOMY) if n in taxonomy]  # (the export's order)
    taxonomy = listed + [n for n in taxonomy if n not in listed]
    warnings = []
    if numbered:
        shown = ", ".join(f"{c} -> {numbered[c]}" for c in sorted(numbered, key=int)[:5])
        warnings.append(f"{len(numbered)} numbered class folder(s) were named by data.yaml's names ({shown}"
                        f"{'...' if len(numbered) > 5 else ''})")
    others = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")
                    and p.name not in READ_SPLITS)
    if others:
        warnings.append(f"folder(s) {', '.join(others[:5])}{'...' if len(others) > 5 else ''} not read "
                        f"(split folders: {', '.join(READ_SPLITS)})")
    if loose:
        hint = ("; a split folder with metadata.jsonl is an imagefolder (jsonl) dataset: import it as jsonl"
                if any((sp / "metadata.jsonl").is_file() for sp in splits) else "")
        warnings.append(f"{len(loose)} image(s) lie directly in a split folder, in no class folder, and were "
                        f"skipped ({', '.join(loose[:3])}{'...' if len(loose) > 3 else ''}){hint}")
    if skipped:
        warnings.append(f"{len(skipped)} file(s) in the class folders are not images and were skipped "
                        f"({', '.join(skipped[:3])}{'...' if len(skipped) > 3 else ''})")
    return ParsedFile(items, taxonomy=taxonomy, warnings=warnings)
