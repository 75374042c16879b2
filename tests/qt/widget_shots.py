"""Screenshots of the standalone widgets and dialogs, under shots/, checked not to be
one flat colour (the widget test modules')."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

from PySide6.QtGui import QImage  # noqa: E402


SHOTS = Path(__file__).resolve().parents[2] / "shots"


def shot(widget, name: str) -> QImage:
    """Save a PNG of ``widget`` under shots/ and check it is not one flat colour."""
    from PySide6.QtWidgets import QApplication

    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()  # pending layout requests
    pix = widget.grab()
    path = SHOTS / f"{name}.png"
    assert pix.save(str(path))
    img = pix.toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    assert w > 10 and h > 10
    colours = {img.pixel(x, y) for x in range(0, w, max(1, w // 40)) for y in range(0, h, max(1, h // 40))}
    assert len(colours) > 3, f"{name}.png looks blank"
    return img
