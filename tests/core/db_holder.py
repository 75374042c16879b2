"""Another process holding an SQLite database's write lock (BEGIN EXCLUSIVE), as a
teammate's long import, a backup tool or the sqlite3 shell would: the real lock the
busy-database tests meet."""
from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

_SCRIPT = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.read()  # until the test closes it
conn.rollback()
"""


class Holder:
    """Holds ``db``'s write lock from the time it is made (once the other process said it
    holds it) until :meth:`release`; ``with Holder(db):`` releases it at the block's end."""

    def __init__(self, db) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(db)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.released_at = None
        if self.proc.stdout.readline().strip() != "held":
            self.release()
            raise RuntimeError(f"the lock holder could not lock {db}")

    def release(self) -> None:
        if self.released_at is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
            self.released_at = time.monotonic()

    def __enter__(self) -> Holder:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def waiting(report) -> bool:
    """A progress report that says the job waits for the database (``Progress.waiting``)."""
    return getattr(report, "waiting", False)


def release_at_third_wait(holder: Holder, seen: list):
    """A progress callback that records each report in ``seen`` and releases ``holder`` at
    the third waiting report: the job's first try and two tries again failed first."""
    def progress(report) -> None:
        seen.append(report)
        if waiting(report) and sum(1 for q in seen if waiting(q)) == 3:
            holder.release()
    return progress


class StderrWatch(io.StringIO):
    """A command's stderr: ``holder`` is released ``after`` seconds once a line says the
    job waits (``: waiting (``; the job tries again meanwhile, in vain)."""

    def __init__(self, holder: Holder, after: float = 2.0) -> None:
        super().__init__()
        self.holder, self.after, self.said_at = holder, after, None

    def write(self, text):
        if ": waiting (" in text and self.said_at is None:
            self.said_at = time.monotonic()
            threading.Timer(self.after, self.holder.release).start()
        return super().write(text)


def cli_while_held(args, db, monkeypatch, stage: str = "suggest", who: str = "the job") -> list[str]:
    """``llmvis ARGS`` run while another process holds ``db``, released 2 s after the job
    says it waits: its stderr's lines, checked to say (while the lock was held, on the
    progress line of ``stage``) that it waits for ``db`` and then that the wait is over;
    the run succeeded, and it ended saying how long it (``who``) waited in all."""
    from llmvis_desktop.cli import main

    holder = Holder(db)
    watch = StderrWatch(holder)
    monkeypatch.setattr(sys, "stderr", watch)
    try:
        code = main(args)
    finally:
        holder.release()
    err = watch.getvalue()
    assert code == 0, err
    lines = err.splitlines()
    waiting = [ln for ln in lines if ln.startswith(f"{stage}: waiting (")]
    assert waiting and waiting[0].endswith(
        f" so far) for the project database {db}: another process is writing to it; the job goes on when "
        f"it is free"), err
    assert any(ln.startswith(f"{stage}: the project database {db} is free again after ") for ln in lines), err
    assert watch.said_at < holder.released_at  # it said so while the lock was held
    assert "busy" not in err, err
    note = [ln for ln in lines if ln.startswith(f"note: {who} waited ")]  # and once at the end, in all
    assert len(note) == 1 and note[0].endswith(f" in all for the project database {db}, which another writer held"), err
    return lines
