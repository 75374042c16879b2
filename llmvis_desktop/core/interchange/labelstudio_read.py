"""Reading a Label Studio task file: the image a task names (relative or absolute
``/data/local-files/`` and ``/data/upload/`` URLs), the labels its results give the
image (``choices``, a region's ``*labels``, ``taxonomy`` paths), the results llmvis has
no place for (counted and named), and the labeling config beside the file (the
taxonomy in its order)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from .common import InterchangeError
from .files import sidecar_path
from .parsing import check_labels, read_xml

LOCAL_FILES = "/data/local-files/?d="
UPLOAD = "/data/upload/"
#: the hash Label Studio puts before an uploaded file's name (8 hex digits; 6 to 32 taken)
UPLOAD_PREFIX = re.compile(r"^[0-9a-fA-F]{6,32}-")
#: a taxonomy path's levels, joined into one label name
TAXONOMY_SEP = "/"


def config_path(out: Path) -> Path:
    """The labeling config written next to the task file, and read beside it on import:
    ``NAME.label_config.xml`` for ``NAME.json`` or ``NAME`` (see files.sidecar_path)."""
    return sidecar_path(out, ".label_config.xml")


def not_a_task(task, where: str) -> InterchangeError:
    """Why ``task`` is not a Label Studio task, with a hint for the export JSON-MIN writes
    (flat records: the data keys, ``annotator``, ``annotation_id``... at the top)."""
    if isinstance(task, dict) and ("annotation_id" in task or "annotator" in task or "image" in task):
        return InterchangeError(f'{where}: a flat record, as Label Studio\'s "JSON-MIN" export writes (no '
                                f"'data', no annotations); export the project as \"JSON\" instead")
    return InterchangeError(f"{where}: not a task object with 'data' (export the project from Label Studio "
                            f'as "JSON")')


def image_name(data: dict, where: str) -> tuple[str, bool, bool, Optional[str]]:
    """(the image a task names, whether it is only a file name (an uploaded file:
    ``/data/upload/<project>/<8 hex>-<name>``, matched to the one project image so named),
    whether it is a local-files path, the uploaded file's name with its hash prefix when one
    was taken off (None otherwise): tried when the name without it names no image).
    ``http(s)://host`` before either is taken off; percent-encoding (``%20``) is decoded."""
    if "image" not in data:
        keys = ", ".join(repr(k) for k in list(data)[:10]) + ("..." if len(data) > 10 else "")
        raise InterchangeError(f"{where}: data has no 'image' key (its keys: {keys or 'none'}); llmvis reads the "
                               f"image of a task from data.image (the labeling config's <Image value=\"$image\">)")
    value = data["image"]
    if not isinstance(value, str):
        raise InterchangeError(f"{where}: data.image {value!r} is not text")
    if value.lower().startswith(("http://", "https://")):
        parts = urlsplit(value)
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        if rest.startswith((LOCAL_FILES, UPLOAD)):
            value = rest
    if value.startswith(LOCAL_FILES):
        return unquote(value[len(LOCAL_FILES):]), False, True, None
    if value.startswith(UPLOAD):
        base = unquote(value.rsplit("/", 1)[-1])
        bare = UPLOAD_PREFIX.sub("", base, count=1)
        return (bare, True, False, base) if bare and bare != base else (base, True, False, None)
    return value, False, False, None


def is_region(kind) -> bool:
    """A result whose label names a region: rectanglelabels, polygonlabels, brushlabels,
    keypointlabels, ellipselabels, labels (a span of text or audio)..."""
    return isinstance(kind, str) and kind.endswith("labels")


def result_labels(r: dict, where: str) -> Optional[list[str]]:
    """The labels a region or taxonomy result gives its image (None: not such a result)."""
    kind = r.get("type")
    if kind == "taxonomy":
        paths = r["value"].get("taxonomy") or []
        if not isinstance(paths, list) or not all(isinstance(p, list) for p in paths):
            raise InterchangeError(f"{where}: taxonomy {paths!r} is not a list of paths")
        for p in paths:
            check_labels(p, where)
        return check_labels([TAXONOMY_SEP.join(p) for p in paths if p], where)
    if is_region(kind):
        return check_labels(r["value"].get(kind) or [], where)
    return None


class Tally:
    """What the file's results gave the images that is not theirs alone: regions (their
    label taken, geometry not) and results llmvis has no place for, by type."""

    def __init__(self) -> None:
        self.regions: Counter = Counter()
        self.unused: Counter = Counter()

    def add(self, other: "Tally") -> None:
        self.regions.update(other.regions)
        self.unused.update(other.unused)

    def warnings(self, f: str) -> list[str]:
        out = []
        if self.regions:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.regions.items()))
            out.append(f"{f}: {sum(self.regions.values())} region(s) ({kinds}) each gave its label to its image as "
                       f"an image-level label; their geometry was not imported")
        if self.unused:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.unused.items()))
            out.append(f"{f}: {sum(self.unused.values())} result(s) not imported ({kinds}): llmvis keeps a caption "
                       f"and image-level labels only")
        return out


def _choice_paths(el, prefix=()) -> list[str]:
    out = []
    for c in el:
        if c.tag == "Choice" and c.get("value"):
            path = (*prefix, c.get("value"))
            out.append(TAXONOMY_SEP.join(path))
            out += _choice_paths(c, path)
    return out


def config_labels(path: Path, labels_name: Optional[str], label_names: tuple) -> Optional[list[str]]:
    """The labels the labeling config beside ``path`` declares, in its order (None: no
    config there): the Choices read as the labels, every ``*Labels`` control's labels
    and every Taxonomy's paths."""
    cfg = config_path(path)
    if not cfg.is_file():
        return None
    root = read_xml(cfg, cfg.name, "labeling configs", lambda exc: f"not a labeling config (XML error: {exc})")
    choices = [el for el in root.iter("Choices")]
    names = {el.get("name") for el in choices}
    chosen = labels_name if labels_name in names else (
        next(iter(names)) if len(names) == 1 else next((n for n in label_names if n in names), None))
    out: list[str] = []
    for el in root.iter():
        if el.tag == "Choices" and el.get("name") == chosen:
            out += [c.get("value") for c in el.iter("Choice") if c.get("value")]
        elif el.tag.endswith("Labels"):
            out += [c.get("value") for c in el if c.tag == "Label" and c.get("value")]
        elif el.tag == "Taxonomy":
            out += _choice_paths(el)
    return check_labels(list(dict.fromkeys(out)), cfg.name)
