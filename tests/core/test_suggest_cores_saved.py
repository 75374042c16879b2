"""What jobs learnt about sharing the cores, kept between sessions (core/suggest/cores_saved.py)."""
from __future__ import annotations

import json
import logging
import threading
import time

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import cores_saved, inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.suggest.cores import CoreShare, usable_cores
from llmvis_desktop.core.suggest.worker import ModelWorker

KEY = (("/models/blip", "abc123", "caption"), ("/models/clip", None, "label"))
DAY = 24 * 3600
TRIED_AT = time.time()  # when _session_memory's trial ended


def _session_memory() -> dict:
    return {
        (KEY, "costs"): (0.002, 0.0015),  # reading and the model, seconds per image
        (KEY, 2, 1): 1,  # the trial of 1 thread instead of 2 kept 1
        (KEY, "trial", 2, 1): {"tried": {2: 0.003, 1: 0.0025}, "infer": {2: 0.002, 1: 0.0019},  # ... timing these,
                               "at": TRIED_AT, "look": None},  # then (no second look: it kept the fewest)
        (KEY, "paces", 2): {2: [(0.003, 0.002)]},  # a trial under way: its batches so far
        (KEY, "rounds", 2): {2: 2, 1: 2},  # ... and the rounds its steps are timed for
        ("stand-in", "costs"): (1.0, 1.0),  # not a models key: not saved
    }


def test_costs_and_trial_outcomes_survive_the_session(tmp_path):
    path = tmp_path / "cache" / cores_saved.FILE_NAME
    cores_saved.save(_session_memory(), path, cores=2)
    memory = _session_memory()
    assert cores_saved.load(path, cores=2) == {(KEY, "costs"): (0.002, 0.0015), (KEY, 2, 1): 1,
                                               (KEY, "trial", 2, 1): memory[(KEY, "trial", 2, 1)],
                                               (KEY, "paces", 2): {2: [(0.003, 0.002)]},
                                               (KEY, "rounds", 2): {2: 2, 1: 2}}
    # a later session's job starts from them: reading costs more than the model, so both
    # reader processes read from the first batch, where a fresh job reads one at a time
    later = CoreShare(cores=2, readers=2, memory=cores_saved.load(path, cores=2), key=KEY)
    assert later.reads_at_once == 2 and CoreShare(cores=2, readers=2, key=KEY).reads_at_once == 1


def test_another_core_count_starts_from_nothing(tmp_path):
    path = tmp_path / cores_saved.FILE_NAME
    cores_saved.save(_session_memory(), path, cores=2)
    assert cores_saved.load(path, cores=16) == {}  # another machine, or another CPU affinity
    assert cores_saved.load(tmp_path / "none.json", cores=2) == {}


def _header(**fields) -> str:
    """The start of a current file, saved now by this torch, ``fields`` changed."""
    head = {"format": cores_saved.FORMAT, "cores": 2, "torch": cores_saved.torch_version(), "saved": time.time()}
    return json.dumps({**head, **fields})[:-1]


@pytest.mark.parametrize("text", ["{not json", '%s, "models": [{"key": 5}]}',
                                  '%s, "models": [{"key": [], "costs": [1]}]}',
                                  # an outcome without what its trial timed, or dated in words
                                  '%s, "models": [{"key": [], "kept": [[2, 1, 1]]}]}',
                                  '%s, "models": [{"key": [], "kept": [[2, 1, 1, [0.1], 5.0]]}]}',
                                  '%s, "models": [{"key": [], "kept": [[2, 1, 1, {"2": 0.1}, "monday", {}, null]]}]}',
                                  # a second look without its timed batches, or a format 5 row
                                  '%s, "models": [{"key": [], "kept": [[2, 1, 2, {"2": 0.1, "1": 0.2}, 5.0, {}, {"threads": 1}]]}]}',
                                  '%s, "models": [{"key": [], "kept": [[2, 1, 1, {"2": 0.1}, 5.0]]}]}'])
