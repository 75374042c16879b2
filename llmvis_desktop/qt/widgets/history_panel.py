"""HistoryPanel: an image's append-only audit trail, newest first.

Public API
----------
``HistoryPanel(parent=None)``

Methods
    ``set_events(events: list[EventRecord], suggestions_by_id: dict[int, SuggestionRecord] | None = None)``
        show the events (any order; shown newest first). ``suggestions_by_id`` lets a
        human decision on a suggestion name the model that proposed it.
    ``clear()``; ``set_pending()`` (another image is chosen, its events follow)
    ``entries() -> list[dict]``  every event, newest first: keys ``who``, ``when``,
        ``what``, ``full`` (``what`` with nothing cut), ``model`` (bool: model-proposed), ``id`` (the event id: the order,
        newest first, is the database's, never the writers' clocks).
    Only the newest ``SHOWN`` events are rendered at first (laying out a long trail as
    rich text took ~8 ms per 50 events on every image change); a link at the end shows
    the rest. An entry whose text is cut (a caption past 70 characters) has a "full
    text" link that shows it whole.

Module functions (pure, usable by the CLI or tooltips)
    ``describe_event(ev: EventRecord) -> str``   e.g. ``"labels: +scratch −ok"``,
        ``"caption: 'a' → 'b'"``, ``"status: new → reviewed"``, ``"undo: labels: +dent"``,
        ``"suggested caption 'a crack' (score 0.87)"``.
    ``format_when(at: datetime) -> str``   local time with its zone, "YYYY-MM-DD HH:MM:SS CET"
        (or "... UTC+05:30"; naive datetimes are taken as UTC, as the store writes them).
    ``is_model_event(ev) -> bool``  actor starts with ``model:`` or the event carries a suggestion id.

No signals: the panel is read-only.
"""
from __future__ import annotations

import html
import re
from contextvars import ContextVar
from typing import Optional

from PySide6.QtCore import QSize, QUrl, Signal
from PySide6.QtWidgets import QApplication, QLabel, QTextBrowser, QVBoxLayout, QWidget

from llmvis_desktop.core.store.records import EventRecord
from llmvis_desktop.core.when import format_when, zone_label  # noqa: F401 - (re-exported: history_file_events)
from llmvis_desktop.core.wording import model_short_name

from .. import style
from .history_file_events import describe_file
from .history_repair_events import describe_repair

MINUS = "\u2212"
ARROW = "\u2192"
_MAX_TEXT = 70
#: the longest quoted value in a description; None while ``describe_event(full=True)`` runs
_LIMIT: ContextVar[Optional[int]] = ContextVar("history_text_limit", default=_MAX_TEXT)


def _unbroken(when: str, narrow: bool = False) -> str:
    """``when`` as HTML that a narrow panel wraps before its "·", never inside it: a
    model's long name left "2026-12-01" at the end of one line, "01:47:18 UTC" on the next.
    ``narrow``: the panel is narrower than the whole time, which Qt then cut anywhere
    ("13:52:0" / "3 UTC"): it may wrap at its first space, between date and clock."""
    date, sep, clock = when.partition(" ")
    if narrow and sep:
        return f"{html.escape(date)} {html.escape(clock).replace(' ', '&nbsp;')}"
    return html.escape(when).replace(" ", "&nbsp;")


class _Browser(QTextBrowser):
    """The panel's text, saying when its width changed (the time's wrapping follows it)."""

    resized = Signal()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.resized.emit()


