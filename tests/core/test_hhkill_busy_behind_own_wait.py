"""Another program held the project database (a `sqlite3` shell left in a transaction, an
import by another tool). The window's own background write (the review position, saved at
every move, with the batch jobs' long wait) queued behind it, holding this program's
writer's turn; every review action after it was refused with "Another job of this program
has been writing to the project database for 1.5 s": the reviewer was told to blame the
window, which was only waiting like them. The refusal now says what holds the file."""
from __future__ import annotations

import threading

import pytest
from db_holder import Holder
from lockwait import lock_watch
from sqlalchemy import text

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng
from llmvis_desktop.core.store.engine import Busy
from llmvis_desktop.core.store.waited import noted_waits


def test_a_write_queued_behind_our_own_waiting_write_names_the_other_holder(png_folder, monkeypatch):
    monkeypatch.setattr(eng, "SQLITE_BUSY_TIMEOUT_MS", 4000)  # the long wait, made shorter
    with Project.open(png_folder) as p:
        p.index()
        first = p.image_ids()[0]
        db = png_folder.resolve() / ".llmvis" / "project.sqlite"
        waiting = threading.Event()
        failed: list = []

        def background_write():  # as the review position's save: no short wait
            try:
                with p.store.write() as s:
                    waiting.set()
                    s.execute(text("UPDATE images SET caption = caption WHERE id = :i"), {"i": first})
            except Exception as exc:  # (the holder may outlast the wait: what it says is not the point)
                failed.append(exc)

        with Holder(db), lock_watch(None) as watch:
            t = threading.Thread(target=background_write)
            t.start()
            # its BEGIN IMMEDIATE is waiting for the other process now (seen, not slept for:
            # a fixed 0.1 s let a slow thread be refused as "another job of this program")
            assert watch.reached(t, waiting) == "waiting"
            with pytest.raises(Busy) as refused, noted_waits(300):
                p.set_caption(first, "typed", "reviewer")
            said = str(refused.value)
            assert "another job of this program" not in said.lower(), said
            assert "locked: another program or job is writing to it" in said, said
        t.join(30)
        assert not t.is_alive()
        p.set_caption(first, "typed", "reviewer")  # free again
        assert p.image(first).caption == "typed"


def test_our_own_job_writing_is_still_said_to_be_ours(png_folder):
    """The writer's turn held by this program's own write, under way: said as before."""
    with Project.open(png_folder) as p:
        p.index()
        first = p.image_ids()[0]
        inside, release = threading.Event(), threading.Event()

        def own_job():
            with p.store.write() as s:
                s.execute(text("UPDATE images SET caption = caption WHERE id = :i"), {"i": first})
                inside.set()
                release.wait(20)

        t = threading.Thread(target=own_job)
        t.start()
        try:
            assert inside.wait(10)
            with pytest.raises(Busy) as refused, noted_waits(200):
                p.set_caption(first, "typed", "reviewer")
            assert "another job of this program has been writing" in str(refused.value).lower()
        finally:
            release.set()
            t.join(30)
