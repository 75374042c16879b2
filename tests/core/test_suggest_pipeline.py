"""The batch job's read -> infer -> commit pipeline, with a stand-in for the model
(the model-backed job is tested in test_suggest_batch.py)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest import pipeline
from llmvis_desktop.core.suggest.pipeline import GroupCommitter, run_batches
from llmvis_desktop.core.suggest.worker import ModelWorker
from llmvis_desktop.core.tasks import Cancelled, CancelToken


@pytest.fixture
def project(tmp_path):
    p = tiny_models.labelled_project(tiny_models.image_folder(tmp_path / "images", 10), ["ok"])
    yield p
    p.close()


@pytest.fixture
def worker():
    w = ModelWorker()
    yield w
    w.shutdown()


_READ = (tiny_models.StandInReader(), (None, 1024, None))


def _rows(recs):
    return [NewSuggestion(r.id, "caption", f"seen {r.relpath}", "stand-in") for r in recs]


def _chunks(project, size):
    ids = project.image_ids(sort="name")
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def test_every_batch_is_read_inferred_and_committed_in_order(project, worker, monkeypatch):
    monkeypatch.setattr(pipeline, "PAGE_BATCHES", 2)
    pages = []
    real_images = project.images
    monkeypatch.setattr(project, "images", lambda ids: pages.append(list(ids)) or real_images(ids))
    threads, seen = set(), []

    def infer(recs, images):
        threads.add(threading.current_thread().name)
        assert images == [r.relpath for r in recs]
        return _rows(recs)

    chunks = _chunks(project, 3)  # 10 images: 3 + 3 + 3 + 1
    # (a quick job: the whole run within one commit interval, made long here; the default
    # 0.5 s from the committer's start was a wall-clock bet a slow runner could lose)
    token = CancelToken()
    committer = run_batches(project, chunks, *_READ, infer, worker, lambda r, rows, f, n: seen.append(
        ([x.id for x in r], len(rows), n)), token, committer=GroupCommitter(project, every=3600, token=token))
    assert [s[0] for s in seen] == chunks and [s[2] for s in seen] == [3, 3, 3, 1]
    assert threads == {"llmvis-models"}  # inference ran on the model thread
    # records: the first batch's alone (its reading starts sooner), then a page (2 batches) per query
    assert [len(p) for p in pages] == [3, 6, 1]
    assert committer.commits == 1  # a quick job: one commit at the end
    stored = tiny_models.all_suggestions(project)
    assert sorted(s.value for s in stored) == sorted(f"seen img{i:03d}.png" for i in range(10))


def test_the_next_batch_waits_on_the_model_thread_while_one_runs(project, worker):
    queued_meanwhile = []

    def infer(recs, images):
        if not queued_meanwhile:  # the first batch: has the second been handed over already?
            deadline = threading.Event()
            for _ in range(200):
                if worker._jobs.qsize() >= 1:
                    break
                deadline.wait(0.01)
            queued_meanwhile.append(worker._jobs.qsize())
        return _rows(recs)

    run_batches(project, _chunks(project, 2), *_READ, infer, worker, lambda *a: None, CancelToken())
    assert queued_meanwhile == [1]


def test_cancel_keeps_what_the_model_finished_and_runs_nothing_after(project, worker):
    token = CancelToken()
    inferred = []

    def infer(recs, images):
        inferred.append(len(recs))
        return _rows(recs)

    def on_batch(recs, rows, failed, n):
        token.cancel()  # after the first batch

    with pytest.raises(Cancelled):
        run_batches(project, _chunks(project, 2), *_READ, infer, worker, on_batch, token)
    # the first batch, and the one already queued to the model thread; never a third
    assert len(inferred) in (1, 2)
    assert len(tiny_models.all_suggestions(project)) == 2 * len(inferred)


def test_a_failed_commit_stops_the_job_with_its_error(project, worker, monkeypatch):
    def full(rows, skip_done=False, **how):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project, "add_suggestions", full)
    with pytest.raises(OSError, match="No space left"):
        run_batches(project, _chunks(project, 4), *_READ, lambda r, i: _rows(r), worker, lambda *a: None,
                    CancelToken())


def test_committer_commits_at_most_every_interval_and_flushes_the_rest(project):
    ids = project.image_ids(sort="name")
    rows = [NewSuggestion(i, "caption", "x", "stand-in") for i in ids]
    eager = GroupCommitter(project, every=0)
    for r in rows[:3]:
        eager.add([r])
        eager._running.result()  # the previous commit is done before the next row comes
    eager.close()
    assert eager.commits == 3
    lazy = GroupCommitter(project, every=3600)
    for r in rows[3:]:
        lazy.add([r])
    assert lazy.commits == 0 and len(tiny_models.all_suggestions(project)) == 3
    lazy.close()
    assert lazy.commits == 1 and len(tiny_models.all_suggestions(project)) == len(rows)


class _PartsReader(tiny_models.StandInReader):
    """Two reader processes' worth: records each read handed to it, and a CPU cost per file."""

    parallel = 2

    def __init__(self) -> None:
        self.submitted: list[list[str]] = []

    def submit(self, paths, *args):
        self.submitted.append([Path(p).name for p in paths])
        fut = super().submit(paths, *args)
        fut.llmvis_cpu = 0.001 * len(paths)
        return fut