def _short(value) -> str:
    if value is None or value == "":
        return "(empty)"
    limit = _LIMIT.get()
    if limit is None:  # the whole text: its line breaks kept (a blank line between paragraphs too)
        lines = [" ".join(line.split()) for line in str(value).splitlines()]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    else:  # one line
        text = " ".join(str(value).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return f"'{text}'"


#: {label name: taxonomy position} the label changes are listed by (the grid's order; a
#: name not in it, removed since, after the others, by name)
_ORDER: ContextVar[dict] = ContextVar("history_label_order", default={})


def _labels_diff(before, after) -> str:
    b = set(before or [])
    a = set(after or [])
    order = _ORDER.get()

    def key(name):
        return (order.get(name, len(order)), name)

    added = sorted(a - b, key=key)
    removed = sorted(b - a, key=key)
    parts = [f"+{n}" for n in added] + [f"{MINUS}{n}" for n in removed]
    return " ".join(parts) if parts else "(unchanged)"


#: label-list events written for the taxonomy rather than by a reviewer's own edit
_LABEL_EVENTS = {"label_renamed": "label renamed", "label_removed": "label removed from the taxonomy"}


def _describe_field(field: str, before, after) -> Optional[str]:
    if field == "labels":
        return f"labels: {_labels_diff(before, after)}"
    if field in _LABEL_EVENTS:
        return f"labels ({_LABEL_EVENTS[field]}): {_labels_diff(before, after)}"
    if field == "caption":
        return f"caption: {_short(before)} {ARROW} {_short(after)}"
    if field == "status":
        return f"status: {before or 'new'} {ARROW} {after}"
    return None


def _score(value) -> str:
    try:
        return f" (score {float(value):.2f})"
    except (TypeError, ValueError):
        return ""


def _file_name(path) -> str:
    return str(path).replace("\\", "/").rsplit("/", 1)[-1] if path else "?"


def _value(value) -> str:
    """An event value of a kind this panel has no sentence for: a dict as "key: value"
    pairs (it was shown as a raw Python dict), anything else quoted and shortened."""
    if isinstance(value, dict):
        text = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items() if v not in (None, "", [], {}))
        return _short(text or None)
    if isinstance(value, (list, tuple)):
        return _short(", ".join(str(v) for v in value) or None)
    return _short(value)


def _revised(before: dict, after: dict) -> str:
    """What a renewed pending card changed: revision and score, as shown before and after."""
    parts = []
    if before.get("revision") != after.get("revision"):
        parts.append(f"revision {before.get('revision') or '?'} {ARROW} {after.get('revision') or '?'}")
    if before.get("score") != after.get("score"):
        old, new = (_score(v).strip(" ()").removeprefix("score ") for v in (before.get("score"), after.get("score")))
        parts.append(f"score {old or 'none'} {ARROW} {new or 'none'}")
    return "suggestion renewed" + (f": {', '.join(parts)}" if parts else " (same revision and score)")