def test_a_damaged_file_is_ignored_naming_it(tmp_path, caplog, text):
    path = tmp_path / cores_saved.FILE_NAME
    path.write_text(text.replace("%s", _header()))
    with caplog.at_level(logging.WARNING):
        assert cores_saved.load(path, cores=2) == {}
    assert str(path) in caplog.text


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run(path, batches: int, paces=None, keep_written: bool = False) -> tuple[CoreShare, list[int]]:
    """One ``llmvis suggest`` run (a process of its own: a fresh memory, filled from the
    file at ``path``, and saved there at its end) whose job infers ``batches`` batches on
    a thread of its own (torch's threads are per thread), on 2 cores: a batch takes
    ``paces[threads]`` seconds from the previous batch's end on a fake clock, and reading
    costs about what the model does, so one thread is tried. (share, threads per batch)"""
    import torch

    paces = paces or {2: 0.020, 1: 0.015}
    if not keep_written:
        cores_saved._written.clear()  # what this process wrote before: another process knows nothing of it
    memory = cores_saved.filled({}, 2, path)
    clock = _Clock()
    share = CoreShare(cores=2, readers=2, clock=clock, memory=memory, key=KEY)
    seen = []

    def job():
        torch.set_num_threads(2)
        share.read_done(0.015)
        for _ in range(batches):
            share.apply()
            seen.append(torch.get_num_threads())
            clock.now += paces[seen[-1]]
            share.infer_done(0.016)
        share.restore()

    t = threading.Thread(target=job)
    t.start()
    t.join()
    cores_saved.save(memory, path, cores=2)
    return share, seen


def test_short_runs_finish_one_trial_together_through_the_file(tmp_path):
    """Each CLI run is a session of its own: a job of 4 batches (the first not timed) times
    torch's own threads only, and the trial's paces ended with the process, so every run
    started the trial over and none finished it. The paces are saved with the outcome."""
    path = tmp_path / cores_saved.FILE_NAME
    first, seen = _run(path, batches=4)
    assert seen == [2, 2, 2, 2] and not first.decided
    second, seen = _run(path, batches=4)
    assert seen == [1, 1, 1, 1]  # the trial goes on where the first run left it
    assert second.decided and second.tried == pytest.approx({2: 0.020, 1: 0.015}) and not second.remembered
    assert second.summary()["model_threads"] == 1
    third, seen = _run(path, batches=4)
    assert seen == [1, 1, 1, 1] and third.remembered
    saved = cores_saved.load(path, cores=2)
    assert saved[(KEY, 2, 1)] == 1 and (KEY, "paces", 2) not in saved  # the paces go once it is decided


def test_two_batch_runs_finish_the_trial_a_timed_batch_each(tmp_path):
    # `llmvis suggest --limit 16 --batch 8`: one timed batch a run, three a step
    path = tmp_path / cores_saved.FILE_NAME
    runs = [_run(path, batches=2) for _ in range(6)]
    assert [s.decided for s, _ in runs] == [False] * 5 + [True]
    assert [seen for _, seen in runs] == [[2, 2]] * 3 + [[1, 1]] * 3
    assert runs[-1][0].tried == pytest.approx({2: 0.020, 1: 0.015})
    assert _run(path, batches=2)[0].remembered


def test_a_trial_timed_again_keeps_its_rounds_between_runs(tmp_path):
    # the medians keep two threads, the fastest batches one: both are timed for a second
    # round, and the runs after carry on with that round instead of deciding on the first
    path = tmp_path / cores_saved.FILE_NAME
    cores_saved.save({(KEY, "costs"): (0.015, 0.016),
                      (KEY, "paces", 2): {2: [(0.020, 0.016)] * 3,
                                          1: [(0.030, 0.020), (0.030, 0.020), (0.010, 0.010)]}}, path, cores=2)
    share, seen = _run(path, batches=2)
    assert not share.decided and seen == [2, 2]
    assert cores_saved.load(path, cores=2)[(KEY, "rounds", 2)] == {2: 2, 1: 2}
    share, seen = _run(path, batches=4)  # two threads' second round fills: one thread's goes on
    assert not share.decided and seen == [2, 2, 2, 1]
    assert {t: len(p) for t, p in cores_saved.load(path, cores=2)[(KEY, "paces", 2)].items()} == {2: 6, 1: 4}
    share, seen = _run(path, batches=4)
    assert share.decided and seen == [1, 1, 1, 1] and share.tried == pytest.approx({2: 0.020, 1: 0.015})


