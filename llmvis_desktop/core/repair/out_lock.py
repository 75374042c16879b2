"""An exclusive lock on a training run's output checkpoint (``OUT.lock`` beside it), held
from before the "already holds a trained checkpoint" check until the final save, so two
runs on one ``--out`` (two engineers, two CI jobs) cannot both train and silently
overwrite each other.

The lock is an OS file lock (``flock``; ``msvcrt.locking`` on Windows) on the lock file,
which also holds the owner's pid for the refusal message. The OS drops the lock when its
process dies, so the lock file of a killed run is taken over, never "stale".
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional


class OutputLocked(Exception):
    """Another process holds the lock; ``pid`` is its process id when it could be read."""

    def __init__(self, out: Path, pid: Optional[int]) -> None:
        self.out, self.pid = out, pid
        who = f" (pid {pid})" if pid else ""
        super().__init__(f"another llmvis repair train is writing {out}{who}; wait for it or give another --out")


def lock_path(out: Path | str) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".lock")


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _read_pid(path: Path) -> Optional[int]:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip().split()
        return int(text[0]) if text else None
    except (OSError, ValueError):
        return None


class OutputLock:
    """``with OutputLock(out):`` holds the lock or raises :class:`OutputLocked`."""

    def __init__(self, out: Path | str) -> None:
        self.out = Path(out)
        self.path = lock_path(out)
        self._fd: Optional[int] = None

    def acquire(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(20):  # retried only when the file was replaced under us
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                raise OutputLocked(self.out, _read_pid(self.path))
            try:  # the holder before us may have removed the file after we opened it
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except OSError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            self._fd = fd
            return self
        raise OutputLocked(self.out, _read_pid(self.path))

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.unlink(self.path)  # while still held: the next run makes a fresh file
        except OSError:
            pass
        os.close(fd)

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
