"""N, the next unreviewed image of the view (a linked repair's output left out: :data:`QUEUE`),
with the statuses read off the GUI thread;
S, skip, and its line.

:class:`NextUnreviewed` is a mixin of :class:`~.review_controller.ReviewController` (it
uses ``project``, ``model``, ``grid``, ``current``, ``message``, ``error`` and
``_current_row``). N read the ids of every unreviewed image on the GUI thread: on a
team's PostgreSQL 25 ms away each way that froze the window ~300 ms a press (20k
images). The read now runs on its own :class:`~.workers.LatestOnly` thread; an answer
within :data:`NEXT_WAIT_S` (SQLite) moves at once, as before. N pressed again before
the answer steps one more unreviewed image; an answer for a place the reviewer has left
meanwhile (another key moved them) is dropped: their own move stands.

N says where it went, "Next unreviewed: cam1/IMG_0042.png (12 left in this view)" (the one
gone to counted), "Next unreviewed: IMG_0003.png — back at the top of the list (11 left in
this view)" when nothing was left below and it started again from the top (it jumped up
without a word), and when none is left, why: "No unreviewed image left in this view (all
60 reviewed or rejected)", the repaired copies left out named, or "No other unreviewed
image in this view: this one is the last". It moved silently, or said "No unreviewed image
left in this view." with nothing on what the view holds.

S says "Skipped." (the previous action's line, "Marked reviewed.", stayed under the next
image). The line is about that one move: it goes at the next move (Right, J, Left, K,
N, a click), unless another line replaced it meanwhile; it stayed up to 4 s under the
moves that followed, as if they had skipped too.
"""
from __future__ import annotations

import threading
from typing import Optional

from ..core.errors import first_line
from ..core.store.records import ImageFilter
from ..core.wording import plural, visible_name
from .workers import LatestOnly

UNREVIEWED = ("new", "suggested")
#: what N goes to: an unreviewed image, not the output of a linked repair (a repaired copy
#: is its source's, reviewed there; N went to it as a new image after each repair)
QUEUE = ImageFilter(statuses=UNREVIEWED, repair_output=False)
#: the repaired copies N leaves out, read only when nothing else is left (to say so)
LEFT_OUT = ImageFilter(statuses=UNREVIEWED, repair_output=True)

SKIPPED = "Skipped."
#: the sorts that make the grid a review queue: N goes to the top image left, not the next below
QUEUE_SORTS = ("uncertainty", "score")

#: how long N waits for the answer before the window goes on (a local database: 1-20 ms)
NEXT_WAIT_S = 0.03


def none_left_line(n_view: int, here_open: bool, left_out: int) -> str:
    """N's line when it has nowhere to go: the view's ``n_view`` images, the one on screen
    still unreviewed (``here_open``), ``left_out`` unreviewed repaired copies N leaves out."""
    if not n_view:
        return "No image in this view."
    why = []
    if here_open:
        head = "No other unreviewed image in this view: this one is the last"
    else:
        head, done = "No unreviewed image left in this view", n_view - left_out
        if done:
            why.append(f"all {done} reviewed or rejected" if done != 1 else "its one image reviewed or rejected")
    if left_out:
        why.append(f"{left_out} repaired {plural(left_out, 'copy', 'copies')} left out: reviewed with "
                   f"{'its' if left_out == 1 else 'their'} source")
    return head + (f" ({'; '.join(why)})" if why else "") + "."


def next_line(name: str, left: int, wrapped: bool = False) -> str:
    """N's line once it moved: to ``name``, ``left`` unreviewed in the view; ``wrapped``:
    nothing was left below, so it went back up to the top of the list."""
    top = " — back at the top of the list" if wrapped else ""
    return f"Next unreviewed: {name}{top} ({left:,} left in this view)"


