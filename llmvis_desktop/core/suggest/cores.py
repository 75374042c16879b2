"""Sharing a few CPU cores between reading images and a model that runs on the CPU.

A suggestion job reads the next batches (helper processes) while the model infers the
current one. When the model runs on the CPU, torch's intra-op threads and the readers
want the same cores. If there are more of them than cores, the scheduler takes a core
from a torch thread in the middle of a parallel step, and the other torch threads wait
for it (and spin, burning the core a reader needed). On 2 cores, a tiny model reading
noise PNGs ran its job at half the speed of reading then inferring one after the other.

:class:`CoreShare` measures, batch by batch, how many cores reading needs to keep pace
with the model (CPU seconds of reading a batch over the model's seconds per batch) and
gives those to the readers: only that many batches are read at once (all of them when
the model waits on reading anyway), and torch is tried on the cores left (never more
threads than it had), kept there unless both the job and the model go slower (a tiny
model: as fast; a 5.6 M-parameter model beside 12-megapixel JPEGs lost 12% on one thread),
and on half as many, and half again, down to one: the fewest about as fast are kept.
When reading is cheap next to the model, torch keeps its threads.
A job on a GPU does not use it: there the model's CPU threads mostly wait on the device.
"""
from __future__ import annotations

import math
import os
import statistics
import threading
import time
from typing import Callable, Hashable, Optional

#: reading that needs less than this share of a core is left to overlap the model
SLACK = 0.1
#: weight of the newest batch in the running averages
NEWEST = 0.5
#: batches timed with torch's own threads, then with fewer, before the job picks one
TRIAL = 3
#: fewer threads are kept unless the job then goes more than this much slower (5%): at
#: about the same pace, fewer threads leave a core to the rest of the machine
SLOWER = 1.05
#: ... or, when the model alone is as fast on them, up to this much slower: the job's pace
#: over three batches is noisier than the model's own time (2 cores: 10% apart at the same
#: model time), but more is not noise (16 cores: one thread paced a tiny model's job 36%
#: slower than three, at the same model time)
PACE_NOISE = 1.15
#: when the trial's medians would keep more threads than its fastest batches would (some
#: batches were slowed by something else: a late read, the collector, another program),
#: each of the two is timed for this many more rounds of TRIAL batches, up to this many
#: rounds in all; still mixed then, the fewer are kept
ROUNDS = 3
#: the trial stops going down once a step is this much slower (job and model) than the
#: fastest: a larger model that needs its threads is not timed on fewer still
STOP = 1.5
#: a remembered outcome is dropped, and the trial run again, when the jobs on it go this
#: much slower than the trial timed the fastest other step: over the median of the newest
#: :data:`TRIAL` timed batches on it (the session's jobs together), at least two of them
#: over (one batch slowed by a late read or the collector is not enough). 25%: above the
#: 15% a trial lets fewer threads lose to noise (:data:`PACE_NOISE`), so a pick the trial
#: made within its noise is not dropped at once; the wrong pick that stuck (two threads for
#: the tiny model: 17-21 ms a batch against 13 on one, 31-62% slower) is over it where the
#: trial timed the other step about right
RECHECK = 1.25
#: a trial's outcome older than this (seconds) is tried again: what a machine runs beside
#: the models changes, and a wrong pick the check above cannot see (the trial's other step
#: slowed by a neighbour: the jobs on the pick are no slower than the trial timed them) is
#: kept for no longer; a trial costs a few batches on the slower step (tiny model: about
#: 20 ms once; a 5.6 M-parameter one: 12% slower for three batches)
MAX_AGE_S = 7 * 24 * 3600
# A trial that kept more threads than the fewest it timed rejected fewer threads on one
# round of TRIAL batches; a neighbour slowing that round made it keep two threads for the
# tiny model (+81% against +16-30%) about one run in eight, which no check on the pick
# sees. So a later job (a job after the one that ended the trial; short jobs together)
# times the rejected count once more for a round of TRIAL batches, the "second look":
# judged by the trial's own rule against what the trial timed the other counts, it either
# becomes the pick or is confirmed rejected, and is not looked at again (see _look_at).


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def plan(cores: int, model_threads: int, readers: int, read_cpu_s: float, infer_s: float) -> tuple[int, int]:
    """(torch threads, batches read at once) for a model that takes ``infer_s`` seconds per
    batch on ``model_threads`` threads, and readers that spend ``read_cpu_s`` CPU seconds per
    batch, on a machine of ``cores`` cores with ``readers`` reader processes."""
    readers = max(1, readers)
    model_threads = max(1, model_threads)
    demand = read_cpu_s / infer_s if infer_s > 0 else float(readers)  # cores reading needs
    need = min(readers, max(0, math.ceil(demand - SLACK)))
    threads = max(1, min(model_threads, cores - need))
    # reading faster than the cores left allows still pays: the model waits on it anyway
    return threads, max(1, need)