def _describe_other(base: str, before, after) -> Optional[str]:
    """Repairs, moves, imports, renewed cards and files, whose values are dicts or paths."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    if base == "suggest_revised":
        return _revised(b, a)
    if base == "suggestion_renamed":
        return f"suggested label renamed: {_short(before)} {ARROW} {_short(after)}"
    if base == "suggestion_label_removed":
        return f"suggested label removed: {_short(before)}"
    text = describe_file(base, before, after)  # (the index's events on the file)
    if text is not None:
        return text
    text = describe_repair(base, b, a)  # (on the original, and derived on its repair output)
    if text is not None:
        return text
    if base == "move":
        return f"moved: {_short(before)} {ARROW} {_short(after)}"
    if base == "import":
        parts = [f"reviewer {a['reviewer']}" if a.get("reviewer") else "",
                 f"reviewed {a['time']}" if a.get("time") else ""]
        detail = ", ".join(p for p in parts if p)
        return "imported annotations" + (f" ({detail})" if detail else "")
    return None


def describe_event(ev: EventRecord, suggestion=None, full: bool = False) -> str:
    """One human-readable line for an event (``suggestion``: the record of the card it is
    about, when known: an undone or redone decision names the card). Quoted values
    (captions, notes) are cut at 70 characters, unless ``full``."""
    token = _LIMIT.set(None if full else _MAX_TEXT)
    try:
        return _describe(ev, suggestion)
    finally:
        _LIMIT.reset(token)


def _describe(ev: EventRecord, suggestion=None) -> str:
    action = ev.action or ""
    prefix, _, base = action.rpartition(":")
    if base == "suggestion" and suggestion is not None:  # undo/redo of a card's outcome
        line = (f"{suggestion.kind} suggestion {_short(suggestion.value)}: "
                f"{ev.before or '?'} {ARROW} {ev.after or '?'}")
        return f"{prefix}: {line}" if prefix else line
    text = _describe_field(base, ev.before, ev.after)
    if text is not None:
        return f"{prefix}: {text}" if prefix else text
    if base == "suggest":
        after = ev.after if isinstance(ev.after, dict) else {}
        kind = after.get("kind", "value")
        return f"suggested {kind} {_short(after.get('value'))}{_score(after.get('score'))}"
    if base == "reject_suggestion":
        return f"rejected suggestion {_short(ev.before)}"
    if base == "accept_suggestion":
        return f"accepted suggestion {_short(ev.after)}"
    if base == "edit_suggestion":  # accepted with another value (the one already typed, or an edit)
        return f"edited suggestion {_short(ev.before)} {ARROW} {_short(ev.after)}"
    if base == "note":
        return f"note: {_short(ev.after)}"
    if base == "withdraw":  # a retrained suggester replaced the card, or its label was removed
        before = ev.before if isinstance(ev.before, dict) else {}
        why = f" ({ev.after})" if isinstance(ev.after, str) else " (replaced by a newer revision)"
        return f"withdrew {before.get('kind', 'suggestion')} {_short(before.get('value'))}{why}"
    text = _describe_other(base, ev.before, ev.after)
    if text is not None:
        return f"{prefix}: {text}" if prefix else text
    line = f"{base or 'change'}: {_value(ev.before)} {ARROW} {_value(ev.after)}"
    return f"{prefix}: {line}" if prefix else line


def is_model_event(ev: EventRecord) -> bool:
    return str(ev.actor).startswith("model:") or ev.suggestion_id is not None


def _sort_key(ev: EventRecord):
    """The database's order (the event id), the order :func:`replay` rebuilds the
    annotation in: each event's time is its writer's clock, and two reviewers' machines
    (offline, no NTP) disagree by minutes, so by time a later change showed below the
    one it replaced."""
    return ev.id


def _provenance(suggestion, ev=None) -> str:
    """ " @ rev · prompt '...'" of a suggestion: which revision of the model, asked what.
    With a model's event: the revision and prompt the event recorded (a retrain renews a
    card in place: the row's are those of its latest revision)."""
    revision, prompt = suggestion.model_revision, suggestion.prompt
    shown = ev.after if ev is not None and isinstance(ev.after, dict) else {}
    if "revision" in shown:
        revision, prompt = shown.get("revision"), shown.get("prompt", prompt)
    text = f" @ {revision}" if revision else ""
    if prompt:
        text += f" \u00b7 prompt {_short(prompt)}"
    return text


SHOWN = 20  # events rendered before "show all"
#: the panel's least height: about one event. It was 170 (three events), a hard floor
#: that with the other docks' held a 1024x768 window 44 px taller than the screen; then
#: 96, which at 960x540 (1920x1080 at 200%) left the suggestion card's buttons below
#: its scroll
MIN_HEIGHT = 60
#: the height it asks for, given when the docks are first laid out: about three events
#: (in a 1280x800 window the dock was squeezed to one event and a half beside labels,
#: caption and suggestions)
PREFERRED_HEIGHT = 170


