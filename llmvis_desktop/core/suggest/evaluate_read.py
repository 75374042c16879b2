"""The suggestion rows :func:`.evaluate.evaluate` reads, and those it only counts.

A suggest job run again withdraws its pending cards and adds new ones, and the history
is append-only: a project's rows grow with every run (2,000 images with 100 past cards
each are 206k rows), most of them withdrawn cards. A withdrawn or pending caption or
answer, a withdrawn or pending label card of an image nobody reviewed, and a withdrawn
label card of a reviewed one that no rule reads (:func:`_withdrawn_unread`: most of a
reviewed image's re-runs), counts only in tallies (``suggestions``, ``withdrawn``, each model's and revision's outcome counts,
the pending answers, and the time of a revision's first card): the label figures read
only reviewed or rejected images, an image's review time (a learned card renewed after
it), decided cards and label names no longer in the taxonomy. Those rows are counted in
the database (:meth:`Reader.tallies`); the others are read one by one as :class:`Card`
objects, as the rules need them, ordered by image and taken a few images at a time
(:mod:`.evaluate_stream`).
"""
from __future__ import annotations

from collections import Counter
from datetime import timezone

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from ..store import models as m
from ..store.convert import dumps
from ..store.repo_labels import CARD_LABEL_REMOVED, CARD_RENAMED
from ..store.repo_suggest import _for_current_content
from .evaluate_repairs import kept


class Card:
    """One suggestion row as the evaluation reads it (``value``: its label's name now,
    ``value_given``: the name the model gave; ``live``, ``kept``, ``overruled``: set by
    the rules)."""

    __slots__ = ("id", "image_id", "kind", "value", "score", "model_id", "model_revision", "prompt", "outcome",
                 "final_value", "decided_at", "created_at", "current", "caption_now", "review_status",
                 "value_given", "overruled", "live", "kept")

    def __init__(self, row, renamed: dict):
        (self.id, self.image_id, self.kind, value, self.score, self.model_id, self.model_revision, self.prompt,
         self.outcome, self.final_value, self.decided_at, self.created_at, self.current, self.caption_now,
         self.review_status) = row
        # a decided label suggestion keeps the name the model gave: compared under the
        # label's name now, or none (None) when its label was removed since
        self.value = renamed[self.id] if self.id in renamed else value
        self.value_given = value
        self.overruled = False
        # times in UTC once (SQLite gives them naive: the rules' _utc then costs nothing)
        at = self.created_at
        if at is not None and at.tzinfo is None:
            self.created_at = at.replace(tzinfo=timezone.utc)
        at = self.decided_at
        if at is not None and at.tzinfo is None:
            self.decided_at = at.replace(tzinfo=timezone.utc)


def _first_review():
    """SQL: (image_id, at, n) of each image marked reviewed: the first time (:func:`._reviewed_at`),
    and how many times."""
    ev = m.Event
    return (select(ev.image_id.label("image_id"), func.min(ev.at).label("at"), func.count().label("n"))
            .where(or_(ev.action == "status", ev.action.like("%:status")), ev.after == dumps(m.STATUS_REVIEWED),
                   ev.image_id.is_not(None))
            .group_by(ev.image_id).subquery("first_review"))


