"""A small project of named images, and caption sidecars written beside it, for the import
tests of sidecar and Label Studio name matching."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project


def open_project(root: Path, images, step: int) -> Project:
    """A scanned project at ``root`` of one small image per relative path in ``images``,
    each of its own size and gray (``step`` apart)."""
    for i, rel in enumerate(images):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4 + i, 5, 3), i * step, np.uint8)).save(root / rel)
    p = Project.open(root)
    p.scan()
    return p


def captions(p) -> dict:
    """{relative path: caption} of every image of ``p``."""
    return {r.relpath: r.caption for r in p.images(p.image_ids())}


def write_sidecars(folder: Path, texts: dict) -> Path:
    """Write each {relative name: text} under ``folder`` (made); returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder
