"""Another reviewer's changes on the shared database show up in this window: the grid
row, the open image's panels and a status-bar line; a caption being typed is kept."""
from __future__ import annotations

import pytest

from qthelpers import open_and_index, watch_looks

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project


def test_other_reviewers_changes_show_up(qtbot, window, image_folder):
    with Project.open(image_folder) as before:  # changed before this window opened: not news
        before.scan()
        ra.set_caption(before, before.image_ids(sort="name")[-1], "an older caption", "carol")
    project = open_and_index(qtbot, window, image_folder)
    watch = window.team_watch
    watch.timer.setInterval(100)
    looks = []  # looks whose answer was handled (after the watch's own slot)
    watch.loader.done.connect(lambda *_: looks.append(1))
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)  # the first look
    # three looks later, nothing was announced (was a 400 ms wait: on a loaded machine
    # it could end before any further look, and the test checked nothing)
    qtbot.waitUntil(lambda: len(looks) >= 3, timeout=10000)
    assert "carol" not in window.statusBar().currentMessage()
    current = window.review.current
    other = next(i for i in window.model.ids if i != current.id)
    with Project.open(image_folder, project.db_url) as alice:  # the other reviewer's session
        alice.add_label("scratch")
        ra.set_caption(alice, current.id, "rust on the left weld", "alice")
        ra.toggle_label(alice, other, "scratch", "alice")
    qtbot.waitUntil(lambda: "alice changed 2 images" in window.statusBar().currentMessage(), timeout=10000)
    assert window.model.record(current.id).caption == "rust on the left weld"
    assert window.review.current.caption == "rust on the left weld"
    assert window.panel_ctl.caption.text() == "rust on the left weld"  # the open image, shown afresh
    assert list(window.model.record(other).labels) == ["scratch"]
    # the label alice added reached this window's taxonomy (panel, filter, grid colours)
    qtbot.waitUntil(lambda: window.model.label_color("scratch") != window.model.label_color("nonexistent"),
                    timeout=10000)

    # this reviewer's own change is not announced as someone else's
    window.review.set_caption("checked again", image_id=other)
    seen = len(looks)  # a look begun after the write has been handled (was a 500 ms wait)
    qtbot.waitUntil(lambda: len(looks) >= seen + 2, timeout=10000)
    assert "tester" not in window.statusBar().currentMessage()

    # a caption being typed survives another reviewer's change to the same image
    window.panel_ctl.caption.edit.setPlainText("my own words, not saved yet")
    with Project.open(image_folder, project.db_url) as alice:
        ra.set_status(alice, current.id, "rejected", "alice")
    qtbot.waitUntil(lambda: window.review.current.review_status == "rejected", timeout=10000)
    assert window.panel_ctl.caption.text() == "my own words, not saved yet"
    # alice saves a caption for it meanwhile: the typed text stays, the hint says so, and
    # Esc shows hers (it showed the caption from before, and saving replaced hers unsaid)
    with Project.open(image_folder, project.db_url) as alice:
        ra.set_caption(alice, current.id, "alice's second look", "alice")
    qtbot.waitUntil(lambda: "someone else" in window.panel_ctl.caption.clash.text(), timeout=10000)
    assert window.panel_ctl.caption.text() == "my own words, not saved yet"
    window.panel_ctl.caption.cancel()
    assert window.panel_ctl.caption.text() == "alice's second look"


def test_an_unreachable_database_is_said_once_and_the_watch_recovers(qtbot, window, image_folder, monkeypatch):
    project = open_and_index(qtbot, window, image_folder)
    watch = window.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)
    calls = {"n": 0}
    real = project.events_since

    def down(*args):
        calls["n"] += 1
        raise OSError("connection to server at db.example failed: Connection refused")

    monkeypatch.setattr(project, "events_since", down)
    qtbot.waitUntil(lambda: "cannot be reached" in window.statusBar().currentMessage(), timeout=10000)
    assert "Connection refused" in window.statusBar().currentMessage()
    window.statusBar().clearMessage()
    qtbot.waitUntil(lambda: calls["n"] >= 4, timeout=10000)  # it keeps looking...
    assert window.statusBar().currentMessage() == ""  # ...without saying it again
    monkeypatch.setattr(project, "events_since", real)
    current = window.review.current
    with Project.open(image_folder, project.db_url) as alice:
        ra.set_caption(alice, current.id, "back online", "alice")
    qtbot.waitUntil(lambda: window.review.current.caption == "back online", timeout=10000)
    assert not watch._failing


def test_a_lock_timeout_is_explained_to_the_reviewer():
    from llmvis_desktop.qt.review_controller import describe_db_error

    exc = RuntimeError("canceling statement due to lock timeout\nCONTEXT: while locking tuple (0,1)")
    msg = describe_db_error(exc)
    assert msg.startswith("Another reviewer or job has been changing this image for 15 s. Nothing was changed")
    assert "lock timeout" in msg


def test_an_unreachable_server_is_not_called_a_refusal():
    """A stopped PostgreSQL server read "The database refused the change"."""
    from llmvis_desktop.qt.review_controller import describe_db_error

    exc = RuntimeError('(psycopg.OperationalError) connection is bad: connection to server on socket '
                       '"/tmp/.s.PGSQL.5432" failed: No such file or directory')
    msg = describe_db_error(exc)
    assert msg.startswith("The project database cannot be reached. Nothing was changed")


