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
#: the badge of a "new" image that carries labels or a caption: its cards accepted one by
#: one (or label keys pressed) with no Enter or R. Its review status is new (a card decides
#: a suggestion, Enter or R the image), but a plain N read as "nobody has touched it"
NEW_LABELLED = "new_labelled"
STATUS_GLYPHS[NEW_LABELLED] = "N+"
#: the same for a "suggested" one ("S+": one card of two accepted, or a label key pressed,
#: its other cards still pending): new and suggested are one review status told apart by
#: pending cards, so the "+" says the same on both (an N+ image given a card turns S+)
SUGGESTED_LABELLED = "suggested_labelled"
STATUS_GLYPHS[SUGGESTED_LABELLED] = "S+"
#: the labelled badge of each unreviewed status
LABELLED = {"new": NEW_LABELLED, "suggested": SUGGESTED_LABELLED}
#: the tile's tooltip says it in words
NEW_LABELLED_WORDS = "new: labelled, not marked reviewed yet (Enter or R marks it)"
LABELLED_WORDS = {NEW_LABELLED: NEW_LABELLED_WORDS,
                  SUGGESTED_LABELLED: "suggested: labelled, cards still pending, not marked reviewed yet"}


def badge_status(status: str, labels, caption) -> str:
    """The status a tile's badge shows: :data:`NEW_LABELLED` (:data:`SUGGESTED_LABELLED`)
    for a new (suggested) image with labels or a caption, else ``status``."""
    return LABELLED.get(status, status) if labels or caption else status


def badge_of(rec) -> str:
    """The status badge of image record ``rec`` (:func:`badge_status`)."""
    return badge_status(rec.status, rec.labels, getattr(rec, "caption", None))


def unlabelled(badge: str) -> str:
    """The status a badge (:func:`badge_status`) stands for: "new" for N+, else ``badge``."""
    return {v: k for k, v in LABELLED.items()}.get(badge, badge)


#: an image with a linked repair ("R", top right) and an unreviewed repaired copy (its status
#: badge, top left: REPAIR_COPY_GLYPH, not "N": N skips it): one purple for both, white on it
REPAIR_BADGE = "#7a4fd0"
REPAIR_COPY_GLYPH = "copy"


def status_glyph(status: str) -> str:
    """The badge sign of ``status`` (✓ reviewed, ✗ rejected, N, S, M, E)."""
    return STATUS_GLYPHS.get(status, status[:1].upper())


def status_color(status: str) -> str:
    """Colour for ``status`` (N+ and S+ as N and S); unknown statuses fall back to the ``new`` grey."""
    return STATUS_COLORS.get(unlabelled(status), STATUS_COLORS["new"])


def _rgb(hex_color: str) -> "tuple[int, int, int] | None":
    h = hex_color.lstrip("#")
    if len(h) != 6:
        return None
    try:
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        return None


def luminance(rgb) -> float:
    """WCAG relative luminance of (r, g, b): 0 black, 1 white."""
    def c(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b)


