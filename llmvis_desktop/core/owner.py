"""Who owns a piece of unfinished work left on disk or in the database (a repair's
temporary files, the labels an import made before it committed): this host and process,
and whether such an owner is gone, so that what a killed process left can be taken back
by the next run without touching the work of one still running.

On this host an owner is gone when its process is (or its pid now belongs to a process
started after the work was recorded: a reused pid). Another host's processes cannot be
seen from here (a team database, a shared folder): its work counts as abandoned only once
it is older than :data:`OTHER_HOST_AGE`, far longer than any one import or save runs."""
from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path
from typing import Optional

#: another host's unfinished work is taken back only once this old (seconds): a day
OTHER_HOST_AGE = 24 * 3600.0


def host_name() -> str:
    """This machine's name, as written into records and temporary file names
    (letters, digits, ``-`` and ``_`` only; at most 40)."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname() or "") or "host"
    return name[:40]


def this_process() -> dict:
    """The record of the running process: host, pid and the time (epoch seconds) now."""
    return {"host": host_name(), "pid": os.getpid(), "started": time.time()}


def alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie has exited)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS, Windows): as os.kill says
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _process_start(pid: int) -> Optional[float]:
    """When process ``pid`` started (epoch seconds, to ~1 s), from /proc; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # starttime: field 22 of stat, the 20th after "(name)"
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def gone(host: str, pid: int, since: float, now: Optional[float] = None,
         other_host_age: float = OTHER_HOST_AGE) -> bool:
    """Whether the owner (``host``, ``pid``) of work recorded at ``since`` (epoch seconds)
    is gone: on this host, its process has exited or its pid is now another process's
    (started more than 2 s after ``since``); on another host, the work is older than
    ``other_host_age``."""
    now = time.time() if now is None else now
    if host != host_name():
        return now - since > other_host_age
    if not alive(pid):  # (this process's own pid too: alive, gone only if it started after ``since``)
        return True
    start = _process_start(pid)
    return start is not None and start > since + 2.0