class HistoryPanel(QWidget):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._entries: list[dict] = []
        self._rows: list[tuple] = []  # what a row's HTML is made of
        self._full: set[int] = set()  # events shown with their whole text ("full text")
        self._limit: Optional[int] = SHOWN
        self.browser = _Browser()
        self.browser.setOpenLinks(False)
        self.browser.resized.connect(self._follow_width)
        self.browser.anchorClicked.connect(self._on_link)
        self.browser.highlighted.connect(self._on_hover)  # a model's whole path over its name
        self.placeholder = QLabel("No history for this image yet.")
        # wrapped (on one line it held the docks, and the window, wide), at the top of the
        # panel as the Suggestions panel's message (it sat centred, half way down)
        style.empty_note(self.placeholder)
        self.follow_palette()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)  # inset as the Labels and Suggestions docks
        lay.addWidget(self.placeholder)
        lay.addWidget(self.browser, 1)
        self.setMinimumHeight(MIN_HEIGHT)
        self.clear()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), PREFERRED_HEIGHT))

    def follow_palette(self) -> None:
        """Its colours from the palette now (built, or the OS switched light/dark: the trail
        shown is laid out again in them)."""
        # the palette's ground and text in a dark theme (a white page beside a dark window)
        self._dock = dock = style.DockColors(self.palette())
        self.browser.setStyleSheet(f"QTextBrowser {{ background: {dock.ground}; border: 1px solid {dock.border}; }}")
        self.placeholder.setStyleSheet(style.empty_note_sheet(dock))
        if self._rows:
            bar = self.browser.verticalScrollBar()
            at = bar.value()
            self._render(self._limit)
            bar.setValue(at)

    def clear(self, text: str = "No history for this image yet.") -> None:
        self._given = None
        self._entries = []
        self._rows = []
        self._full = set()
        self.browser.clear()
        self.browser.hide()
        self.placeholder.setText(text)
        self.placeholder.show()

    def set_pending(self) -> None:
        """Another image was chosen; its history is on its way."""
        self.clear("Loading history\u2026")

    def entries(self) -> list[dict]:
        return list(self._entries)

    _order: dict = {}

    def set_label_order(self, names: list[str]) -> None:
        """The taxonomy's labels in their order (the grid's): the label changes of the
        events shown next are listed in it (they were listed by name)."""
        self._order = {n: k for k, n in enumerate(names)}

    _given: Optional[tuple] = None  # (events, cards, label order, dock colours) laid out

    def set_events(self, events: list[EventRecord], suggestions_by_id: Optional[dict] = None) -> None:
        """Lay out ``events``; the same trail as on screen, with the same cards, label
        order and colours, is left as it is (a job's end read it again unchanged: a
        second setHtml of the whole trail on the GUI thread)."""
        given = (list(events), dict(suggestions_by_id or {}), self._order, self._dock.text)
        if self._rows and given == self._given:
            return
        self._given = given
        token = _ORDER.set(self._order)
        try:
            self._set_events(events, suggestions_by_id)
        finally:
            _ORDER.reset(token)

    def _set_events(self, events: list[EventRecord], suggestions_by_id: Optional[dict] = None) -> None:
        suggestions_by_id = suggestions_by_id or {}
        ordered = sorted(events, key=_sort_key, reverse=True)
        self._entries = []
        rows = []
        for ev in ordered:
            model = is_model_event(ev)
            suggestion = suggestions_by_id.get(ev.suggestion_id)
            what = describe_event(ev, suggestion)
            # a caption cut at 70 characters could not be read whole anywhere in the GUI
            full = describe_event(ev, suggestion, full=True)
            who = str(ev.actor)
            when = format_when(ev.at)
            self._entries.append({"id": ev.id, "who": who, "when": when, "what": what, "full": full,
                                  "model": model})
            rows.append((ev, who, when, what, full, model, suggestion))
        if not rows:
            self.clear()
            return
        self._rows = rows
        self._full = set()
        self._render(SHOWN)
        self.placeholder.hide()
        self.browser.show()

    def shown_count(self) -> int:
        """How many events are rendered (the rest wait for "show all")."""
        return self._shown

    _shown = 0
    _narrow = False  # the rows were laid out narrower than an event's whole time

    def _too_narrow(self) -> bool:
        """The text is narrower than the widest time shown ("· " and it, in a row's padding)."""
        if not self._rows:
            return False
        fm = self.browser.fontMetrics()
        need = max(fm.horizontalAdvance(f"\u00b7 {row[2]}") for row in self._rows) + 2 * 5 + 2 * 4 + 4
        return self.browser.viewport().width() < need

    def _follow_width(self) -> None:
        if self._rows and self._too_narrow() != self._narrow:
            bar = self.browser.verticalScrollBar()
            at = bar.value()
            self._render(self._limit)
            bar.setValue(at)

    def _render(self, limit: Optional[int]) -> None:
        self._limit = limit
        self._narrow = narrow = self._too_narrow()
        rows = [self._row_html(*row, expanded=row[0].id in self._full, dock=self._dock, narrow=narrow)
                for row in (self._rows if limit is None else self._rows[:limit])]
        self._shown = len(rows)
        more = ""
        if len(rows) < len(self._rows):
            more = (f"<p><a href='history:all'>Show all {len(self._rows)} events "
                    f"({len(self._rows) - len(rows)} older)</a></p>")
        self.browser.setHtml(
            f"<html><body style='color:{self._dock.text};'>"
            "<table width='100%' cellspacing='0' cellpadding='5'>" + "".join(rows) + "</table>"
            + more + "</body></html>"
        )

    def _on_hover(self, url: QUrl) -> None:
        kind, _, ident = url.toString().partition(":")[2].partition(":")
        full = ""
        if kind == "model" and ident.lstrip("-").isdigit():
            full = next((str(ev.actor)[len("model:"):] for ev, *_ in self._rows if ev.id == int(ident)), "")
        self.browser.setToolTip(full)

    def _on_link(self, url: QUrl) -> None:
        link = url.toString()
        if link == "history:all":
            self._render(None)
            return
        kind, _, ident = link.partition(":")[2].partition(":")
        if kind in ("full", "less") and ident.lstrip("-").isdigit():
            (self._full.add if kind == "full" else self._full.discard)(int(ident))
            bar = self.browser.verticalScrollBar()
            at = bar.value()
            self._render(self._limit)
            bar.setValue(at)  # (the row opens in place)

    @staticmethod
    def _row_html(ev, who, when, what, full, model, suggestion, expanded: bool = False, dock=None,
                  narrow: bool = False) -> str:
        d = dock if dock is not None else style.DockColors(QApplication.palette())
        link = ""
        if full != what:
            href, text = (f"history:less:{ev.id}", "less") if expanded else (f"history:full:{ev.id}", "full text")
            link = f" <a href='{href}' style='font-size:small;'>{text}</a>"
            what = full if expanded else what
        badge = ""
        if model:
            if str(ev.actor).startswith("model:"):
                tag = "MODEL"
            else:
                tag = "FROM SUGGESTION"
            badge = (f"<span style='background:{style.MODEL_BADGE}; color:white; font-size:small;"
                     f" font-weight:bold;'>&nbsp;{tag}&nbsp;</span>&nbsp;")
        via = ""
        if suggestion is not None:
            if str(ev.actor).startswith("model:"):  # the model is named above: its revision, prompt
                text = _provenance(suggestion, ev)
                line = text.strip(" @\u00b7")
                line = f"revision {line}" if text.startswith(" @ ") else line
            else:
                line = f"proposed by {model_short_name(suggestion.model_id)}{_provenance(suggestion)}{_score(suggestion.score)}"
            via = (f"<br><span style='color:{d.muted}; font-size:small;'>"
                   f"{html.escape(line)}</span>") if line else ""
        who_html = html.escape(who)
        if model and str(ev.actor).startswith("model:"):
            # the badge says MODEL: the name as its suggestion card gives it ("MODEL model:x" said it twice)
            # a local model by its folder's name, its whole path the tooltip over it
            name = who[len('model:'):]
            short = model_short_name(name)
            who_html = f"<span style='color:{d.accent};'>{html.escape(short)}</span>"
            if short != name:
                who_html = (f"<a href='history:model:{ev.id}' style='color:{d.accent}; "
                            f"text-decoration:none;'>{html.escape(short)}</a>")
        return (
            f"<tr><td style='border-bottom:1px solid {d.border};'>"
            f"{badge}<b>{who_html}</b> <span style='color:{d.muted};'>&middot;&nbsp;{_unbroken(when, narrow)}</span><br>"
            f"{html.escape(what).replace(chr(10), '<br>')}{link}{via}</td></tr>"
        )