def contrast_ratio(a, b) -> float:
    """WCAG contrast ratio of two (r, g, b): 1 (same) to 21 (black on white)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def contrast_text(hex_color: str) -> str:
    """Black or white text on ``hex_color`` ("#rrggbb"), by its luminance: white while
    white reads (4.5:1, WCAG AA), else whichever reads better. (Chosen by a brightness
    sum, white was put on the label palette's green at 2.7:1, its magenta 3.3:1.)"""
    rgb = _rgb(hex_color)
    if rgb is None:
        return "#000000"
    white = contrast_ratio(rgb, (255, 255, 255))
    if white >= 4.5 or white >= contrast_ratio(rgb, (0, 0, 0)):
        return "#ffffff"
    return "#000000"


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



def note_color(palette) -> str:
    """Secondary text on a panel or a tab page (a dialog's note under a table, a plot's
    axis title): the muted colour on the window, taken on until it stands 4.5:1 from both
    the window and the midlight tone (a tab page is painted between them: #434343 in a
    #353535 window). The palette's placeholder-text was 3.8-4.0:1 there, light or dark."""
    from PySide6.QtGui import QPalette

    roles = QPalette.ColorRole
    color = muted_color(palette, roles.Window)
    for ground in (roles.Window, roles.Midlight, roles.Base):
        color = legible(color, palette.color(ground).name(), 4.5)
    return color


def legible(color: str, ground: str, ratio: float, opacity: float = 1.0) -> str:
    """``color`` ("#rrggbb"), darkened on a light ``ground`` (lightened on a dark one)
    until, painted at ``opacity`` over ``ground``, it stands ``ratio`` to 1 from it (the
    done job's green ✓, faded with its line to 65%, was 2.05:1 on the light row)."""
    from PySide6.QtGui import QColor

    c, g = _rgb(color), _rgb(ground)
    if c is None or g is None:
        return color
    target = (0, 0, 0) if luminance(g) > 0.18 else (255, 255, 255)
    for step in range(21):
        t = step / 20
        mix = [round(x + (y - x) * t) for x, y in zip(c, target)]
        seen = [round(opacity * x + (1 - opacity) * y) for x, y in zip(mix, g)]
        if contrast_ratio(seen, g) >= ratio:
            break
    return QColor(*mix).name()


#: the suggestion blue as read on a dark ground (#2f6fdb was 3.3:1 on a dark card)
ACCENT_ON_DARK = "#79a8ff"


#: the inner margin (px) of a side panel's empty message ("No suggestions for this image
#: yet.", "No history for this image yet."): the panels' messages sit alike
EMPTY_NOTE_MARGIN = 10


def empty_note(label) -> None:
    """Make ``label`` a side panel's empty message as every panel shows it: at the top left
    of the room it takes (all of the panel's free room), wrapped, inset
    :data:`EMPTY_NOTE_MARGIN`; its colours: :func:`empty_note_sheet`."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QSizePolicy

    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setContentsMargins(*(EMPTY_NOTE_MARGIN,) * 4)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)


def empty_note_sheet(dock: "DockColors") -> str:
    """The style sheet of a side panel's empty message: muted text in a dashed box."""
    return f"color: {dock.muted}; background: {dock.quiet}; border: 1px dashed {dock.border}; border-radius: 4px;"


class DockColors:
    """The colours of the review docks' own grounds (label chips, caption box, suggestion
    cards, history) for a ``QPalette``: the light theme's constants as they always were
    (white, PANEL_BG, TEXT...) when its base is light; from the palette when it is dark
    (white islands with near-black text beside a dark window)."""

    def __init__(self, palette) -> None:
        from PySide6.QtGui import QPalette

        roles = QPalette.ColorRole
        self.dark = _is_dark(palette, roles.Base)
        if not self.dark:
            self.ground, self.quiet, self.text, self.muted = "#ffffff", PANEL_BG, TEXT, TEXT_MUTED
            self.border, self.track, self.accent = BORDER, "#eef1f4", ACCENT
            # the Accept button's text and an accepted card's outcome: the reviewed green
            # darkened to 4.5:1 on a decided card's ground (#2e9d4f was 3.47:1 on white)
            self.ok = legible(STATUS_COLORS["reviewed"], PANEL_BG, 4.5)
            self.bad = STATUS_COLORS["rejected"]
            self.window_muted = TEXT_MUTED
            return
        self.ground = palette.color(roles.Base).name()
        self.quiet = palette.color(roles.AlternateBase).name()  # a decided card, a read-only box
        self.text = palette.color(roles.Text).name()
        self.muted = muted_color(palette)
        self.border = palette.color(roles.Mid).name()
        self.track = palette.color(roles.Mid).name()
        self.accent, self.ok, self.bad = ACCENT_ON_DARK, OK_FG_ON_DARK, ERROR_FG_ON_DARK
        self.window_muted = muted_color(palette, roles.Window)  # text on the dock itself

    def hover(self, color: str) -> str:
        """A chip's ground under the pointer: its colour, faint on the ground."""
        from PySide6.QtGui import QColor

        c = QColor(color)
        if not c.isValid():
            return "#eeeeee" if not self.dark else self.quiet
        if not self.dark:
            return c.lighter(185).name()
        g = QColor(self.ground)
        return QColor(*(round(0.25 * a + 0.75 * b) for a, b in
                        ((c.red(), g.red()), (c.green(), g.green()), (c.blue(), g.blue())))).name()


#: a dark theme's error and notice grounds (the light ones, ERROR_BG and NOTE_BG, were
#: light islands in a dark window): a dark red and a dark amber, the palette's text on them
ERROR_BG_ON_DARK = "#3b2424"
NOTE_BG_ON_DARK = "#3d3520"
#: the grid's tile before its thumbnail comes (the light one, #e4e6ea, flashed in a dark grid)
PLACEHOLDER_BG = "#e4e6ea"
TILE_ERROR_BG = "#fbe3e1"


class NoticeColors:
    """The grounds and text of an error panel, a notice and an unreadable image's grid tile
    for a ``QPalette``: the light theme's constants as they always were when its base is
    light; dark grounds with the palette's text (and a light red) when it is dark."""

    def __init__(self, palette) -> None:
        from PySide6.QtGui import QPalette

        roles = QPalette.ColorRole
        self.dark = _is_dark(palette, roles.Base)
        if not self.dark:
            self.error_bg, self.error_fg, self.text, self.muted = ERROR_BG, ERROR_FG, TEXT, TEXT_MUTED
            self.note_bg, self.placeholder, self.tile_error_bg = NOTE_BG, PLACEHOLDER_BG, TILE_ERROR_BG
            return
        self.error_bg, self.error_fg = ERROR_BG_ON_DARK, ERROR_FG_ON_DARK
        self.text = palette.color(roles.Text).name()
        self.muted = _mixed(self.text, ERROR_BG_ON_DARK)
        self.note_bg = NOTE_BG_ON_DARK
        self.placeholder = palette.color(roles.AlternateBase).name()
        self.tile_error_bg = ERROR_BG_ON_DARK


def _mixed(text: str, ground: str, share: float = 0.6) -> str:
    """``text`` ``share`` of the way from ``ground`` (a muted text on that ground)."""
    t, g = _rgb(text), _rgb(ground)
    if t is None or g is None:
        return text
    return "#%02x%02x%02x" % tuple(round(share * a + (1 - share) * b) for a, b in zip(t, g))
