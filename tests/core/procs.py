"""Child processes from /proc (Linux): the suggest job's reader processes, for tests
(they exit with a killed parent) and benchmarks (their CPU time)."""
from __future__ import annotations

from pathlib import Path


def _stat_fields(pid_dir: Path) -> list[str]:
    # the fields after "(name)": state, ppid, ...; utime/stime are fields 11 and 12 of these
    return (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` ([] where there is no /proc)."""
    kids = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            if int(_stat_fields(d)[1]) == pid:
                kids.append(int(d.name))
        except (OSError, ValueError, IndexError):
            continue
    return kids


def alive(pid: int) -> bool:
    """Running, not exited: a zombie has exited; only its parent (init here) has yet to reap it."""
    try:
        return _stat_fields(Path(f"/proc/{pid}"))[0] != "Z"
    except (OSError, IndexError):
        return False


def cpu_seconds(pid: int) -> float:
    """CPU seconds a process has run (``schedstat``, nanoseconds); 0.0 once it has gone."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0
