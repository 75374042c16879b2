"""A batch job stores its suggestions a batch at a time: the statements of that store are
built once, not again for each batch (building and compiling them cost more than running
them: 91 SQL expression coercions per store of 32 captions, some 3 ms of the job's last
store, which nothing overlaps). Counted, not timed: SQLAlchemy's ``coercions.expect`` is
what every expression built goes through."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy.sql import coercions

from llmvis_desktop.core.store.records import NewSuggestion


@contextmanager
def _counted(monkeypatch):
    calls = [0]
    real = coercions.expect

    def spy(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(coercions, "expect", spy)
    try:
        yield calls
    finally:
        monkeypatch.setattr(coercions, "expect", real)


def _rows(ids, caption: str, score: float):
    out = [NewSuggestion(i, "caption", f"{caption} {i}", "blip-tiny", score, "r1", None, {"k": 1}) for i in ids]
    out += [NewSuggestion(i, "label", name, "clip-tiny", score + k / 10, "r1", "a photo of a {}", {"rank": k})
            for i in ids for k, name in enumerate(("scratch", "dent"))]
    return out


def test_a_batch_store_builds_almost_no_sql_again(project, monkeypatch):
    ids = project.image_ids()
    as_of = datetime.now(timezone.utc) + timedelta(seconds=1)
    # (the first of each kind of store compiles its statements, once per database)
    assert len(project.add_suggestions(_rows(ids, "a", 0.25), supersede=True, labels_as_of=as_of)) == 3 * len(ids)
    assert len(project.add_suggestions(_rows(ids, "b", 0.5), supersede=True, labels_as_of=as_of)) == len(ids)
    for case, stored, renewed in (("new captions (the pending ones withdrawn), the label cards renewed",
                                   len(ids), 2 * len(ids)),
                                  ("the same cards again: all renewed", 0, 3 * len(ids))):
        stats: dict = {}
        with _counted(monkeypatch) as calls:
            got = project.add_suggestions(_rows(ids, "a", 0.25), supersede=True, stats=stats, labels_as_of=as_of)
        assert (len(got), stats.get("renewed", 0)) == (stored, renewed), case
        assert calls[0] <= 30, f"{case}: {calls[0]} SQL expressions built (128 when each statement was built again)"
    for i in ids:  # what the stores did is as it was
        image = project.image(i)
        assert (image.review_status, image.max_score) == ("suggested", 0.35)
        captions = sorted((s.value, s.outcome) for s in project.suggestions(i) if s.kind == "caption")
        assert captions == [(f"a {i}", "pending"), (f"a {i}", "withdrawn"), (f"b {i}", "withdrawn")]
    actions = [e.action for e in project.history(ids[0])]
    assert (actions.count("suggest"), actions.count("withdraw"), actions.count("suggest_revised")) == (5, 2, 4)
