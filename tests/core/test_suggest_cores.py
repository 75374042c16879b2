"""Sharing the CPU cores between reading images and a model on the CPU (core/suggest/cores.py)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.suggest.cores import CoreShare, plan
from llmvis_desktop.core.suggest.pipeline import run_batches
from llmvis_desktop.core.suggest.worker import ModelWorker
from llmvis_desktop.core.tasks import CancelToken


def test_cheap_reading_leaves_the_model_its_threads():
    # a model taking 300 ms a batch, reading 14 ms of CPU: torch keeps both cores
    assert plan(cores=2, model_threads=2, readers=2, read_cpu_s=0.014, infer_s=0.3) == (2, 1)
    assert plan(cores=16, model_threads=15, readers=4, read_cpu_s=0.01, infer_s=0.5) == (15, 1)


def test_reading_as_costly_as_the_model_gets_a_core():
    # 2 cores, reading a batch costs what inferring it takes: one core each
    assert plan(cores=2, model_threads=2, readers=2, read_cpu_s=0.015, infer_s=0.016) == (1, 1)
    # a quarter of a core is still a core taken from torch, whose other threads would wait on it
    assert plan(cores=2, model_threads=2, readers=2, read_cpu_s=0.004, infer_s=0.016) == (1, 1)
    # 16 cores, reading needs 3 of them: torch gets the other 13, three batches read at once
    assert plan(cores=16, model_threads=16, readers=4, read_cpu_s=0.3, infer_s=0.1) == (13, 3)


def test_the_plan_never_gives_torch_more_than_it_had_nor_readers_more_than_exist():
    assert plan(cores=8, model_threads=3, readers=2, read_cpu_s=0.0, infer_s=1.0) == (3, 1)
    # reading is the bottleneck whatever torch gets: every reader works, torch keeps one thread
    assert plan(cores=2, model_threads=2, readers=2, read_cpu_s=0.5, infer_s=0.01) == (1, 2)
    assert plan(cores=2, model_threads=2, readers=1, read_cpu_s=0.5, infer_s=0.01) == (1, 1)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


#: the fake date of _run_share's jobs (seconds since the epoch): a trial's outcome keeps it
DAY0 = 1.8e9


def _run_share(paces: dict[int, float], batches: int = 10, memory=None, infer=None, cores: int = 2,
               read: float = 0.015, date: float = DAY0) -> tuple[CoreShare, list[int], int]:
    """A job of ``batches`` on a thread of its own (torch's thread count is per thread),
    where a batch takes ``paces[threads]`` seconds from the previous one, on a machine of
    ``cores`` cores where torch starts with one thread a core, on the ``date``: (share,
    threads each batch ran on, threads after restore)."""
    import torch

    clock = _Clock()
    share = CoreShare(cores=cores, readers=min(cores, 4), clock=clock, memory=memory, key="blip",
                      wall=lambda: date)
    seen, out = [], {}
    infer = infer or {}  # the model's own seconds per batch on each thread count (default: 0.016)

    def job():
        torch.set_num_threads(cores)
        share.read_done(read)  # by default reading a batch costs about what inferring it does
        for _ in range(batches):
            share.apply()
            seen.append(torch.get_num_threads())
            clock.now += paces[torch.get_num_threads()]
            share.infer_done(infer.get(torch.get_num_threads(), 0.016))
        share.restore()
        out["after"] = torch.get_num_threads()

    t = threading.Thread(target=job)
    t.start()
    t.join()
    return share, seen, out["after"]


def test_fewer_torch_threads_are_kept_when_the_job_goes_faster():
    import torch

    before = torch.get_num_threads()
    share, seen, after = _run_share({2: 0.020, 1: 0.015})
    # batches 2-4 time 2 threads (the first, from the job's start, is not timed), 5-7 one
    # thread, then 1 stays
    assert seen == [2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
    assert share.decided and share.tried == pytest.approx({2: 0.020, 1: 0.015})
    assert share.summary() == {"model_threads": 1, "reads_at_once": 1, "tried": {"2": 0.02, "1": 0.015},
                               "tried_infer": {"2": 0.016, "1": 0.016}}
    assert share.reads_at_once == 1 and after == 2
    assert torch.get_num_threads() == before  # the test's own thread never changed


def test_torch_keeps_its_threads_when_fewer_are_slower():
    share, seen, after = _run_share({2: 0.020, 1: 0.0212}, infer={2: 0.016, 1: 0.017})  # 6% slower on one
    assert seen == [2, 2, 2, 2, 1, 1, 1, 2, 2, 2] and share.decided and after == 2
    # reading costs what the model's batch does, but the model is far slower on one thread
    share, seen, _ = _run_share({2: 0.30, 1: 0.40}, infer={2: 0.016, 1: 0.021})
    assert seen == [2, 2, 2, 2, 1, 1, 1, 2, 2, 2] and share.changes[-1] == (2, 1)


def test_at_about_the_same_pace_fewer_threads_are_kept():
    # within 5% (timing noise; a tiny model runs as fast on one thread): the freed core
    # goes to reading and the rest of the machine
    share, seen, _ = _run_share({2: 0.020, 1: 0.0209})
    assert seen == [2, 2, 2, 2, 1, 1, 1, 1, 1, 1] and share.decided
    # the job's pace 10% slower on one thread, the model's own time not: the pace was noise
    # (a model as fast cannot slow the job by leaving a core to reading)
    share, seen, _ = _run_share({2: 0.020, 1: 0.022}, infer={2: 0.016, 1: 0.016})
    assert seen == [2, 2, 2, 2, 1, 1, 1, 1, 1, 1]


def test_on_many_cores_the_trial_halves_the_threads_down_to_one():
    # 16 cores, reading needs 2 of them: the plan's 14, then 7, 3 and 1 are each timed;
    # a tiny model is fastest on one thread here
    paces = {16: 0.005, 14: 0.004, 7: 0.003, 3: 0.002, 1: 0.0015}
    share, seen, after = _run_share(paces, batches=19, cores=16, read=0.008, infer=paces)
    assert seen == [16] * 4 + [14] * 3 + [7] * 3 + [3] * 3 + [1] * 6 and after == 16
    assert share.decided and share.tried == pytest.approx(paces)
    assert share.summary()["model_threads"] == 1


def test_a_slower_step_near_torchs_own_threads_does_not_end_the_trial():
    # as seen on 16 cores: 15 threads timed 13% slower than 16 (noise, or a reader beside
    # them), yet 3 threads ran the job at two thirds of 16's time
    paces = {16: 0.0015, 15: 0.0017, 7: 0.0012, 3: 0.0010, 1: 0.0014}
    share, seen, _ = _run_share(paces, batches=18, cores=16, read=0.0012, infer=paces)
    assert seen == [16] * 4 + [15] * 3 + [7] * 3 + [3] * 3 + [1] * 3 + [3] * 2


def test_the_trial_stops_going_down_at_a_step_far_slower_than_the_fastest():
    # a larger model: 7 threads are 60% slower than 14, so 14 stay and 3 is not tried
    paces = {16: 0.10, 14: 0.10, 7: 0.16}
    share, seen, _ = _run_share(paces, batches=12, cores=16, read=0.16, infer=paces)
    assert seen == [16] * 4 + [14] * 3 + [7] * 3 + [14] * 2
    assert set(share.tried) == {16, 14, 7}


def test_a_much_slower_pace_is_not_noise_even_when_the_model_is_as_fast():
    # as seen on 16 cores: one thread inferred as fast as three, but paced the job 37% slower
    paces = {16: 0.010, 14: 0.0080, 7: 0.0080, 3: 0.0080, 1: 0.0110}
    infer = {16: 0.010, 14: 0.0080, 7: 0.0080, 3: 0.0080, 1: 0.0080}
    share, seen, _ = _run_share(paces, batches=18, cores=16, read=0.016, infer=infer)
    assert seen == [16] * 4 + [14] * 3 + [7] * 3 + [3] * 3 + [1] * 3 + [3] * 2


def test_a_later_job_with_the_same_models_starts_with_the_trials_outcome():
    memory = {}
    first, seen, _ = _run_share({2: 0.020, 1: 0.015}, memory=memory)
    assert seen == [2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
    assert memory == {("blip", 2, 1): 1, ("blip", "costs"): (0.015, 0.016),
                      # what the trial timed, and when: later jobs check the outcome against it
                      # (the model's own times too; no second look: it kept the fewest threads)
                      ("blip", "trial", 2, 1): {"tried": pytest.approx({2: 0.020, 1: 0.015}),
                                                "infer": pytest.approx({2: 0.016, 1: 0.016}), "at": DAY0,
                                                "look": None}}
    # a 4-batch job: on one thread from its first batch (the costs are known), no trial of its own
    second, seen, after = _run_share({2: 0.020, 1: 0.015}, batches=4, memory=memory)
    assert seen == [1, 1, 1, 1] and second.remembered and second.tried == {} and after == 2
    assert second.summary() == {"model_threads": 1, "reads_at_once": 1, "remembered": True}
    # where the trial kept torch's threads, the next job gives one thread a second look
    # (see test_a_right_rejection_is_confirmed_once_and_never_looked_at_again), later jobs
    # keep two threads at once
    memory = {}
    slower = {2: 0.016, 1: 0.021}  # the model's own time, also slower on one thread
    _run_share({2: 0.30, 1: 0.40}, memory=memory, infer=slower)
    assert memory[("blip", 2, 1)] == 2
    _, seen, _ = _run_share({2: 0.30, 1: 0.40}, batches=4, memory=memory, infer=slower)
    assert seen == [1, 1, 1, 1]
    _, seen, _ = _run_share({2: 0.30, 1: 0.40}, batches=4, memory=memory, infer=slower)
    assert seen == [2, 2, 2, 2]


def test_jobs_too_short_for_a_trial_finish_it_together():
    memory = {}
    # 4 batches: the last three time torch's own threads (a job's first is not timed)
    first, seen, _ = _run_share({2: 0.020, 1: 0.015}, batches=4, memory=memory)
    assert seen == [2, 2, 2, 2] and not first.decided
    second, seen, _ = _run_share({2: 0.020, 1: 0.015}, batches=4, memory=memory)
    assert seen == [1, 1, 1, 1]  # its last three batches end the trial
    assert second.decided and second.tried == pytest.approx({2: 0.020, 1: 0.015}) and not second.remembered
    third, seen, _ = _run_share({2: 0.020, 1: 0.015}, batches=4, memory=memory)
    assert seen == [1, 1, 1, 1] and third.remembered
    assert ("blip", "paces", 2) not in memory  # the trial's timings go once it is decided


def test_the_trial_compares_seconds_per_image_across_batch_sizes():
    clock = _Clock()
    memory = {}

    def job(images: int, per_image: float, threads: int, batches: int) -> CoreShare:
        share = CoreShare(cores=2, readers=2, clock=clock, memory=memory, key="blip")
        share._base, share._proposal = 2, 1  # as apply() and the plan set them
        share.read_done(0.015 * images, images)
        for _ in range(batches):
            share._applied = threads
            clock.now += per_image * images
            share.infer_done(0.016 * images, images)
        return share

    job(8, 0.002, threads=2, batches=5)  # 8 images a batch on torch's threads
    share = job(2, 0.0015, threads=1, batches=5)  # 2 a batch on one: faster per image
    assert share.decided and share.tried == pytest.approx({2: 0.002, 1: 0.0015})
    assert memory[("blip", 2, 1)] == 1


def test_a_smaller_last_batch_is_not_timed():
    clock = _Clock()
    share = CoreShare(cores=2, readers=2, clock=clock)
    share._base, share._applied = 2, 2
    for images in (8, 8, 8, 8, 3):  # (the first is not timed either: it runs from the job's start)
        clock.now += 0.002 * 8  # the last batch: a whole batch's time for 3 images
        share.infer_done(0.016, images)
    assert share._paces() == {2: [(0.002, 0.002)] * 3}  # (pace, the model's time) per image


def test_nothing_is_tried_when_reading_is_cheap():
    clock = _Clock()
    share = CoreShare(cores=2, readers=2, clock=clock)
    share._base = 2  # as apply() finds it on the model thread
    share.read_done(0.001)
    for _ in range(6):
        share._applied = 2
        clock.now += 0.3
        share.infer_done(0.3)
    assert share.planned and not share.decided and share.changes == [(2, 1)]


class _CountingReader(tiny_models.StandInReader):
    """Stands in for the reader processes: reads on a pool of helpers that never runs out,
    reports a CPU cost per batch as the real ones do, and records how many batches were
    out to be read (sent, their answer not taken yet) at once."""

    parallel = 2

    def __init__(self, cpu_s: float) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.cpu_s = cpu_s
        self.reading = 0
        self.most: list[int] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(8)

    def _read(self, paths):
        return [(Path(p).name, None) for p in paths]

    def submit(self, paths, *args):
        # counted from when the pipeline sends a read until it takes its answer: what it lets
        # be read at once, whatever the threads' timing (a read's sleep gave it 20 ms to
        # overlap the next one; under load they need not have, and any plan passed)
        with self._lock:
            self.reading += 1
            self.most.append(self.reading)
        return self._pool.submit(self._read, list(paths))

    def result(self, fut, paths, *args):
        fut.llmvis_cpu = self.cpu_s
        try:
            return fut.result()
        finally:
            with self._lock:
                self.reading -= 1


def test_pipeline_reads_no_more_at_once_than_the_plan_allows(tmp_path):
    import torch

    project = tiny_models.labelled_project(tiny_models.image_folder(tmp_path / "images", 22), ["ok"])
    worker = ModelWorker()
    try:
        base = worker.call(lambda: (torch.set_num_threads(2), torch.get_num_threads())[1])
        reader = _CountingReader(cpu_s=0.05)  # reading costs far more than this model's batch
        memory = {}
        share = CoreShare(cores=2, readers=2, memory=memory, key="stand-in")
        threads_seen = []

        def infer(recs, images):
            threads_seen.append(torch.get_num_threads())
            return [NewSuggestion(r.id, "caption", "x", "stand-in") for r in recs]

        ids = project.image_ids(sort="name")
        # 22 batches: the trial takes 7 (the first is not timed), and up to 12 more when its
        # batches disagree (see test_mixed_batches_are_timed_again_before_more_threads_are_kept)
        chunks = [[i] for i in ids]
        run_batches(project, chunks, reader, (None, 1024, None), infer, worker, lambda *a: None,
                    CancelToken(), share)
        after = worker.call(torch.get_num_threads)
        # a later job with the same models: two reads at once from its first batch
        first_most, reader.most = reader.most, []
        later = CoreShare(cores=2, readers=2, memory=memory, key="stand-in")
        run_batches(project, chunks[:3], reader, (None, 1024, None), infer, worker, lambda *a: None,
                    CancelToken(), later)
    finally:
        worker.shutdown()
        project.close()
    assert base == 2 and share.reads_at_once == 2
    assert first_most[0] == 1 and max(first_most) <= 2  # one read until measured, then the plan's two
    # torch's own threads, then the trial of one, then whichever made the job go faster
    assert share.decided and set(share.tried) == {1, 2}
    # the rule of cores.CoreShare: fewer threads stay unless both the job's pace and the
    # model's own time were over 5% slower on them (pace alone predicted it wrongly under load),
    # in the medians and in the fastest batches alike; whichever it was, the job kept it
    kept = share.summary()["model_threads"]
    assert threads_seen[:7] == [2, 2, 2, 2, 1, 1, 1] and threads_seen[19:22] == [kept] * 3
    assert after == 2  # and torch got its threads back when the job ended
    assert reader.most[:2] == [1, 2] and later.remembered
    if later.looked:  # the trial kept more threads than the fewest it tried (under load): the
        # later job's batches are a second look at the fewest (cores.CoreShare, htrial3)
        assert kept > min(share.tried) and later.looked["threads"] == min(share.tried)
        assert threads_seen[22:] == [later.looked["threads"]] * 3
    else:
        assert threads_seen[22:] == [kept] * 3


@pytest.fixture(scope="module")
def blip(tmp_path_factory):
    return inspect_folder(tiny_models.session_models(tmp_path_factory)["blip"])


def test_cpu_job_restores_torch_threads_and_reports_the_share(blip, tmp_path):
    import torch

    project = tiny_models.labelled_project(tiny_models.image_folder(tmp_path / "images", 12), ["ok"])
    worker = ModelWorker()
    try:
        worker.call(torch.set_num_threads, 2)
        rep = run_suggest(project, blip, None, batch=2, worker=worker, max_new_tokens=3, device="cpu",
                          read_processes=0)
        after = worker.call(torch.get_num_threads)
    finally:
        worker.shutdown()
        project.close()
    assert rep.images == 12 and after == 2
    # the plan is the measured one: whatever it is, torch never got more than it had
    assert {"model_threads", "reads_at_once"} <= set(rep.cores) <= {"model_threads", "reads_at_once", "tried", "tried_infer"}
    assert 1 <= rep.cores["model_threads"] <= 2 and rep.as_dict()["cores"] == rep.cores


def _run_jobs(sample, jobs: int, batches: int = 4, setup: float = 0.0, memory=None) -> list[list[int]]:
    """``jobs`` jobs of ``batches`` batches each, with one memory (a session), on a thread of
    their own: ``sample(job, batch, threads)`` -> (the model's seconds, the model thread's
    idle seconds before it) of a batch; ``setup``: seconds from a job's start to its first
    batch's start. Returns the threads each job's batches ran on."""
    import torch

    memory = {} if memory is None else memory
    clock, seen = _Clock(), []

    def run():
        torch.set_num_threads(2)
        for j in range(jobs):
            share = CoreShare(cores=2, readers=2, clock=clock, memory=memory, key="blip")
            share.read_done(0.015)
            seen.append([])
            clock.now += setup
            for b in range(batches):
                share.apply()
                threads = torch.get_num_threads()
                seen[-1].append(threads)
                model, idle = sample(j, b, threads)
                clock.now += idle + model
                share.infer_done(model)
            share.restore()

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return seen


def test_a_jobs_start_does_not_decide_the_trial():
    # as in bench_suggest tiny: one thread is faster (16 ms a batch against 18), but a job's
    # first batch is slower whatever the threads (setup before it, its model beside the
    # readers' start); the second job starts on one thread, and one late read right after
    # it made the trial keep two threads (30-80% slower jobs)
    def sample(job, batch, threads):
        model, idle = {2: 0.018, 1: 0.016}[threads], 0.0
        if batch == 0:
            model += 0.010
        if (job, batch) == (1, 1):
            model, idle = 0.020, 0.004  # a late read, and the model slowed beside it
        return model, idle

    seen = _run_jobs(sample, jobs=4, setup=0.030)
    # the first batch of each job is not timed: a job's three others time each step
    assert seen == [[2, 2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]


def test_mixed_batches_are_timed_again_before_more_threads_are_kept():
    # one thread's first round: two of three batches slowed by something else (medians 25%
    # slower, its fastest batch as fast): both steps get another round, where one thread is
    # as fast again, and it is kept
    def sample(job, batch, threads):
        if threads == 1 and job == 1 and batch in (0, 1, 3):
            return 0.020, 0.0
        return 0.016, 0.0

    memory = {}
    seen = _run_jobs(sample, jobs=5, memory=memory)
    assert seen == [[2, 2, 2, 2], [1, 1, 1, 1], [2, 2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1]]
    assert memory[("blip", 2, 1)] == 1 and ("blip", "rounds", 2) not in memory


def test_batches_mixed_round_after_round_keep_the_fewer_threads():
    # every round of one thread has two slow batches out of three: the medians never agree
    # with its fastest batches; after ROUNDS rounds more threads were not shown to be faster
    def sample(job, batch, threads):
        return (0.020 if threads == 1 and batch != 2 else 0.016), 0.0

    seen = _run_jobs(sample, jobs=8)
    assert seen[:6] == [[2, 2, 2, 2], [1, 1, 1, 1]] * 3 and seen[6] == [1, 1, 1, 1]


def test_a_model_slower_on_fewer_threads_in_every_batch_keeps_them_at_once():
    # one thread 12% slower in every batch (as a 5.6 M-parameter model was): no extra round
    # (the next job's second look at one thread confirms it once)
    def sample(job, batch, threads):
        return {2: 0.016, 1: 0.018}[threads] + (0.01 if batch == 0 else 0.0), 0.001

    seen = _run_jobs(sample, jobs=4, setup=0.030)
    assert seen == [[2, 2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2]]


def test_a_wrong_remembered_pick_is_tried_again_and_corrected():
    # the trial kept torch's two threads (one timed 12% slower, the model too); the jobs after
    # run on two threads 39% slower than the trial timed one thread: the outcome is dropped
    # after two timed batches, and the trial runs again from the job's next batch
    memory = {}
    _run_share({2: 0.016, 1: 0.018}, infer={2: 0.016, 1: 0.018}, memory=memory)
    assert memory[("blip", 2, 1)] == 2
    # (the next job's second look at one thread, timed as the trial did, confirms two)
    _run_share({2: 0.016, 1: 0.018}, infer={2: 0.016, 1: 0.018}, memory=memory, batches=4)
    assert memory[("blip", 2, 1)] == 2 and memory[("blip", "trial", 2, 1)]["look"]["kept"] == 2
    now = {2: 0.025, 1: 0.015}
    share, seen, _ = _run_share(now, memory=memory)
    # batches 2-3 check the outcome; the trial runs again: 4-6 time two threads, 7-9 one, kept
    assert seen == [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]
    assert share.decided and not share.remembered and share.tried == pytest.approx(now)
    assert share.summary()["rechecked"] == {"threads": 2, "pace": 0.025, "than": {"1": 0.018}, "batches": 2}
    assert memory[("blip", 2, 1)] == 1
    # the corrected outcome holds: no check fails, no trial
    later, seen, _ = _run_share(now, memory=memory)
    assert seen == [1] * 10 and later.remembered and "rechecked" not in later.summary()


def test_a_right_remembered_pick_is_kept_through_a_noisy_batch_with_no_extra_trial():
    def sample(job, batch, threads):
        model = {2: 0.018, 1: 0.016}[threads]
        if (job, batch) in ((2, 2), (4, 1)):  # a batch slowed by something else: twice as long
            return model, model
        return model, 0.0

    memory = {}
    seen = _run_jobs(sample, jobs=6, memory=memory)
    assert seen == [[2, 2, 2, 2]] + [[1, 1, 1, 1]] * 5
    assert memory[("blip", 2, 1)] == 1 and ("blip", "paces", 2) not in memory
    # the outcome is kept with what its trial timed (its jobs are checked against two threads')
    assert memory[("blip", "trial", 2, 1)]["tried"] == pytest.approx({2: 0.018, 1: 0.016})


def test_a_remembered_pick_two_of_three_batches_slower_is_tried_again():
    # not one noisy batch: the newest three's median (jobs of a session together)
    def sample(job, batch, threads):
        model = {2: 0.018, 1: 0.016}[threads]
        if job == 2 and batch in (1, 3):
            return model, 0.010  # 63% slower than the trial's two threads
        return model, 0.0

    memory = {}
    seen = _run_jobs(sample, jobs=5, memory=memory)
    assert seen[:3] == [[2, 2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1]]
    # the trial starts over, not counting the batches that dropped the outcome (whatever
    # slowed them, it was not shown to be the threads): one thread is kept again
    assert seen[3:] == [[2, 2, 2, 2], [1, 1, 1, 1]] and memory[("blip", 2, 1)] == 1


def test_an_outcome_older_than_max_age_is_tried_again():
    # a session (the app) that runs for days: its outcome ages as a saved one does
    from llmvis_desktop.core.suggest.cores import MAX_AGE_S

    memory = {}
    _run_share({2: 0.020, 1: 0.015}, memory=memory)
    share, seen, _ = _run_share({2: 0.020, 1: 0.015}, batches=4, memory=memory, date=DAY0 + MAX_AGE_S - 60)
    assert seen == [1, 1, 1, 1] and share.remembered
    share, seen, _ = _run_share({2: 0.020, 1: 0.015}, batches=4, memory=memory, date=DAY0 + MAX_AGE_S + 60)
    assert seen == [2, 2, 2, 2] and not share.remembered and ("blip", 2, 1) not in memory


def test_fewer_threads_rejected_on_a_noisy_round_get_a_second_look_and_are_kept():
    # as in bench_suggest tiny, about one run in eight: a neighbour slowed the trial's round
    # of one thread (job and model alike), so the trial kept two threads where one is faster
    memory = {}
    first, seen, _ = _run_share({2: 0.018, 1: 0.026}, memory=memory, infer={2: 0.018, 1: 0.022})
    assert seen == [2, 2, 2, 2, 1, 1, 1, 2, 2, 2] and memory[("blip", 2, 1)] == 2
    assert "second_look" not in first.summary()  # not in the job that ran the trial
    # the next job, of 4 batches: one thread from its first, its other three time it again
    truth = {2: 0.018, 1: 0.016}
    second, seen, _ = _run_share(truth, batches=4, memory=memory, infer=truth)
    assert seen == [1, 1, 1, 1] and second.remembered
    assert second.summary()["second_look"] == {"threads": 1, "batches": 3, "pace": 0.016, "trial_pace": 0.026,
                                               "kept": 1, "switched": True}
    assert memory[("blip", 2, 1)] == 1
    trial = memory[("blip", "trial", 2, 1)]
    assert trial["tried"] == pytest.approx({2: 0.018, 1: 0.016}) and trial["look"]["kept"] == 1
    # later jobs run on one thread from their first batch: no look, no trial, no check fails
    later, seen, _ = _run_share(truth, memory=memory, infer=truth)
    assert seen == [1] * 10 and later.remembered and later.summary() == {
        "model_threads": 1, "reads_at_once": 1, "remembered": True}


def test_a_right_rejection_is_confirmed_once_and_never_looked_at_again():
    # one thread 12% slower, job and model (a larger model): the look, spread over short jobs
    # (one timed batch each: a job's first is not timed), confirms two threads
    memory, paces = {}, {2: 0.016, 1: 0.018}
    _run_share(paces, memory=memory, infer=paces)
    assert memory[("blip", 2, 1)] == 2
    runs = [_run_share(paces, batches=2, memory=memory, infer=paces) for _ in range(3)]
    assert [seen for _, seen, _ in runs] == [[1, 1]] * 3
    assert [share.summary()["second_look"] for share, _, _ in runs] == [
        {"threads": 1, "batches": 1}, {"threads": 1, "batches": 2},
        {"threads": 1, "batches": 3, "pace": 0.018, "trial_pace": 0.018, "kept": 2, "switched": False}]
    for _ in range(3):  # never again, however many jobs
        share, seen, _ = _run_share(paces, batches=4, memory=memory, infer=paces)
        assert seen == [2, 2, 2, 2] and "second_look" not in share.summary()
    assert memory[("blip", 2, 1)] == 2 and memory[("blip", "trial", 2, 1)]["look"]["kept"] == 2


def test_a_second_look_that_is_itself_slowed_keeps_the_pick_and_the_check_still_runs():
    # the look's own round slowed too: the pick stands (the age bounds it, as before); a pick
    # whose jobs then go 25% slower than the trial's (looked-at) figure is still dropped
    memory = {}
    _run_share({2: 0.018, 1: 0.026}, memory=memory, infer={2: 0.018, 1: 0.022})
    share, seen, _ = _run_share({2: 0.018, 1: 0.025}, batches=4, memory=memory, infer={2: 0.018, 1: 0.022})
    assert seen == [1, 1, 1, 1] and share.summary()["second_look"]["kept"] == 2
    share, seen, _ = _run_share({2: 0.035, 1: 0.016}, memory=memory, infer={2: 0.018, 1: 0.016})
    assert seen == [2, 2, 2, 2, 2, 2, 1, 1, 1, 1] and share.summary()["rechecked"]["than"] == {"1": 0.025}
    assert memory[("blip", 2, 1)] == 1
