"""What suggestion jobs learnt about sharing this machine's cores, kept between sessions.

:class:`~.cores.CoreShare` remembers, per models, the measured costs per image and the
outcome of its trial of fewer torch threads in the model thread's memory, and the trial's
paces while it runs. That memory ends with the session, and every ``llmvis suggest`` run
is a session of its own, so each started from nothing: one batch read at a time until
both stages were measured, and a trial that a job of 4 batches or fewer never finished
(its first batch is not timed, and a step takes 3), run after run. This module keeps
those entries in a small JSON file in the cache folder (``cpu_sharing.json``), for this
machine's core count only: consecutive short runs with the same models finish one trial
together, as a session's short jobs do.

Losing the file costs nothing but a slower first job, so it is read and written on a
best-effort basis: an unreadable or damaged file is ignored with a log line, and a failed
write (a full disk, a read-only cache) never fails a job.

Nothing in it holds forever: a trial's outcome is kept with what the trial timed, so the
jobs on it can check it (:data:`.cores.RECHECK`), with the second look a later job gives
fewer threads the trial rejected (under way: short runs finish it together; done: not
repeated), and with its date: one older than
:data:`.cores.MAX_AGE_S` is tried again. A file saved under another torch version, or for
another core count, or that no job saved for that long, is ignored whole; torch's thread
count when the job started (the app gives it one core fewer than the command line) is part of each
entry's key, so another count's entries are never taken.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Optional

from .cores import MAX_AGE_S
from .tmp_names import drop, own_tmp

log = logging.getLogger(__name__)

FILE_NAME = "cpu_sharing.json"
FORMAT = 6  # 6: an outcome keeps the model's times the trial timed too, and its second look
# at fewer threads it rejected (under way or done: see cores.CoreShare._look_at); format 5
# outcomes that rejected fewer threads are tried again (no model times to judge a look by),
# those that kept the fewest hold; 5: an outcome keeps the trial's paces and date, the file torch's version and its
# own date (format 3 and 4 files are read for their costs and trials under way; their outcomes
# are tried again: with no paces to check them against, a wrong one, as a noisy trial kept
# about one run in eight, would hold for good); 4: a trial's paces and rounds so far are kept
# too; 3: a job's first batch no longer decides a trial (2: it could); 2: a trial walks down
# to fewer threads (format 1 outcomes stopped at the plan's)
READS = (3, 4, 5, 6)
_LOADED = "saved entries loaded"  # marks a memory already filled from the file
#: a job whose measured costs moved less than this (relative) from what this process last
#: wrote, and whose trial outcomes did not change, writes nothing: the write (a temporary
#: file, then a rename) cost a short job 1.5-3 ms after its last commit
COST_CHANGE = 0.25
#: ... unless it last wrote over this long ago (seconds): the file's date is kept fresh
REDATE_S = 24 * 3600
_written: dict = {}  # path -> the data this process last wrote there


def saved_path() -> Path:
    from ..config import cache_dir

    return cache_dir() / FILE_NAME


def torch_version() -> Optional[str]:
    """The installed torch's version, without importing it (None: not installed)."""
    module = sys.modules.get("torch")
    if module is not None and getattr(module, "__version__", None):
        return str(module.__version__)
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        return version("torch")
    except PackageNotFoundError:
        return None


def load(path: Path, cores: int, now: Optional[float] = None) -> dict:
    """The memory entries saved in ``path`` for a machine of ``cores`` cores: ``{}`` when
    there is no file, or it is unreadable, damaged, from another core count or torch
    version, or saved over :data:`.cores.MAX_AGE_S` before ``now`` (seconds since the
    epoch); trial outcomes that old are left out too."""
    now = time.time() if now is None else now
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: not read (%s); jobs start without what earlier ones measured", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("format") not in READS or data.get("cores") != cores:
        return {}
    fmt = data["format"]
    out: dict = {}
    try:
        if fmt >= 5:
            why = None
            if data["torch"] != torch_version():
                why = f"saved with torch {data['torch']}, this is {torch_version()}"
            elif abs(now - float(data["saved"])) > MAX_AGE_S:  # (or a clock set back)
                why = f"saved over {MAX_AGE_S // 86400} days ago"
            if why:
                log.info("%s: not used (%s); jobs measure the cores again", path, why)
                return {}
        for entry in data.get("models", []):
            key = tuple(tuple(part) for part in entry["key"])
            if "costs" in entry:
                read, infer = entry["costs"]
                out[(key, "costs")] = (float(read), float(infer))
            for row in entry.get("kept", []) if fmt >= 5 else ():  # (older outcomes: see FORMAT)
                base, proposal, kept, tried, at, infer, look = row if fmt >= 6 else (*row, {}, None)
                tried = {int(t): float(p) for t, p in tried.items()}
                infer = {int(t): float(m) for t, m in infer.items()}
                look = _look(look)
                if fmt < 6 and tried and int(kept) > min(tried):
                    continue  # it rejected fewer threads: no model times to give them a second look
                if abs(now - float(at)) <= MAX_AGE_S:
                    out[(key, int(base), int(proposal))] = int(kept)
                    out[(key, "trial", int(base), int(proposal))] = {"tried": tried, "infer": infer,
                                                                      "at": float(at), "look": look}
            for base, threads, timed in entry.get("paces", []):
                out.setdefault((key, "paces", int(base)), {})[int(threads)] = [
                    (float(pace), float(model)) for pace, model in timed]
            for base, threads, rounds in entry.get("rounds", []):
                out.setdefault((key, "rounds", int(base)), {})[int(threads)] = int(rounds)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("%s: damaged (%s); jobs start without what earlier ones measured", path, exc)
        return {}
    return out


