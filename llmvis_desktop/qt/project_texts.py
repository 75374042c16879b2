"""The project controller's texts and checks: a folder's name as shown, whether a folder
is a whole disk, what an empty grid says, a re-index's summary and the status bar's
counts line. Re-exported by :mod:`.project_controller`."""
from __future__ import annotations

from pathlib import Path

from ..core.store.records import REPAIR_OUTPUTS
from ..core.wording import plural, visible_name
from .style import LABELLED


def folder_name(root: Path) -> str:
    """A folder's name as the title and the job row show it: ``/`` (or ``C:\\``) has none."""
    return root.name or str(root)


def show_image_title(win, rec) -> None:
    """The window's title names the image selected by its path in the project (the same
    names in each patient's or lot's folder): "patient_B/series1/IM0001.dcm — study —
    llmvis"; with none, the project's folder. Left alone while a project is opening."""
    if win.project is None or win.project_ctl.opening_text():
        return
    image = f"{visible_name(rec.relpath)} \u2014 " if rec is not None else ""
    win.setWindowTitle(f"{image}{folder_name(win.project.root)} \u2014 llmvis")


def is_whole_disk(folder) -> bool:
    """``/`` (a drive's root) or the home folder: opening it indexes every image on the disk."""
    root = Path(folder).expanduser().resolve()
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no home folder known
        home = None
    return root == Path(root.anchor) or root == home


def empty_text(root: Path) -> str:
    """What the grid says when a folder holds no image at all (not "a blank grid")."""
    from ..core.imaging.formats import SUPPORTED_EXTENSIONS

    kinds = ", ".join(sorted(e.lstrip(".") for e in SUPPORTED_EXTENSIONS))
    return f"No images in {root}\n\nSupported formats: {kinds}"


def scan_summary(result) -> str:
    """What a re-index found, as the job row and the status bar say it:
    "2 new, 0 changed, 0 missing" (and moved / restored files when there are any, then the
    damaged files and the compressed DICOMs that need a decoder plugin: "1 unreadable, 2
    need a decoder")."""
    parts = [f"{getattr(result, 'added', 0):,} new", f"{getattr(result, 'changed', 0):,} changed",
             f"{getattr(result, 'missing', 0):,} missing{missing_decided_text(result)}"]
    for name, word in (("moved", "moved"), ("restored", "back")):
        if getattr(result, name, 0):
            parts.append(f"{getattr(result, name):,} {word}")
    decoder = getattr(result, "needs_decoder", 0)  # as `llmvis index` and the counts line say it
    if getattr(result, "errors", 0) > decoder:
        parts.append(f"{result.errors - decoder:,} unreadable")
    if decoder:
        parts.append(f"{decoder:,} {'needs' if decoder == 1 else 'need'} a decoder")
    return ", ".join(parts)


def missing_decided_text(result) -> str:
    """" (50 of them reviewed or rejected: kept, under Missing)" when files a person had
    decided vanished: the counts line's "reviewed" drops by them, and nothing said why."""
    n = getattr(result, "missing_decided", 0)
    return f" ({n:,} of them reviewed or rejected: kept, under Missing)" if n else ""


NO_MATCH_TEXT = "No images match the filter \u2014 Esc clears it"
LOADING_TEXT = "Loading images\u2026"  # an opened project's ids on their way


def counts_text(counts: dict, short: bool = False) -> str:
    """"66 images · 1 error · new 65 · ...": the problems (errors, compressed DICOMs that
    need a decoder plugin, missing files) right
    after the total, so that the line, elided at its end when narrow, cuts the plain
    counts first; ``short``: the total and the problems only."""
    total = sum(counts.values())
    parts = [f"{total:,} {plural(total, 'image')}"]
    for k, one, many in (("error", "error", "errors"), ("needs_decoder", "needs a decoder", "need a decoder"),
                         ("missing", "missing", "missing")):
        if counts.get(k):
            parts.append(f"{counts[k]:,} {one if counts[k] == 1 else many}")
    if not short:
        for k in ("new", "suggested", "reviewed", "rejected"):
            # the new (suggested) images labelled with no Enter (the tiles' N+, S+) are
            # counted in "new" ("suggested") and said apart: "new 12 (3 labelled)"
            n, some = counts.get(k, 0) + counts.get(LABELLED.get(k), 0), counts.get(LABELLED.get(k), 0)
            if n:
                parts.append(f"{k} {n:,}" + (f" ({some:,} labelled)" if some else ""))
        n = counts.get(REPAIR_OUTPUTS)  # not reviewed yet, and not work to review: apart from "new"
        if n:  # named first, as the statuses beside it ("new 2 · repair outputs 1": "1 repair output"
            # after "new 2" read as a count of another kind)
            parts.append(f"repair outputs {n:,}")
    return " · ".join(parts)


#: the counts line is kept whole up to this width (px) beside the status bar's other
#: permanent lines; past it (a huge folder with every kind of count) it is cut at its end
COUNTS_WHOLE_PX = 520


def counts_min_width(fm, counts: dict) -> int:
    """The counts label's minimum width: the whole line (to :data:`COUNTS_WHOLE_PX`), so that
    beside it the learned suggester's long readiness line is the one cut (at 1024 px it cut
    the counts to "30 images · s…"); never below the images and their problems."""
    whole = fm.horizontalAdvance(counts_text(counts)) + 8
    short = fm.horizontalAdvance(counts_text(counts, short=True)) + 8
    return max(min(COUNTS_WHOLE_PX, whole), min(260, short))