class CoreShare:
    """The running plan of one job: fed each batch's reading CPU time and inference time,
    applied by the model thread before each batch (:meth:`apply`), undone by
    :meth:`restore` on the model thread when the job ends.

    Whether torch loses anything by giving up threads depends on the model: a tiny one
    runs as fast on one thread, a larger one did 30% slower. So fewer threads are only
    tried: the job's pace (from the previous batch's end to a batch's end; a job's first
    batch, from the job's start, is not timed) and the model's own time are measured over
    :data:`TRIAL` batches with torch's own threads, then as many with the plan's, and the
    job keeps the plan unless both went more than 5% slower, in the medians and in the
    fastest batches alike (mixed: both are timed again, see :data:`ROUNDS`); on more cores, half as many threads and half again are
    timed too, and the fewest about as fast as the fastest are kept (see :meth:`_on_trial`).

    ``memory`` (the model thread's, for the session) keeps, under ``key`` (the models),
    what jobs learnt: the measured costs per image, so a later job reads and threads by
    the plan from its first batch instead of one batch at a time; the trial's paces, so
    jobs too short to finish a trial (a few batches from the GUI) finish it together;
    and the trial's outcome, so later jobs with the same models and plan skip it. The
    costs, outcomes and an unfinished trial's paces are also kept between sessions
    (:mod:`.cores_saved`), so short ``llmvis suggest`` runs finish one trial too.

    A trial timed beside a busy neighbour can keep the wrong threads, and every later job
    would run on them. So the jobs on a remembered outcome time their batches as the trial
    did (nothing more: the job times its batches anyway) and drop it when they go
    :data:`RECHECK` slower than the trial's fastest other step; the trial then runs again,
    from that job's next batch. An outcome older than :data:`MAX_AGE_S` is tried again too.
    That check cannot see fewer threads rejected on a round a neighbour slowed (the jobs on
    the pick run as fast as the trial timed them): a trial that kept more threads than the
    fewest it timed has a later job time the rejected count once more, the second look
    (:meth:`_look_at`), which switches the pick to it or confirms it, once."""

    def __init__(self, cores: int, readers: int, clock: Callable[[], float] = time.perf_counter,
                 memory: Optional[dict] = None, key: Hashable = None,
                 wall: Callable[[], float] = time.time) -> None:
        self.cores = max(1, cores)
        self.readers = max(1, readers)
        self._clock = clock
        self._wall = wall  # dates a trial's outcome (seconds since the epoch), see MAX_AGE_S
        # trials already run in this session for the same models (the model thread keeps
        # them): a later job, often a few batches from the GUI, starts with the outcome
        self._memory = memory if memory is not None else {}
        self._key = key
        self.remembered = False
        # (threads, pace per image) of the trial's fastest step other than the remembered
        # outcome: the jobs on the outcome are checked against it (see RECHECK)
        self._against: Optional[tuple[int, float]] = None
        self.rechecked: Optional[dict] = None  # a remembered outcome this job dropped, and why
        self._looking: Optional[int] = None  # threads this job gives a second look (see _look_at)
        self.looked: Optional[dict] = None  # ... what this job timed of it, and what it found
        self._lock = threading.Lock()
        self._read: Optional[float] = None
        self._infer: Optional[float] = None
        self._base: Optional[int] = None  # torch threads when the job started
        self._threads: Optional[int] = None  # torch threads for the next batch (None: not planned yet)
        self._proposal: Optional[int] = None  # fewer threads the plan asked for: on trial
        self._applied: Optional[int] = None  # threads the running batch got
        # the batches after the first are read beside the model: two torch threads cost the
        # most then (a tiny model: 17-21 ms a batch on 2 threads, 13 on 1); the first's pace,
        # from the job's start, is not timed (see infer_done)
        self._last_end = clock()
        self._batches = 0  # batches this job inferred (its first is not a trial sample)
        self._full = 0  # images in the job's largest batch: a smaller (last) one's pace is not timed
        self.decided = False
        self.tried: dict[int, float] = {}  # threads -> median pace per image, once the trial is over
        self.tried_infer: dict[int, float] = {}  # threads -> the model's median seconds per image
        self.reads_at_once = 1  # until measured: reading one batch takes one core
        self.changes: list[tuple[int, int]] = []  # (threads, reads at once), each time the plan changed
        known = self._memory.get((self._key, "costs"))
        if known is not None:  # an earlier job measured these models: read by its plan at once
            self._read, self._infer = known
            self.reads_at_once = plan(self.cores, 1, self.readers, self._read, self._infer)[1]

    @staticmethod
    def _average(old: Optional[float], new: float) -> float:
        return new if old is None else NEWEST * new + (1 - NEWEST) * old

    def read_done(self, cpu_s: Optional[float], images: int = 1) -> None:
        """A batch of ``images`` was read at a cost of ``cpu_s`` CPU seconds (None: not measured)."""
        if cpu_s is not None and images > 0:
            with self._lock:
                self._read = self._average(self._read, cpu_s / images)
                self._remember_costs()
                self._replan()

    def infer_done(self, seconds: float, images: int = 1) -> None:
        """On the model thread, after a batch of ``images``: it took ``seconds`` to infer."""
        now = self._clock()
        images = max(1, images)
        with self._lock:
            self._infer = self._average(self._infer, seconds / images)
            self._full = max(self._full, images)
            # a job's first batch is not timed: its pace runs from the job's start (setup, the
            # first read, nothing to overlap) and its model time beside the readers' start,
            # whatever the threads (a tiny model: 3-4 ms an image against 1.1-1.9 on the same
            # thread); it fell to whichever step a job started on, and decided the trial
            if (self._applied is not None and images == self._full and not self.decided
                    and self._batches > 0):
                # per image: jobs of any batch size add to one trial
                timed = self._paces().setdefault(self._applied, [])
                timed.append(((now - self._last_end) / images, seconds / images))
                # the newest only (a session's jobs without a trial add to it)
                del timed[:-TRIAL * self._rounds().get(self._applied, 1)]
            elif (self._looking is not None and self._applied == self._looking and images == self._full
                    and self._batches > 0):
                self._look_at((now - self._last_end) / images, seconds / images)
            elif (self._against is not None and self._applied == self._threads and images == self._full
                    and self._batches > 0):
                self._recheck((now - self._last_end) / images, seconds / images)
            self._batches += 1
            self._last_end = now
            self._remember_costs()
            self._replan()

    def _remember_costs(self) -> None:
        if self._read is not None and self._infer is not None:
            self._memory[(self._key, "costs")] = (self._read, self._infer)

    def _paces(self) -> dict[int, list[tuple[float, float]]]:
        """threads -> [(seconds per image from the previous batch's end,
        the model's own seconds per image)], of this job and of earlier ones with the same
        models that ended before the trial did."""
        return self._memory.setdefault((self._key, "paces", self._base), {})

    def _outcome(self, part: Optional[str] = None) -> tuple:
        """The memory key of the trial's outcome (threads kept), or of its ``part``: "trial"
        (what it timed and when), "check" (the batches timed on the outcome since)."""
        return (self._key, self._base, self._proposal) if part is None else (
            self._key, part, self._base, self._proposal)

    def _recheck(self, pace: float, model: float) -> None:
        """A batch ran on a remembered outcome at ``pace`` (the model: ``model``) seconds an
        image: drop the outcome when the newest batches on it went :data:`RECHECK` slower
        than the trial's fastest other step. The trial then starts over: these batches do
        not count to it (if something slowed them rather than the threads, they would make
        the trial keep the wrong threads, which no later check would see)."""
        got = self._memory.setdefault(self._outcome("check"), [])
        got.append((pace, model))
        del got[:-TRIAL]
        paces = sorted(p for p, _ in got)
        other, than = self._against
        limit = RECHECK * than
        if len(paces) < 2 or statistics.median(paces) <= limit or paces[-2] <= limit:
            return
        kept = self._threads
        self.rechecked = {"threads": kept, "pace": round(statistics.median(paces), 6),
                          "than": {str(other): round(than, 6)}, "batches": len(paces)}
        for k in (self._outcome(), self._outcome("trial"), self._outcome("check")):
            self._memory.pop(k, None)
        self.decided = self.remembered = False
        self._against = None

    def _check_against(self, kept: int, trial: Optional[dict]) -> None:
        """The jobs on ``kept`` are checked against the trial's fastest other count (RECHECK)."""
        others = [(p, t) for t, p in (trial or {}).get("tried", {}).items() if t != kept]
        self._against = min(others)[::-1] if others else None

    def _look_at(self, pace: float, model: float) -> None:
        """A batch of the second look ran at ``pace`` (the model: ``model``) seconds an image.
        After :data:`TRIAL` of them (this job's and earlier ones'), their medians replace
        what the trial timed the looked-at count, and the trial's rule
        (:meth:`_fewest_as_fast`, on the medians) decides again: the fewer threads become
        the pick when they are about as fast, else the pick stands. Either way the look is
        kept with the outcome (done: not repeated), and the jobs on the pick are checked
        against the trial's figures with the look's in them."""
        known, trial = self._memory.get(self._outcome()), self._memory.get(self._outcome("trial"))
        look, threads, self._looking = (trial or {}).get("look"), self._looking, None
        if known is None or look is None or "kept" in look:  # ended meanwhile (a job sharing the memory)
            if known is None:
                self.decided = self.remembered = False  # the trial runs again from the next batch
            else:
                self._threads = known
                self._check_against(known, trial)
            return
        self._looking, self.looked = threads, self.looked or {"threads": threads}
        look["timed"].append((pace, model))
        self.looked["batches"] = len(look["timed"])
        if len(look["timed"]) < TRIAL:
            return
        figures = {t: (p, trial.get("infer", {}).get(t, math.inf)) for t, p in trial["tried"].items()}
        figures[threads] = self._medians(look["timed"])
        kept = min(known, self._fewest_as_fast(figures))
        look.update(kept=kept, was=known, trial_pace=trial["tried"][threads], at=self._wall())
        trial["tried"][threads], trial.setdefault("infer", {})[threads] = figures[threads]
        self._memory[self._outcome()] = kept
        self._memory.pop(self._outcome("check"), None)
        self.looked.update(pace=round(figures[threads][0], 6), trial_pace=round(look["trial_pace"], 6),
                           kept=kept, switched=kept != known)
        self._threads, self._looking = kept, None
        self._check_against(kept, trial)

    def _rounds(self) -> dict[int, int]:
        """threads -> rounds of :data:`TRIAL` batches the trial times them for (1 unless
        their batches disagreed), kept beside the paces."""
        return self._memory.setdefault((self._key, "rounds", self._base), {})

    def _replan(self) -> None:
        if self._read is None or self._infer is None or self._base is None:
            return
        proposal, reads = plan(self.cores, self._base, self.readers, self._read, self._infer)
        threads = self._base if self._threads is None else self._threads
        if not self.decided:
            if self._proposal is None and proposal < self._base:
                self._proposal = proposal
            if self._proposal is not None:
                threads = self._on_trial()
        if (threads, reads) != (self._threads or self._base, self.reads_at_once) or not self.changes:
            self.changes.append((threads, reads))
        self._threads, self.reads_at_once = threads, reads

    def _on_trial(self) -> int:
        """The threads for the next batch while the trial runs, and its outcome once every
        step has been timed. The steps: torch's own threads, the plan's, then half as many
        again and again down to one; the walk down stops early at a step far slower than
        the fastest. The outcome is the fewest threads about as fast as the fastest step.
        On 16 cores a tiny model's job ran 3-4 times faster on 3-14 threads than on 16, and
        15 was no faster than 16: the steps are all timed, not stopped at the first."""
        known = self._memory.get(self._outcome())
        trial = self._memory.get(self._outcome("trial"))
        if known is not None and trial is not None and abs(self._wall() - trial["at"]) > MAX_AGE_S:
            for k in (self._outcome(), self._outcome("trial"), self._outcome("check")):
                self._memory.pop(k, None)  # too old to hold: tried again
            known = None
        if known is not None:
            self.decided = self.remembered = True
            look = (trial or {}).get("look")
            if look is not None and "kept" not in look:  # a second look is due, or under way
                self._looking, self._against = look["threads"], None
                return self._looking
            self._check_against(known, trial)
            return known
        paces, rounds = self._paces(), self._rounds()
        timed: dict[int, tuple[float, float]] = {}
        fastest: dict[int, tuple[float, float]] = {}
        for step in self._steps():
            want = TRIAL * rounds.get(step, 1)
            if len(paces.get(step, [])) < want:
                return step
            got = paces[step][-want:]
            pace, model = timed[step] = self._medians(got)
            fastest[step] = (min(p for p, _ in got), min(m for _, m in got))
            if len(timed) > 1 and all(new > STOP * min(old[i] for t, old in timed.items() if t != step)
                                      for i, new in enumerate((pace, model))):
                break
        kept, low = self._fewest_as_fast(timed), self._fewest_as_fast(fastest)
        if low < kept:
            # the medians keep more threads than the fastest batches do: time both again
            if max(rounds.get(kept, 1), rounds.get(low, 1)) < ROUNDS:
                for step in (kept, low):
                    rounds[step] = rounds.get(step, 1) + 1
                return self._on_trial()
            kept = low  # still mixed: more threads were not shown to be faster
        self.tried = {t: p for t, (p, _) in timed.items()}
        self.tried_infer = {t: m for t, (_, m) in timed.items()}
        self.decided = True
        self._memory[self._outcome()] = kept
        fewer = [t for t in self.tried if t < kept]  # rejected: a later job looks at one again
        look = {"threads": min(fewer, key=lambda t: (self.tried[t], t)), "timed": []} if fewer else None
        self._memory[self._outcome("trial")] = {"tried": dict(self.tried), "infer": dict(self.tried_infer),
                                                "at": self._wall(), "look": look}
        self._memory.pop(self._outcome("check"), None)
        self._memory.pop((self._key, "paces", self._base), None)
        self._memory.pop((self._key, "rounds", self._base), None)
        return kept

    @staticmethod
    def _fewest_as_fast(timed: dict[int, tuple[float, float]]) -> int:
        """The fewest threads whose (pace, model time) is about as fast as the fastest's:
        within :data:`SLOWER` in pace, or in model time with the pace within :data:`PACE_NOISE`."""
        fastest = min(p for p, _ in timed.values())
        fastest_model = min(m for _, m in timed.values())
        return min(t for t, (p, m) in timed.items()
                   if p <= SLOWER * fastest or (m <= SLOWER * fastest_model and p <= PACE_NOISE * fastest))

    def _steps(self) -> list[int]:
        """Thread counts the trial times, in order: torch's own, the plan's, then halves."""
        steps, n = [self._base, self._proposal], self._proposal // 2
        while n >= 1:
            steps.append(n)
            n //= 2
        return steps

    @staticmethod
    def _medians(got: list[tuple[float, float]]) -> tuple[float, float]:
        """(median pace, median model time) per image of one step's timed batches."""
        return statistics.median(p for p, _ in got), statistics.median(m for _, m in got)

    def summary(self) -> dict:
        """How the job ended up sharing the cores: torch threads of its last batch, batches
        read at once, and the trial's median seconds per image per thread count: from one
        finished batch to the next (``tried``), and of the model alone
        (``tried_infer``); ``remembered`` when an earlier job ran the trial, ``rechecked``
        when this job dropped such an outcome (threads, the median pace on them over
        ``batches``, and ``than``: the trial's pace of the step that should have been faster),
        ``second_look`` when this job timed batches of a second look at threads the trial
        rejected (``threads``, ``batches`` timed so far; once done, the median ``pace``
        against the trial's ``trial_pace``, the threads ``kept``, whether it ``switched``)."""
        out = {"model_threads": self._applied or self._base or 0, "reads_at_once": self.reads_at_once}
        if self.tried:
            out["tried"] = {str(k): round(v, 6) for k, v in self.tried.items()}
            out["tried_infer"] = {str(k): round(v, 6) for k, v in self.tried_infer.items()}
        if self.remembered:
            out["remembered"] = True  # an earlier job with these models ran the trial
        if self.rechecked:  # ... and this job went so much slower on its outcome that it was dropped
            out["rechecked"] = dict(self.rechecked)
        if self.looked:  # ... and this job timed a second look at fewer threads the trial rejected
            out["second_look"] = dict(self.looked)
        return out

    @property
    def planned(self) -> bool:
        """Whether both reading and inference have been measured (the plan holds)."""
        return self._threads is not None

    def apply(self) -> None:
        """On the model thread, before a batch: torch runs on the planned threads."""
        import torch

        with self._lock:
            if self._base is None:
                self._base = torch.get_num_threads()
                self._replan()
            want = self._threads
        if want is not None and torch.get_num_threads() != want:
            torch.set_num_threads(want)
        self._applied = torch.get_num_threads()

    def restore(self) -> None:
        """On the model thread, when the job ends: torch's threads as they were."""
        if self._base is not None:
            import torch

            if torch.get_num_threads() != self._base:
                torch.set_num_threads(self._base)