def _only_counted(taxonomy: set[str], first_review):
    """SQL: a row that counts only in the tallies: an answer (counted apart, kept, dropped
    or pending, in no other figure); a withdrawn or pending caption (only decided ones are
    compared); a label card on an image neither reviewed nor rejected and never marked
    reviewed (a learned card renewed after a review is read as it was then: its revision
    and time), withdrawn, or pending or decided and of a label in the taxonomy under the
    name it was given (no rename or removal event: ``outside_taxonomy`` counts the
    others; a decided one counts in its day's tally, accepted or not); or a withdrawn
    label card, whatever its image, that no rule reads (:func:`_withdrawn_unread`). 1 or
    0 (never NULL: the rows read are exactly the others). ``first_review``:
    :func:`_first_review`, outer-joined."""
    sg, ev = m.Suggestion, m.Event
    named_since = select(ev.suggestion_id).where(ev.action.in_((CARD_RENAMED, CARD_LABEL_REMOVED)),
                                                 ev.suggestion_id.is_not(None))
    only = or_(
        sg.kind == "answer",
        and_(sg.outcome.in_(("withdrawn", "pending")), sg.kind != "label"),
        and_(sg.kind == "label", m.Image.review_status.not_in((m.STATUS_REVIEWED, m.STATUS_REJECTED)),
             first_review.c.n.is_(None),  # never marked reviewed (the outer join found no event)
             or_(sg.outcome == "withdrawn", and_(sg.value.in_(sorted(taxonomy)), sg.id.not_in(named_since)))),
        _withdrawn_unread(first_review))
    return case((only, 1), else_=0)


def _withdrawn_unread(first_review):
    """SQL: a withdrawn label card no rule reads, on any image (a reviewed one's history of
    re-runs is mostly these): not withdrawn by its label's removal (``live``: counted as
    outside the taxonomy); not the learned suggester's made, or withdrawn, at or after its
    image was first marked reviewed (a guess the reviewer judged, withdrawn after the
    review, is scored; one renewed after the review is read as it was: both need its row);
    and no recorded run of its model and revision on the image (a card withdrawn since
    says that run was no "no": :func:`._silent`). Each test keeps a row that might count:
    the rows read are a superset of those the rules use."""
    from .evaluate_rows import REMOVED_WHY
    from .learned import MODEL_PREFIX

    sg, ev, run = m.Suggestion, m.Event, m.SuggestRun
    removed = select(ev.suggestion_id).where(ev.action == "withdraw", ev.after == dumps(REMOVED_WHY),
                                             ev.suggestion_id.is_not(None))
    seen = first_review.c.at
    judged = or_(~sg.model_id.startswith(MODEL_PREFIX, autoescape=True), seen.is_(None),
                 and_(sg.created_at < seen, or_(sg.decided_at.is_(None), sg.decided_at < seen)))
    ran = select(run.id).where(run.image_id == sg.image_id, run.model_id == sg.model_id, or_(
        run.model_revision == sg.model_revision, and_(run.model_revision.is_(None), sg.model_revision.is_(None))))
    return and_(sg.outcome == "withdrawn", sg.kind == "label", sg.id.not_in(removed), judged, ~ran.exists())