def test_a_teammates_recolour_reaches_this_window(qtbot, window, image_folder):
    """A recolour (or a new key) writes no image event: the watch compared names only."""
    project = open_and_index(qtbot, window, image_folder)
    project.add_label("dent", color="#e53935")
    window.panel_ctl.reload_labels()
    watch = window.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._labels is not None and any(n[0] == "dent" for n in watch._labels),
                    timeout=10000)
    with Project.open(image_folder, project.db_url) as alice:
        alice.update_label("dent", color="#123456", actor="alice")
    qtbot.waitUntil(lambda: window.model.label_color("dent").lower() == "#123456", timeout=10000)


def test_suggestions_from_another_process_show_and_accept_takes_only_those_on_screen(qtbot, window, image_folder):
    """Another reviewer's job (or `llmvis suggest`) added cards to the open image: this
    window never showed them, and Return accepted them unseen."""
    from llmvis_desktop.core.store.records import NewSuggestion

    project = open_and_index(qtbot, window, image_folder)
    watch = window.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)
    current = window.review.current
    with Project.open(image_folder, project.db_url) as bob:
        bob.add_label("dent")
        (first,) = bob.add_suggestions([NewSuggestion(current.id, "label", "dent", "labeler-x", 0.31)])
    qtbot.waitUntil(lambda: window.panel_ctl.shown_suggestion_ids(current.id) == {first}, timeout=10000)
    assert window.model.record(current.id).review_status == "suggested"
    with Project.open(image_folder, project.db_url) as bob:  # a moment before Return: not on screen
        (late,) = bob.add_suggestions([NewSuggestion(current.id, "caption", "a dented plate", "cap-y", 0.4)])
        window.review.accept()
    rec = project.image(current.id)
    assert rec.labels == ("dent",) and rec.caption is None and rec.review_status == "reviewed"
    outcomes = {s.id: s.outcome for s in project.suggestions(current.id)}
    assert outcomes == {first: "accepted", late: "pending"}


def test_a_change_that_commits_late_is_still_seen(qtbot, window, image_folder):
    """A long import took ids before others committed theirs: the look went back a fixed
    200 ids and missed the rest of the import's images for good."""
    from llmvis_desktop.qt import team_watch as tw

    project = open_and_index(qtbot, window, image_folder)
    watch = window.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)
    ids = window.model.ids
    seen = []
    real_apply = watch.apply
    watch.apply = lambda image_ids, actors, n=None, **kw: (seen.extend(image_ids), real_apply(image_ids, actors, n))

    def look(rows):  # a look's result as the watch's worker hands it over
        fetched = tw._Fetched([(i, a) for _, i, a in rows], window.model.edit_seq)
        return (project, None, rows, tw._names(project.labels()), fetched)

    # ids 1000 past the newest are in use by a change not committed yet; a later one is
    start = project.last_event_id()
    watch._on_result(look([(start + 1001, ids[0], "bob")]), None)
    assert watch._gaps and watch._gaps[0][:2] == (start + 1, start + 1000)
    late = [(start + 1 + k, ids[1 + k % (len(ids) - 1)], "import:x.csv") for k in range(0, 1000, 97)]
    watch._on_result(look(late), None)
    assert set(ids[1:]) & set(seen) == {i for _, i, _ in late}
    assert all(not (lo <= e <= hi) for lo, hi, _ in watch._gaps for e, _, _ in late)


@pytest.mark.parametrize("said", ["(sqlite3.OperationalError) database or disk is full",
                                  '(psycopg.errors.DiskFull) could not extend file "base/16384/2619": '
                                  'No space left on device'])
def test_a_full_disk_is_not_called_a_refusal(said):
    """A full disk under the database read "The database refused the change"."""
    from llmvis_desktop.qt.review_controller import describe_db_error

    msg = describe_db_error(RuntimeError(said))
    assert msg.startswith("The disk holding the project database is full. Nothing was changed; free some space")


def _edit(path) -> None:
    """Change one pixel of the image file (its content, not only its time)."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
    px = im.getpixel((0, 0))
    im.putpixel((0, 0), tuple((v + 97) % 256 for v in px))
    im.save(path)


def test_this_windows_own_index_is_not_announced_as_a_teammates(qtbot, window, image_folder):
    """F5 after files were edited: "Index images: 0 new, 12 changed, 0 missing", then
    "indexer changed 11 images" as if a teammate had done it (the indexer writes a
    file_changed event on the images with a history only, hence 11). Another process's
    index is still announced."""
    import os

    project = open_and_index(qtbot, window, image_folder)
    ids = window.model.ids
    for i in ids[1:]:  # every image but one has a history
        ra.set_caption(project, i, "seen", "tester")
    watch = window.team_watch
    watch.timer.setInterval(100)
    qtbot.waitUntil(lambda: watch._last is not None, timeout=10000)
    watch_looks(qtbot, watch)
    said = []
    window.statusBar().messageChanged.connect(lambda text: text and said.append(text))
    files = sorted(p for p in image_folder.rglob("*.png"))
    for n, path in enumerate(files):
        _edit(path)  # (a touch alone is no change: the index compares a same-size file's content)
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9 + n))
    with qtbot.waitSignal(window.index_finished, timeout=20000) as done:
        window.project_ctl.start_index()
    assert done.args[0].changed == len(files)
    watch_looks(qtbot, watch)  # several looks of the watch
    assert [t for t in said if t.startswith("Index ")] == [f"Index images: 0 new, {len(files)} changed, 0 missing"]
    assert not [t for t in said if "indexer" in t]
    # the same change indexed by another process (a teammate's window, `llmvis index`)
    _edit(files[-1])
    os.utime(files[-1], ns=(files[-1].stat().st_atime_ns, files[-1].stat().st_mtime_ns + 10**9))
    with Project.open(image_folder, project.db_url) as other:
        assert other.scan().changed == 1
    qtbot.waitUntil(lambda: any(t == "indexer changed 1 image" for t in said), timeout=10000)
