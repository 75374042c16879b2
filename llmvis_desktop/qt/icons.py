"""The one place icons are looked up: SVG files in ``llmvis_desktop/resources/icons``.

``icon("accept")`` returns a ``QIcon`` (cached); an unknown name gives an empty
icon and a log line rather than an exception, so a missing file never breaks a menu.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


def icon_path(name: str) -> Path:
    return ICON_DIR / f"{name}.svg"


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    path = icon_path(name)
    if not path.is_file():
        log.warning("icon %r not found in %s", name, ICON_DIR)
        return QIcon()
    return QIcon(str(path))


def app_icon() -> QIcon:
    return icon("app")