class Reader:
    """The rows read one by one (:meth:`cards`), then the others' tallies (:meth:`tallies`).
    ``reviewed_at``: {image id: its first review, UTC} (:func:`._reviewed_at`)."""

    def __init__(self, s, taxonomy: set[str], renamed: dict, reviewed_at: dict, skip=None):
        self.s, self.renamed, self.reviewed_at = s, renamed, reviewed_at
        self.first_review = _first_review()
        self.only = _only_counted(taxonomy, self.first_review)
        # the images left out (the outputs of linked repairs: .evaluate_repairs), or None
        self.kept = kept(m.Suggestion.image_id, skip)
        # the rows read, by tally group and decision day; the times of the learned cards
        # made after their image's review, by group (:func:`_exact_firsts`)
        self.read_n: Counter = Counter()
        self.firsts: dict[tuple, set] = {}

    def cards(self):
        """The rows read one by one, as :class:`Card`, ordered by image (then oldest first):
        streamed (neither the driver's rows nor the cards are held here). Nothing else may
        be read in the session until they are all taken."""
        from .evaluate_stream import DECIDED
        from .learned import MODEL_PREFIX

        sg = m.Suggestion
        stmt = select(
            sg.id, sg.image_id, sg.kind, sg.value, sg.score, sg.model_id, sg.model_revision, sg.prompt, sg.outcome,
            sg.final_value, sg.decided_at, sg.created_at, _for_current_content().label("current"),
            m.Image.caption.label("caption_now"), m.Image.review_status,
        ).join(m.Image, m.Image.id == sg.image_id).outerjoin(self.first_review,
                                                             self.first_review.c.image_id == sg.image_id)
        for r in self.s.execute(stmt.where(self.only == 0, self.kept).order_by(sg.image_id, sg.id)
                                .execution_options(yield_per=1000)):
            c = Card(r, self.renamed)
            self.read_n[(c.model_id, c.model_revision, c.kind, c.outcome,
                         _day(c.decided_at) if c.kind == "label" and c.outcome in DECIDED else None)] += 1
            seen = self.reviewed_at.get(c.image_id)
            if (c.kind == "label" and c.model_id.startswith(MODEL_PREFIX) and seen is not None
                    and c.created_at >= seen):
                self.firsts.setdefault((c.model_id, c.model_revision, c.kind, c.outcome), set()).add(c.created_at)
            yield c

    def tallies(self) -> tuple[list, dict]:
        """(the tallies of the rows not read one by one: (model_id, model_revision, kind,
        outcome, count, first created_at); {(model id, UTC day): [decided, accepted]} of the
        decided label cards among them (all accepted as they are: none is on a rejected
        image)), once :meth:`cards` are all taken.

        The tallies are those of every row, counted in one pass over the table (no join),
        less the rows read (counted as read): their first time is that of every row of
        theirs, which the rows read share with them, but for a learned card made after its
        image's review (renewed by a retrain: the rules read it under its revision and time
        before that; :func:`._renewed_after_review`): where one is its group's first, the
        group's first of the rows only counted is read again (rare)."""
        from .evaluate_stream import DECIDED

        s, sg = self.s, m.Suggestion
        groups: dict[tuple, list] = {}
        days: dict[tuple, list[int]] = {}
        decided_day = case((and_(sg.kind == "label", sg.outcome.in_(DECIDED)), _sql_day(s, sg.decided_at)),
                           else_=None)
        for model_id, rev, kind, outcome, day, n, first in s.execute(
                select(sg.model_id, sg.model_revision, sg.kind, sg.outcome, decided_day, func.count(),
                       func.min(sg.created_at))
                .where(self.kept)
                .group_by(sg.model_id, sg.model_revision, sg.kind, sg.outcome, decided_day)):
            n -= self.read_n.get((model_id, rev, kind, outcome, day), 0)
            if n <= 0:
                continue
            g = groups.setdefault((model_id, rev, kind, outcome), [model_id, rev, kind, outcome, 0, first])
            g[4] += n
            if first is not None and (g[5] is None or first < g[5]):
                g[5] = first
            if day is not None:
                d = days.setdefault((model_id, day), [0, 0])
                d[0] += n
                d[1] += n if outcome == "accepted" else 0
        tallies = list(groups.values())
        _exact_firsts(s, tallies, self.firsts, self.only, self.first_review, self.kept)
        return [tuple(t) for t in tallies], days


