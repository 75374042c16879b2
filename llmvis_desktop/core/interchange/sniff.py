"""Which import format a file or folder looks like, from a look at it: an import given the
wrong ``--format`` (a CSV imported as COCO said "not valid JSON at line 1, column 1")
says what it looks like instead (:class:`WrongFormat`).

A file is judged by its first 64 KiB, a folder by its layout; nothing else is read, and
a guess is only a hint added to the refusal of the format asked for.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Optional

from .common import InterchangeError
from .sidecar_match import sidecar_suffix

HEAD_BYTES = 64 << 10

#: how a hint names each format: "this looks like a CSV file"
WHAT = {
    "coco": "a COCO JSON file",
    "labelstudio": "a Label Studio JSON file (a list of tasks)",
    "cvat": "a CVAT XML file",
    "csv": "a CSV file",
    "jsonl": "a Hugging Face imagefolder (metadata.jsonl)",
    "yolo": "a YOLO classification folder (train/, val/ or test/ with a folder per class)",
    "txt": "a folder of caption .txt or .caption sidecars",
    "labelme": "a labelme / X-AnyLabeling JSON file (one per image)",
}

_SPLITS = ("train", "val", "valid", "validation", "test")
#: the side files a YOLO or imagefolder export writes beside its split folders
OWN_FILES = ("llmvis_taxonomy.txt", "llmvis_labels.json")


class WrongFormat(InterchangeError):
    """An import refused by the format asked for, whose file looks like another format
    (``looks_like``, a format key); the message says both."""

    def __init__(self, message: str, looks_like: str) -> None:
        super().__init__(message)
        self.looks_like = looks_like


def looks_like(path: Path) -> Optional[str]:
    """The import format ``path`` looks like, or None when it looks like none of them (or
    cannot be read: the refusal already says why)."""
    path = Path(path)
    try:
        return _folder(path) if path.is_dir() else _file(path)
    except OSError:
        return None


def wrong_format(exc: InterchangeError, fmt: str, path: Path) -> InterchangeError:
    """``exc`` (the refusal of ``fmt``) with what ``path`` looks like added when that is
    another format: a :class:`WrongFormat`; else ``exc`` itself (a subclass, such as a
    write that failed, is kept as it is)."""
    if type(exc) is not InterchangeError:
        return exc
    guess = looks_like(path)
    if guess is None or guess == fmt:
        return exc
    what = WHAT[guess]
    if guess == "jsonl" and not path.is_dir():  # (the format reads the folder it lies in)
        what = "a Hugging Face imagefolder's metadata.jsonl (import its folder)"
    return WrongFormat(f"{exc}; this looks like {what}, not {fmt}", guess)


def _file(path: Path) -> Optional[str]:
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip() or b"\0" in head:  # empty, or binary (an image, an archive)
        return None
    text = head.lstrip()
    if text.startswith(b"<"):
        return "cvat" if re.search(rb"<annotations[\s>]", text) else None
    if text.startswith(b"["):
        return "labelstudio" if b'"data"' in text else None
    if text.startswith(b"{"):
        if b'"imagePath"' in text and (b'"shapes"' in text or b'"flags"' in text):
            return "labelme"
        if b'"images"' in text and (b'"categories"' in text or b'"annotations"' in text):
            return "coco"
        first, _, rest = text.partition(b"\n")
        if rest.lstrip().startswith(b"{") and b'"file_name"' in first:  # JSON Lines of images
            return "jsonl"
        if b'"data"' in text and (b'"annotations"' in text or b'"predictions"' in text):
            return "labelstudio"  # one task, not in a list
        return None
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    # a header line of names (file_name, labels, ...), comma- tab- or semicolon-separated
    if "file_name" in first or (re.fullmatch(r"[\w \"'.-]+([,;\t][\w \"'.-]*)+", first) is not None):
        return "csv"
    return None


def _folder(path: Path) -> Optional[str]:
    if (path / "metadata.jsonl").is_file() or any(
            (path / s / "metadata.jsonl").is_file() for s in _SPLITS):
        return "jsonl"
    if any((path / s).is_dir() for s in _SPLITS):
        return "yolo"
    with os.scandir(path) as it:  # (an export's own side files are no sidecar: llmvis_taxonomy.txt)
        names = [e.name for e in it if e.is_file() and not e.name.startswith(".") and e.name not in OWN_FILES]
    if any(sidecar_suffix(n) for n in names):  # photo.txt, photo.caption
        return "txt"
    for n in sorted(n for n in names if n.lower().endswith(".json"))[:5]:  # labelme saves one beside each image
        if _file(path / n) == "labelme":
            return "labelme"
    return None
