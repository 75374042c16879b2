"""The grid's sort and filter, kept per reviewer and project across restarts.

A reviewer works through a queue ("Suggested", sorted by "Uncertainty (review queue)")
over days: reopened, the project came back as All images / Name, only the place in the
grid kept. The filter bar's choices are now saved with the reviewer's place (the setting
``view:<reviewer>``, written by :class:`~.review_position.ReviewPosition` on its thread
as soon as they change, and only then) and put back before the open's first grid query
(the grid is queried once). Only what differs from All images / Name is stored; a part that cannot be
put back (a label since removed, a damaged setting) is left out and said.
"""
from __future__ import annotations

import logging
from typing import Optional

from .filter_bar import ANY_LABEL, KIND_ROLE, ONE_LABEL, SORT_CHOICES, STATUS_CHOICES, UNLABELED

log = logging.getLogger(__name__)


def view_key(reviewer: str) -> str:
    return f"view:{reviewer}"


def view_state(bar) -> dict:
    """The filter bar's choices as a setting: only the parts not at their default."""
    state: dict = {}
    statuses = list(bar.status.currentData() or ())
    if statuses:
        state["statuses"] = statuses
    kind = bar.label.currentData(KIND_ROLE)
    if kind == ONE_LABEL:
        state["label"] = bar.label.currentData()
    elif kind == UNLABELED:
        state["unlabeled"] = True
    if bar.folder.currentData():
        state["folder"] = bar.folder.currentData()
    if bar.caption.currentData() is not None:
        state["caption"] = bar.caption.currentData()
    if bar.repair.isChecked():
        state["repair"] = True
    if bar.text.text().strip():
        state["text"] = bar.text.text()
    if (bar.sort.currentData() or "name") != "name":
        state["sort"] = bar.sort.currentData()
    if bar.desc.isChecked():
        state["descending"] = True
    return state


def restore_view(bar, state) -> list[str]:
    """Put ``state`` (a :func:`view_state`, as read back) on the filter bar without its
    ``changed`` signal; the bar's labels must be filled first. Returns what could not be
    put back, in words (a label since removed, an unknown status or sort)."""
    if not state:
        return []
    if not isinstance(state, dict):
        log.warning("the saved sort and filter is not an object: %r", state)
        return ["the saved sort and filter (unreadable)"]
    left_out: list[str] = []
    with bar.held():
        statuses = state.get("statuses") or []
        if statuses:
            i = bar.status.findData(tuple(statuses))
            if i < 0:  # (tuples stored as JSON lists: compared as tuples)
                i = next((j for j, (_t, s) in enumerate(STATUS_CHOICES) if list(s) == list(statuses)), -1)
            if i >= 0:
                bar.status.setCurrentIndex(i)
            else:
                left_out.append(f"the status filter {statuses!r}")
        if state.get("label"):
            name = state["label"]
            i = next((j for j in range(bar.label.count()) if bar.label.itemData(j, KIND_ROLE) == ONE_LABEL
                      and bar.label.itemData(j) == name), -1)
            if i >= 0:
                bar.label.setCurrentIndex(i)
            else:
                left_out.append(f"the label \u201c{name}\u201d (no longer in the project)")
        elif state.get("unlabeled"):
            i = next((j for j in range(bar.label.count()) if bar.label.itemData(j, KIND_ROLE) == UNLABELED), 0)
            bar.label.setCurrentIndex(i)
        folder = state.get("folder")
        if folder:  # the bar's folders must be filled first, as its labels
            i = bar.folder.findData(folder) if isinstance(folder, str) else -1
            if i > 0:
                bar.folder.setCurrentIndex(i)
            else:
                left_out.append(f"the folder \u201c{folder}/\u201d (no longer in the project)")
        caption = state.get("caption")
        if caption is not None:
            i = bar.caption.findData(caption) if isinstance(caption, bool) else -1
            if i > 0:
                bar.caption.setCurrentIndex(i)
            else:
                left_out.append(f"the caption filter {caption!r}")
        bar.repair.setChecked(bool(state.get("repair")))
        text = state.get("text")
        if isinstance(text, str) and text.strip():
            bar.text.setText(text)
        sort = state.get("sort")
        if sort:
            i = bar.sort.findData(sort)
            if i >= 0:
                bar.sort.setCurrentIndex(i)
            else:
                left_out.append(f"the sort {sort!r}")
        bar.desc.setChecked(bool(state.get("descending")))
    return left_out


def describe(bar, sort: bool = True) -> str:
    """The sort and filter applied, in words ("Suggested · sorted by Uncertainty (review
    queue)"); "" at All images / Name. ``sort`` False: the filter alone ("Suggested")."""
    parts = []
    if bar.status.currentIndex() > 0:
        parts.append(bar.status.currentText())
    kind = bar.label.currentData(KIND_ROLE)
    if kind == ONE_LABEL:
        parts.append(f"label \u201c{bar.label.currentText()}\u201d")
    elif kind not in (None, ANY_LABEL):
        parts.append(bar.label.currentText().lower())
    if bar.folder.currentData():
        parts.append(f"folder \u201c{bar.folder.currentData()}/\u201d")
    if bar.caption.currentData() is not None:
        parts.append(bar.caption.currentText().lower())
    if bar.repair.isChecked():
        parts.append("has repair")
    if bar.text.text().strip():
        parts.append(f"search \u201c{bar.text.text().strip()}\u201d")
    by = bar.sort.currentData() or "name"
    if sort and (by != "name" or bar.desc.isChecked()):
        name = dict((k, t) for t, k in SORT_CHOICES).get(by, by)
        parts.append(f"sorted by {name}" + (", descending" if bar.desc.isChecked() else ""))
    return " \u00b7 ".join(parts)


def restored_text(described: str, left_out: list[str]) -> Optional[str]:
    """The status bar's line after a reopen put the sort and filter back (None: nothing to say)."""
    text = f"Kept from last time: {described}" if described else ""
    if left_out:
        text += ("; " if text else "") + "not put back: " + ", ".join(left_out)
    return text or None


def no_match_text(described: str) -> str:
    """The empty grid's line when the filter kept from last time matches nothing now
    (``described``: the filter alone, :func:`describe` with ``sort`` False)."""
    return f"No images match the filter kept from last time ({described}) \u2014 Esc shows all images"