@pytest.mark.parametrize("fmt", [3, 4])
def test_format_3_and_4_files_are_read_but_their_outcomes_tried_again(tmp_path, fmt):
    # their costs (each job measures them again anyway) and a trial under way stay good;
    # their outcomes came without what the trial timed, so no job could check them, and a
    # wrong one (a noisy trial kept two threads about one run in eight) would hold for good
    path = tmp_path / cores_saved.FILE_NAME
    key = [list(part) for part in KEY]
    path.write_text(json.dumps({"format": fmt, "cores": 2, "models": [
        {"key": key, "costs": [0.002, 0.0015], "kept": [[2, 1, 2]], "paces": [[4, 4, [[0.01, 0.009]]]]}]}))
    assert cores_saved.load(path, cores=2) == {(KEY, "costs"): (0.002, 0.0015), (KEY, "paces", 4): {4: [(0.01, 0.009)]}}
    assert CoreShare(cores=2, readers=2, memory=cores_saved.load(path, cores=2), key=KEY).reads_at_once == 2
    # the next run times the trial again: torch's own threads first
    share, seen = _run(path, batches=4)
    assert seen == [2, 2, 2, 2] and not share.remembered


def test_an_older_format_starts_from_nothing(tmp_path):
    # format 1 kept the outcome of a trial that stopped at the plan's threads; the trial now
    # goes on to fewer, so those outcomes are tried again rather than taken
    path = tmp_path / cores_saved.FILE_NAME
    cores_saved.save(_session_memory(), path, cores=2)
    data = json.loads(path.read_text())
    assert data["format"] == cores_saved.FORMAT and cores_saved.load(path, cores=2)
    path.write_text(json.dumps({**data, "format": 1}))
    assert cores_saved.load(path, cores=2) == {}
    # format 2 kept outcomes of a trial that a job's first batch could decide (two torch
    # threads kept where one was faster, for every later session): tried again too
    path.write_text(json.dumps({**data, "format": 2}))
    assert cores_saved.load(path, cores=2) == {}


def test_a_job_whose_costs_moved_little_writes_nothing(tmp_path, monkeypatch):
    """Every job saves what it measured; one whose costs moved under COST_CHANGE, with the
    same trial outcomes, leaves the file as it was (a write cost a short job ms)."""
    path = tmp_path / cores_saved.FILE_NAME
    memory = _session_memory()
    cores_saved.save(memory, path, cores=2)
    writes = []
    real = type(path).write_text
    monkeypatch.setattr(type(path), "write_text", lambda self, *a, **k: (writes.append(self), real(self, *a, **k))[1])
    memory[(KEY, "costs")] = (0.0022, 0.0014)  # 10% and 7% off: the same plan
    cores_saved.save(memory, path, cores=2)
    assert writes == [] and cores_saved.load(path, cores=2)[(KEY, "costs")] == (0.002, 0.0015)
    memory[(KEY, "costs")] = (0.004, 0.0015)  # reading now costs twice as much
    cores_saved.save(memory, path, cores=2)
    assert len(writes) == 1 and cores_saved.load(path, cores=2)[(KEY, "costs")] == (0.004, 0.0015)
    memory[(KEY, 1, 2)] = 2  # a new trial outcome, costs as saved
    cores_saved.save(memory, path, cores=2)
    assert len(writes) == 2 and cores_saved.load(path, cores=2)[(KEY, 1, 2)] == 2
    memory[(KEY, "paces", 2)] = {2: [(0.003, 0.002)] * 2}  # a short job timed one more batch of a trial
    cores_saved.save(memory, path, cores=2)
    assert len(writes) == 3 and cores_saved.load(path, cores=2)[(KEY, "paces", 2)] == {2: [(0.003, 0.002)] * 2}
    path.unlink()  # removed meanwhile (a cache cleaner): written again
    cores_saved.save(memory, path, cores=2)
    assert len(writes) == 4 and path.exists()


def test_a_failed_save_is_logged_and_loses_nothing_saved_before(tmp_path, caplog, monkeypatch):
    path = tmp_path / cores_saved.FILE_NAME
    cores_saved.save(_session_memory(), path, cores=2)
    before = path.read_text()

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(path), "write_text", full_disk)
    with caplog.at_level(logging.WARNING):
        cores_saved.save({(KEY, "costs"): (9.0, 9.0)}, path, cores=2)  # must not raise
    monkeypatch.undo()
    assert "No space left on device" in caplog.text and str(path) in caplog.text
    assert path.read_text() == before and not list(tmp_path.glob("*.tmp"))


def test_the_file_fills_a_sessions_memory_once_and_the_session_wins(tmp_path):
    path = tmp_path / cores_saved.FILE_NAME
    cores_saved.save({(KEY, "costs"): (0.002, 0.0015), (KEY, 2, 1): 2}, path, cores=2)
    memory = {(KEY, 2, 1): 1}  # this session's trial already ran: its outcome stays
    cores_saved.filled(memory, 2, path)
    assert memory[(KEY, 2, 1)] == 1 and memory[(KEY, "costs")] == (0.002, 0.0015)
    path.unlink()
    memory.pop((KEY, "costs"))
    cores_saved.filled(memory, 2, path)  # read once per memory: the file is not read again
    assert (KEY, "costs") not in memory