def test_the_first_batch_is_read_in_parts_by_every_reader(project, worker):
    reader = _PartsReader()

    def infer(recs, images):
        assert images == [r.relpath for r in recs]  # the parts joined back in order
        return _rows(recs)

    chunks = _chunks(project, 5)  # 10 images: 5 + 5
    run_batches(project, chunks, reader, (None, 1024, None), infer, worker, lambda *a: None, CancelToken())
    # the first batch in two parts (the model waits for it), the second whole
    assert reader.submitted == [["img000.png", "img001.png"], ["img002.png", "img003.png", "img004.png"],
                                [f"img00{i}.png" for i in range(5, 10)]]
    assert len(tiny_models.all_suggestions(project)) == 10


class _SlowAfterFirstReader(tiny_models.StandInReader):
    """Reads the first batch at once; each later batch is read once the batch before it
    has been reported (``release``), or after ``wait_s`` seconds, whichever comes first."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        self.futures: list = []
        self.released_by: list[str] = []  # per later batch: "report" or "timeout"
        self._timers: list[threading.Timer] = []

    def submit(self, paths, *args):
        from concurrent.futures import Future

        fut = Future()
        self.futures.append((fut, [(Path(p).name, None) for p in paths]))
        if len(self.futures) == 1:
            self._finish(0, "now")
        else:
            k = len(self.futures) - 1
            timer = threading.Timer(self.wait_s, self._finish, (k, "timeout"))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        return fut

    def _finish(self, k: int, why: str) -> None:
        fut, got = self.futures[k]
        try:
            fut.set_result(got)
        except Exception:  # already read (released the other way)
            return
        if k:
            self.released_by.append(why)

    def release(self, k: int) -> None:
        if k < len(self.futures):
            self._finish(k, "report")

    def close(self) -> None:
        for t in self._timers:
            t.cancel()


def test_each_batch_is_reported_when_stored_not_after_the_next_read(project, worker):
    """A batch's progress report came only after the next batch had been read (the job's
    thread waited on that read first), so with reading slower than the model the bar
    showed one batch fewer than the model had finished and stored."""

    class StoreEach(GroupCommitter):  # every batch stored as it is handed over
        def add(self, rows):
            super().add(rows)
            self.flush()

    reader = _SlowAfterFirstReader(wait_s=1.5)
    reports: list[tuple[int, int]] = []  # (images reported done, rows in the database then)
    reports_at_model_call: list[int] = []

    def infer(recs, images):
        reports_at_model_call.append(len(reports))
        return _rows(recs)

    def on_batch(recs, rows, failed, n):
        done = (reports[-1][0] if reports else 0) + n
        reports.append((done, len(tiny_models.all_suggestions(project))))
        reader.release(len(reports))  # the next batch's read ends now (or after wait_s)

    chunks = _chunks(project, 3)  # 3 + 3 + 3 + 1
    try:
        run_batches(project, chunks, reader, (None, 1024, None), infer, worker, on_batch, CancelToken(),
                    committer=StoreEach(project, every=0))
    finally:
        reader.close()
    assert reports == [(3, 3), (6, 6), (9, 9), (10, 10)]  # each count = the rows stored
    # every later read ended by the report of the batch before it: that report came while
    # the next batch was still being read, before its model call
    assert reader.released_by == ["report"] * 3
    assert reports_at_model_call == [0, 1, 2, 3]
