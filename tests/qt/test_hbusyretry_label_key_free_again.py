"""Key 1 in the window, blocked on the taxonomy lock by carol's rename that commits just
before the window's review writer asks who holds it, was refused on the status bar with "A
teammate is changing the label list right now…" and the label not stored
(/tmp/hunt-hbusyretry/test_repro_window.py, window.png). The write now runs once more on
the review writer's thread and the label is stored, with no refusal said. PostgreSQL: the
embedded server of tests/core/pg.py; the hand-over is a hook on the who-holds-it query."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from llmvis_desktop.core import review_busy as rb
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import engine as eng
from llmvis_desktop.core.store import repo_labels as rl


def test_a_label_key_whose_lock_is_freed_before_the_question_is_stored(qtbot, window, image_folder, pg_url,
                                                                      monkeypatch):
    monkeypatch.setattr(eng, "INTERACTIVE_WAIT_MS", 300)  # the window's short wait, shorter
    monkeypatch.setattr(eng, "_who", lambda: "carol")
    carol = Project.open(image_folder, pg_url)
    done, release = threading.Event(), threading.Event()

    def rename() -> None:  # carol's rename of "dent", held open until released
        with carol.store.write() as s:
            rl.update_label(s, "dent", new_name="dent mark", actor="carol")
            done.set()
            release.wait(60)

    thread = threading.Thread(target=rename)
    try:
        for name in ("scratch", "dent"):
            carol.add_label(name)
        monkeypatch.setattr(eng, "_who", lambda: "alice")
        win = window
        win.open_project(image_folder, pg_url)
        qtbot.waitUntil(lambda: win.project is not None and win.review.current is not None, timeout=30000)
        assert win.review.wait_writes(30)
        first = win.review.current.id
        thread.start()
        assert done.wait(30)
        asked = []
        real = rb.taxonomy_holder

        def who(s):
            if not asked:  # carol's rename commits just before the question
                release.set()
                thread.join(60)
            asked.append(threading.current_thread().name)
            return real(s)

        monkeypatch.setattr(rb, "taxonomy_holder", who)
        win.grid.setFocus()
        with qtbot.waitSignal(win.review._writer.finished, timeout=30000):
            QTest.keyClick(win.grid, Qt.Key.Key_1)  # scratch
        said = win.statusBar().currentMessage()
        assert asked == ["llmvis-review-writer"], "the lock was never found taken on the writer: no hook"
        assert "right now" not in said and "Nothing was changed" not in said, said
        assert carol.image(first).labels == ("scratch",)
        assert "dent mark" in {lab.name for lab in carol.labels()}
    finally:
        release.set()
        if thread.is_alive():
            thread.join(60)
        carol.close()