def _look(look) -> Optional[dict]:
    """A saved second look, checked: None, or {"threads", "timed": [(pace, model), ...]}
    and, once done, "kept", "was", "trial_pace", "at"."""
    if look is None:
        return None
    out = {"threads": int(look["threads"]), "timed": [(float(p), float(m)) for p, m in look["timed"]]}
    if "kept" in look:
        out.update(kept=int(look["kept"]), was=int(look["was"]), at=float(look["at"]),
                   trial_pace=None if look["trial_pace"] is None else float(look["trial_pace"]))
    return out


def save(memory: dict, path: Path, cores: int, now: Optional[float] = None) -> None:
    """Write the costs, trial outcomes (with what their trial timed, and when) and
    unfinished trials' paces and rounds in ``memory`` to ``path`` (whole, then renamed
    over the old file), dated ``now``. Failing is logged, never raised."""
    now = time.time() if now is None else now
    models: dict[tuple, dict] = {}
    for k, v in dict(memory).items():  # a copy: the model thread may still add to it
        if not (isinstance(k, tuple) and isinstance(k[0], tuple)):
            continue  # not a models key (a test's stand-in, or the loaded mark)
        if len(k) == 2 and k[1] == "costs":
            models.setdefault(k[0], {})["costs"] = [v[0], v[1]]
        elif len(k) == 3 and isinstance(k[1], int):
            trial = memory.get((k[0], "trial", k[1], k[2])) or {"tried": {}, "at": now}
            look = trial.get("look")
            if look is not None:
                look = {**look, "timed": [[p, m] for p, m in list(look["timed"])]}
            models.setdefault(k[0], {}).setdefault("kept", []).append(
                [k[1], k[2], v, {str(t): p for t, p in dict(trial["tried"]).items()}, trial["at"],
                 {str(t): m for t, m in dict(trial.get("infer", {})).items()}, look])
        elif len(k) == 3 and k[1] in ("paces", "rounds") and isinstance(k[2], int) and v:
            # a trial under way: (base, threads, [[pace, model], ...] or rounds) per step
            rows = [[k[2], threads, [[p, m] for p, m in list(got)] if k[1] == "paces" else got]
                    for threads, got in dict(v).items()]
            models.setdefault(k[0], {}).setdefault(k[1], []).extend(rows)
    data = {"format": FORMAT, "cores": cores, "torch": torch_version(), "saved": now,
            "models": [{"key": [list(part) for part in key], **entry} for key, entry in models.items()]}
    if _close_to(_written.get(path), data) and path.exists():
        return
    tmp = None
    # one temporary file per process and thread: the GUI and a CLI run may save at once;
    # what a killed save left is removed first (tmp_names.own_tmp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = own_tmp(path)
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)
        _written[path] = data
    except OSError as exc:
        log.warning("%s: not saved (%s); the next session's first job starts from nothing", path, exc)
        if tmp is not None:
            drop(tmp)


def _close_to(old: Optional[dict], new: dict) -> bool:
    """Whether ``new`` (data to save) says what ``old`` said: the same models, trial
    outcomes and trials under way (a short job's timed batches are what the next run
    needs), and costs within :data:`COST_CHANGE` of the old ones, and it was written
    within :data:`REDATE_S`."""
    if old is None or old["cores"] != new["cores"] or len(old["models"]) != len(new["models"]):
        return False
    if new["saved"] - old["saved"] > REDATE_S:  # a long session's file would age out unchanged
        return False
    for a, b in zip(old["models"], new["models"]):
        if a["key"] != b["key"] or any(sorted(map(json.dumps, a.get(part, []))) != sorted(map(json.dumps, b.get(part, [])))
                                       for part in ("kept", "paces", "rounds")):
            return False
        if ("costs" in a) != ("costs" in b):
            return False
        if any(abs(x - y) > COST_CHANGE * max(abs(x), abs(y)) for x, y in zip(a.get("costs", ()), b.get("costs", ()))):
            return False
    return True


def filled(memory: dict, cores: int, path: Optional[Path] = None) -> dict:
    """``memory`` (a model thread's), filled once from the saved file; what this session
    measured already wins over what is saved."""
    if not memory.get(_LOADED):
        for k, v in load(path or saved_path(), cores).items():
            memory.setdefault(k, v)
        memory[_LOADED] = True
    return memory
