"""Shared visual constants for the Qt front end (colours, spacing, small helpers).

``STATUS_COLORS`` maps every image status (see ``core.store.models.ALL_STATUSES``)
to a hex colour; the grid delegate, the viewer and the panels use the same values so
a status reads the same everywhere:

    new grey, suggested blue, reviewed green, rejected red, missing orange, error dark red.
"""
from __future__ import annotations

STATUS_COLORS: dict[str, str] = {
    "new": "#8a8f98",
    "suggested": "#2f6fdb",
    "reviewed": "#2e9d4f",
    "rejected": "#d0342c",
    "missing": "#e8871e",
    "error": "#8b1a1a",
}

# Neutral UI colours.
TEXT = "#1f2328"
TEXT_MUTED = "#656d76"
BORDER = "#d0d7de"
PANEL_BG = "#f6f8fa"
ACCENT = STATUS_COLORS["suggested"]
MODEL_BADGE = STATUS_COLORS["suggested"]
ERROR_BG = "#fdecea"
NOTE_BG = "#fff8c5"  # a notice (something the tool worked round), not an error
ERROR_FG = STATUS_COLORS["error"]
OK_FG = STATUS_COLORS["reviewed"]

# Colours offered for new labels, in order (distinct, readable with white or black text).
LABEL_PALETTE: tuple[str, ...] = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
    "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990",
    "#dcbeff", "#9a6324", "#fffac8", "#800000", "#aaffc3",
)


#: the letter or sign on a tile's status badge: one per status, so that the badge tells
#: them apart without its colour (reviewed and rejected were both "R", green and red)
STATUS_GLYPHS = {"new": "N", "suggested": "S", "reviewed": "\u2713", "rejected": "\u2717",
                 "missing": "M", "error": "E"}


def status_glyph(status: str) -> str:
    """The badge sign of ``status`` (✓ reviewed, ✗ rejected, N, S, M, E)."""
    return STATUS_GLYPHS.get(status, status[:1].upper())


def status_color(status: str) -> str:
    """Colour for ``status``; unknown statuses fall back to the ``new`` grey."""
    return STATUS_COLORS.get(status, STATUS_COLORS["new"])


def contrast_text(hex_color: str) -> str:
    """Black or white, whichever reads better on ``hex_color`` ("#rrggbb")."""
    h = hex_color.lstrip("#")
    if len(h) != 6:
        return "#000000"
    try:
        r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#000000"
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return "#000000" if luminance > 150 else "#ffffff"


def next_label_color(used: "set[str] | list[str]") -> str:
    """First palette colour not in ``used`` (case-insensitive); cycles when all are used."""
    taken = {c.lower() for c in used}
    for c in LABEL_PALETTE:
        if c.lower() not in taken:
            return c
    return LABEL_PALETTE[len(taken) % len(LABEL_PALETTE)]


def _is_dark(palette, ground) -> bool:
    return palette.color(ground).lightness() < 128


def muted_color(palette, ground=None) -> str:
    """Secondary text for a ``QPalette`` ("#rrggbb"): its text colour 40% of the way to the
    ``ground`` it is read on (a ``QPalette.ColorRole``: Base, the default, for a field or
    a list; Window for a label on a panel), readable light or dark: TEXT_MUTED is for a
    light ground only (2.3:1 on a dark theme's window); the palette's placeholder-text is
    black at half alpha in a light one (4.0:1 on white)."""
    from PySide6.QtGui import QColor, QPalette

    roles = QPalette.ColorRole
    ground = roles.Base if ground is None else ground
    t = palette.color(roles.Text if ground == roles.Base else roles.WindowText)
    b = palette.color(ground)
    mix = [round(0.6 * x + 0.4 * y) for x, y in ((t.red(), b.red()), (t.green(), b.green()), (t.blue(), b.blue()))]
    return QColor(*mix).name()


#: ERROR_FG and OK_FG as read on a dark ground (#8b1a1a was 1.6:1 on a dark window)
ERROR_FG_ON_DARK = "#ff8080"
OK_FG_ON_DARK = "#5fd38a"


def error_color(palette, ground=None) -> str:
    """ERROR_FG, or a light red when the palette's ``ground`` (Window by default) is dark."""
    from PySide6.QtGui import QPalette

    dark = _is_dark(palette, QPalette.ColorRole.Window if ground is None else ground)
    return ERROR_FG_ON_DARK if dark else ERROR_FG


def ok_color(palette, ground=None) -> str:
    """OK_FG, or a light green when the palette's ``ground`` (Window by default) is dark."""
    from PySide6.QtGui import QPalette

    dark = _is_dark(palette, QPalette.ColorRole.Window if ground is None else ground)
    return OK_FG_ON_DARK if dark else OK_FG
