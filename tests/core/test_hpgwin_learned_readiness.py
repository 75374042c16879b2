"""The learned suggester's readiness (read by the window after every Enter, off the GUI
thread) read the reviewed ids, their records and the label list in three sessions: on a
team's PostgreSQL 25 ms away each way 9 round trips, after every review. One
transaction now (the same answer)."""
from __future__ import annotations

from PIL import Image
from sqlalchemy import event

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest.learned import LearnedSuggester


def test_readiness_is_one_transaction(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(6):
        Image.new("RGB", (8, 8), (i * 30, 0, 0)).save(root / f"i{i}.png")
    with Project.open(root) as p:
        p.index()
        for n in ("scratch", "dent"):
            p.add_label(n)
        ids = p.image_ids()
        for i in ids[:3]:
            p.set_labels(i, ["dent"], "me")
            p.set_status(i, "reviewed", "me")
        sugg = LearnedSuggester(p, model="linear")
        sugg.status()  # (built, its first look made)
        begins: list = []

        def seen(conn, cursor, statement, *_):
            if statement.strip().upper().startswith("BEGIN"):
                begins.append(statement)

        event.listen(p.store.engine, "before_cursor_execute", seen)
        try:
            ready, message = sugg.status()
        finally:
            event.remove(p.store.engine, "before_cursor_execute", seen)
        assert not ready
        assert "'dent'" in message or "dent" in message, message
        assert len(begins) == 1, begins