def runs_read(s, skip=None) -> list:
    """Of the recorded runs (``suggest_runs``) for the current content of the images
    reviewed or rejected (the only ones scored), those the rules read, oldest first
    (id, image_id, model_id, model_revision, ran_at): per model and image its newest run
    (its revision there: :func:`.evaluate_revisions.image_revisions`), its newest not made
    by the learned suggester at or after the image was first marked reviewed
    (:func:`._silent`), and one made last by ``ran_at`` (:func:`._known_truth`): at most
    three, however many times it ran there, chosen in one grouped query (``skip``: images
    left out, :func:`.evaluate_repairs.outputs`). Each rule gives
    the same over these as over all the runs (which were read into a list: 62,500 rows,
    36 MiB, on 2,000 images with 25 revisions)."""
    from ..store.repo_runs import _current
    from .learned import MODEL_PREFIX

    r, first_review = m.SuggestRun, _first_review()
    after = and_(r.model_id.startswith(MODEL_PREFIX, autoescape=True), first_review.c.at.is_not(None),
                 r.ran_at >= first_review.c.at)
    groups = (select(func.max(r.id).label("newest"), func.max(case((after, None), else_=r.id)).label("judged"),
                     func.max(r.ran_at).label("latest_at"), r.model_id, r.image_id)
              .join(m.Image, m.Image.id == r.image_id)
              .outerjoin(first_review, first_review.c.image_id == r.image_id)
              .where(_current(), m.Image.review_status.in_((m.STATUS_REVIEWED, m.STATUS_REJECTED)),
                     kept(r.image_id, skip))
              .group_by(r.model_id, r.image_id).subquery("groups"))
    cols = (r.id, r.image_id, r.model_id, r.model_revision, r.ran_at)
    rows = {x.id: x for x in s.execute(select(*cols).join(groups, or_(r.id == groups.c.newest,
                                                                          r.id == groups.c.judged)))}
    # a run made later than the newest one (a clock set back): the latest by time too
    newest = aliased(m.SuggestRun)
    late = (select(*cols).join(groups, and_(r.model_id == groups.c.model_id, r.image_id == groups.c.image_id,
                                            r.ran_at == groups.c.latest_at))
            .join(newest, newest.id == groups.c.newest).where(newest.ran_at < groups.c.latest_at))
    for x in s.execute(late):
        rows.setdefault(x.id, x)
    return [rows[i] for i in sorted(rows)]


def learned_on_reviewed(s, skip=None):
    """(id, image_id, kind, model_id, created_at) of the learned suggester's label cards
    made at or after their image was first marked reviewed: those
    :func:`._renewed_after_review` looks among, read before the cards are streamed (the
    same test as :func:`_withdrawn_unread`'s: they are among the rows read)."""
    from .learned import MODEL_PREFIX

    sg, first_review = m.Suggestion, _first_review()
    return s.execute(select(sg.id, sg.image_id, sg.kind, sg.model_id, sg.created_at)
                     .join(first_review, first_review.c.image_id == sg.image_id)
                     .where(sg.kind == "label", sg.model_id.startswith(MODEL_PREFIX, autoescape=True),
                            sg.created_at >= first_review.c.at, kept(sg.image_id, skip))).all()


def decided_on_rejected(s, skip=None) -> dict[int, int]:
    """{card id: image id} of the label cards accepted or edited on images now rejected
    (:func:`._already_on` reads which of them left the labels as they were)."""
    sg = m.Suggestion
    return dict(s.execute(select(sg.id, sg.image_id).join(m.Image, m.Image.id == sg.image_id).where(
        sg.kind == "label", m.Image.review_status == m.STATUS_REJECTED,
        sg.outcome.in_(("accepted", "edited")), kept(sg.image_id, skip))).all())


def _day(at) -> str | None:
    """A decision's UTC day (ISO), as :func:`.evaluate.evaluate` counts it."""
    return None if at is None else at.astimezone(timezone.utc).date().isoformat()


def _sql_day(s, column):
    """SQL: :func:`_day` of a time column: PostgreSQL's as UTC; SQLite's as stored (naive,
    read as UTC), its first ten characters."""
    if s.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def _exact_firsts(s, tallies: list, firsts: dict, only, first_review, keep=True) -> None:
    """Each tally's first time over the rows only counted, where a card read that the rules
    may take back to its time before a renewal (a learned card made after its image's
    review: ``firsts``, {group: their times}) is its group's first (:meth:`Reader.tallies`)."""
    sg = m.Suggestion
    for t in tallies:
        if t[5] is None or _aware(t[5]) not in firsts.get(tuple(t[:4]), ()):
            continue
        rev = sg.model_revision.is_(None) if t[1] is None else sg.model_revision == t[1]
        t[5] = s.execute(select(func.min(sg.created_at)).join(m.Image, m.Image.id == sg.image_id)
                         .outerjoin(first_review, first_review.c.image_id == sg.image_id)
                         .where(only == 1, keep, sg.model_id == t[0], rev, sg.kind == t[2], sg.outcome == t[3])).scalar()


def _aware(at):
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