class _NextRead:
    """The unreviewed ids, read on the reader's thread for an N pressed on ``start``."""

    def __init__(self, project, start: Optional[int], view: tuple = ()) -> None:
        self.project, self.start, self.presses = project, start, 1
        self.view = view  # the view's ids as N was pressed (what "left" counts)
        self.done = threading.Event()
        self.todo: Optional[set] = None
        self.left_out = 0  # unreviewed repaired copies in the view (read when nothing else is left)
        self.error: Optional[BaseException] = None

    def __call__(self) -> "_NextRead":
        try:
            self.todo = set(self.project.image_ids(QUEUE))
            view = set(self.view)
            if not (self.todo & view) - {self.start}:  # nothing to go to: say why (a second read)
                self.left_out = len(view.intersection(self.project.image_ids(LEFT_OUT)))
        except Exception as exc:
            self.error = exc
        self.done.set()
        return self


class NextUnreviewed:
    _next_req: Optional[_NextRead] = None
    _skipped_up = False  # "Skipped." is the controller's last line

    def _init_next(self) -> None:
        self._next_reader = LatestOnly(self)
        self._next_reader.done.connect(self._next_done)
        self.message.connect(self._said)

    def skip(self) -> None:
        if self.current is not None:  # (N in a queue sort passes it by: see _next_arrived)
            self._passed_by().add(self.current.id)
        self.next()
        self.message.emit(SKIPPED)

    def _passed_by(self) -> set:
        """The ids skipped with S in this project (N in a queue sort leaves them for last)."""
        if getattr(self, "_passed_project", None) is not self.project:
            self._passed_project, self._passed = self.project, set()
        return self._passed

    def _said(self, text: str) -> None:
        self._skipped_up = text == SKIPPED

    def _skip_moved(self) -> None:
        """The selection moved: a "Skipped." still up goes (cleared: an empty line)."""
        if self._skipped_up:
            self.message.emit("")

    def next_unreviewed(self) -> None:
        if self.project is None:
            return
        start = self.current.id if self.current is not None else None
        req = self._next_req
        if req is not None and req.project is self.project and req.start == start:
            req.presses += 1  # pressed again before the answer: one more step
            return
        req = self._next_req = _NextRead(self.project, start, tuple(self.model.ids))
        self._next_reader.submit(req)
        if req.done.wait(NEXT_WAIT_S):
            self._next_arrived(req)

    def _next_done(self, req, error) -> None:
        if error is None and req is self._next_req:
            self._next_arrived(req)

    def _next_arrived(self, req: _NextRead) -> None:
        self._next_req = None
        here = self.current.id if self.current is not None else None
        if req.project is not self.project or here != req.start:
            return  # the reviewer moved meanwhile (or the project closed): their move stands
        if req.error is not None:
            self.error.emit(f"Next unreviewed: the database could not be read ({first_line(req.error, 200)}). "
                            "Nothing moved; press N again.")
            return
        ids, now = self.model.ids, self._current_row()
        start = now + 1
        if getattr(self.model, "sort", "name") in QUEUE_SORTS:
            # a review queue: the least sure image left, from the top (a retrain sorts the grid
            # again and leaves the image on screen lower down, new unsure ones above it: N went
            # on below it); those skipped with S come after the others. N leaves the image on
            # screen undecided, so it passes it by as S does: N N N went 0, 1, 0, 1 (the top one
            # left was the one just left), never further down the queue
            start, passed = 0, self._passed_by()
            if 0 <= now < len(ids) and ids[now] in req.todo:
                passed.add(ids[now])
            rows = [r for r in range(len(ids)) if r != now and ids[r] in req.todo]
            rows = [r for r in rows if ids[r] not in passed] + [r for r in rows if ids[r] in passed]
        else:
            rows = [r for r in (*range(start, len(ids)), *range(0, start)) if r != now and ids[r] in req.todo]
        if not rows:
            self.message.emit(none_left_line(len(ids), now >= 0 and ids[now] in req.todo, req.left_out))
            return
        row = rows[(req.presses - 1) % len(rows)]
        self.grid.select_row(row)
        cur = self.current
        if cur is not None:
            left = sum(1 for i in ids if i in req.todo)
            # its path in the project, as the tiles and the title name it (every folder of a line
            # camera's dump holds an img_573.png: the name alone did not say which)
            self.message.emit(next_line(visible_name(cur.relpath), left, wrapped=row < start))

    def stop_next_reads(self) -> None:
        """Drop an N under way and stop its thread (the window closes)."""
        self._next_req = None
        self._next_reader.shutdown()