@pytest.fixture(scope="module")
def blip(tmp_path_factory):
    return inspect_folder(tiny_models.session_models(tmp_path_factory)["blip"])


def test_a_cpu_job_saves_what_it_measured_for_the_next_session(blip, tmp_path, monkeypatch):
    project = tiny_models.labelled_project(tiny_models.image_folder(tmp_path / "images", 6), ["ok"])
    loads = []
    real_load = cores_saved.load
    monkeypatch.setattr(cores_saved, "load", lambda *a: loads.append(a) or real_load(*a))
    first, second = ModelWorker(), ModelWorker()  # two sessions' model threads
    try:
        run_suggest(project, blip, None, batch=2, worker=first, max_new_tokens=3, device="cpu",
                    read_processes=0)
        saved = json.loads(cores_saved.saved_path().read_text())
        key = ((blip.path, blip.revision, "caption"),)
        assert saved["cores"] == usable_cores()
        assert [tuple(tuple(p) for p in m["key"]) for m in saved["models"]] == [key]
        run_suggest(project, blip, None, batch=2, worker=second, max_new_tokens=3, device="cpu",
                    read_processes=0, only_unsuggested=False)
        run_suggest(project, blip, None, batch=2, worker=second, max_new_tokens=3, device="cpu",
                    read_processes=0, only_unsuggested=False)
    finally:
        first.shutdown()
        second.shutdown()
        project.close()
    assert len(loads) == 2  # once per session, not once per job
    assert (key, "costs") in second.core_choices


def test_a_wrong_saved_pick_is_tried_again_by_the_next_runs(tmp_path):
    """A noisy trial kept two threads (one thread timed 6% slower); the runs after it, on
    two threads at 0.025 s an image, go 47% slower than the trial timed one thread: the
    first such run drops the outcome from the file, and the next runs time the trial again."""
    path = tmp_path / cores_saved.FILE_NAME
    cores_saved.save({(KEY, "costs"): (0.015, 0.016), (KEY, 2, 1): 2,
                      (KEY, "trial", 2, 1): {"tried": {2: 0.016, 1: 0.017}, "at": time.time() - DAY}}, path, cores=2)
    paces = {2: 0.025, 1: 0.015}
    share, seen = _run(path, batches=4, paces=paces)
    # its batches 2-3 check the outcome: dropped; batch 4 starts the trial on torch's own threads
    assert seen == [2, 2, 2, 2] and share.summary()["rechecked"] == {
        "threads": 2, "pace": 0.025, "than": {"1": 0.017}, "batches": 2}
    assert (KEY, 2, 1) not in cores_saved.load(path, cores=2)
    # (its batch 4 timed two threads once; the next run's first two fill the step)
    runs = [_run(path, batches=4, paces=paces) for _ in range(3)]
    assert [seen for _, seen in runs] == [[2, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1]]
    assert runs[1][0].tried == pytest.approx(paces) and runs[2][0].remembered
    assert cores_saved.load(path, cores=2)[(KEY, 2, 1)] == 1


def test_a_right_saved_pick_costs_its_runs_no_trial_and_no_write(tmp_path, monkeypatch):
    path = tmp_path / cores_saved.FILE_NAME
    _run(path, batches=4)
    _run(path, batches=4)  # the trial: one thread kept
    writes = []
    real = type(path).write_text
    monkeypatch.setattr(type(path), "write_text", lambda self, *a, **k: (writes.append(self), real(self, *a, **k))[1])
    for _ in range(3):
        cores_saved._written[path] = json.loads(path.read_text())  # as if this process wrote it
        share, seen = _run(path, batches=4, keep_written=True)
        assert seen == [1, 1, 1, 1] and share.remembered and "rechecked" not in share.summary()
    assert writes == []  # the check keeps nothing in the file
    assert cores_saved.load(path, cores=2)[(KEY, "trial", 2, 1)]["tried"] == pytest.approx({2: 0.020, 1: 0.015})


