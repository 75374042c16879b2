"""Another process holding an SQLite database's write lock (BEGIN EXCLUSIVE), as a
teammate's long import, a backup tool or the sqlite3 shell would: the real lock the
busy-database tests meet."""
from __future__ import annotations

import subprocess
import sys
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