def test_an_outcome_saved_too_long_ago_is_tried_again(tmp_path, caplog):
    path = tmp_path / cores_saved.FILE_NAME
    now = time.time()
    memory = {(KEY, "costs"): (0.002, 0.0015),
              (KEY, 2, 1): 2, (KEY, "trial", 2, 1): {"tried": {2: 0.016, 1: 0.017}, "at": now - 8 * DAY},
              (KEY, 4, 2): 2, (KEY, "trial", 4, 2): {"tried": {4: 0.016, 2: 0.015}, "infer": {4: 0.01, 2: 0.01},
                                                     "at": now - 6 * DAY, "look": None}}
    cores_saved.save(memory, path, cores=2, now=now)
    # the costs and the 6-day-old outcome are read; the 8-day-old one is not
    assert cores_saved.load(path, cores=2, now=now) == {
        (KEY, "costs"): (0.002, 0.0015), (KEY, 4, 2): 2, (KEY, "trial", 4, 2): memory[(KEY, "trial", 4, 2)]}
    share, seen = _run(path, batches=4)
    assert seen == [2, 2, 2, 2] and not share.remembered
    # a file no job saved for over MAX_AGE_S, or saved under another torch, is not used
    cores_saved.save(memory, path, cores=2, now=now - 8 * DAY)
    with caplog.at_level(logging.INFO):
        assert cores_saved.load(path, cores=2, now=now) == {}
    assert "days ago" in caplog.text and str(path) in caplog.text
    cores_saved.save(memory, path, cores=2, now=now)
    path.write_text(path.read_text().replace(json.dumps(cores_saved.torch_version()), '"0.1.0"'))
    with caplog.at_level(logging.INFO):
        assert cores_saved.load(path, cores=2, now=now) == {}
    assert "torch 0.1.0" in caplog.text


def test_a_second_look_survives_a_restart_through_the_file(tmp_path):
    """A run's trial rejected one thread on a noisy round (30% slower); the next runs are
    processes of their own, two batches each (one timed): the second look at one thread is
    timed a batch a run through the file, switches the pick, and is not repeated."""
    path = tmp_path / cores_saved.FILE_NAME
    share, seen = _run(path, batches=8, paces={2: 0.020, 1: 0.026})
    assert seen == [2, 2, 2, 2, 1, 1, 1, 2] and cores_saved.load(path, cores=2)[(KEY, 2, 1)] == 2
    truth = {2: 0.020, 1: 0.015}
    runs = [_run(path, batches=2, paces=truth) for _ in range(3)]
    assert [seen for _, seen in runs] == [[1, 1]] * 3
    saved = cores_saved.load(path, cores=2)
    assert saved[(KEY, 2, 1)] == 1 and saved[(KEY, "trial", 2, 1)]["look"]["kept"] == 1
    assert runs[-1][0].summary()["second_look"] == {"threads": 1, "batches": 3, "pace": 0.015,
                                                    "trial_pace": 0.026, "kept": 1, "switched": True}
    share, seen = _run(path, batches=4, paces=truth)
    assert seen == [1, 1, 1, 1] and share.remembered and "second_look" not in share.summary()


def test_a_confirmed_rejection_is_kept_in_the_file_and_not_looked_at_again(tmp_path):
    path = tmp_path / cores_saved.FILE_NAME
    paces = {2: 0.020, 1: 0.026}  # one thread 30% slower, every time
    _run(path, batches=8, paces=paces)
    share, seen = _run(path, batches=4, paces=paces)
    assert seen == [1, 1, 1, 1] and share.summary()["second_look"]["switched"] is False
    look = cores_saved.load(path, cores=2)[(KEY, "trial", 2, 1)]["look"]
    assert look["kept"] == look["was"] == 2 and look["trial_pace"] == pytest.approx(0.026)
    for _ in range(2):
        share, seen = _run(path, batches=4, paces=paces)
        assert seen == [2, 2, 2, 2] and "second_look" not in share.summary()


def test_format_5_outcomes_that_rejected_fewer_threads_are_tried_again(tmp_path):
    # format 5 kept no model times, by which a second look is judged: an outcome that kept
    # more threads than the fewest it tried is tried again; one that kept the fewest holds
    path = tmp_path / cores_saved.FILE_NAME
    key, now = [list(part) for part in KEY], time.time()
    path.write_text(json.dumps({"format": 5, "cores": 2, "torch": cores_saved.torch_version(), "saved": now,
                                "models": [{"key": key, "kept": [[2, 1, 2, {"2": 0.016, 1: 0.017}, now],
                                                                 [4, 2, 2, {"4": 0.02, "2": 0.01}, now]]}]}))
    assert cores_saved.load(path, cores=2) == {
        (KEY, 4, 2): 2, (KEY, "trial", 4, 2): {"tried": {4: 0.02, 2: 0.01}, "infer": {}, "at": now, "look": None}}
