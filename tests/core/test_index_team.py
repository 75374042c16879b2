"""The index on a team's shared folder: two machines indexing at once, a share that did
not mount, and mounts that keep modification times at different precision."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from llmvis_desktop.cli import main
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core import indexer
from llmvis_desktop.core.project import Project, ProjectError
from llmvis_desktop.core.store import models as m
from llmvis_desktop.core.store import repo_folders, repo_moves


def _renamed_lot(png_folder, db_url):
    """A reviewed folder lot1/ of the project, then renamed lot1_inspected/; the url."""
    lot = png_folder / "lot1"
    lot.mkdir()
    for f in png_folder.glob("img*.png"):
        f.rename(lot / f.name)
    with Project.open(png_folder, db_url) as p:
        p.index()
        for i in p.image_ids(flt=None):
            if p.image(i).relpath.startswith("lot1/"):
                ra.set_status(p, i, "reviewed", "alice")
        url = p.db_url
    lot.rename(png_folder / "lot1_inspected")
    return url


def _lot_rows(project):
    recs = project.images(project.image_ids())
    return sorted((r.relpath, r.status) for r in recs if r.relpath.startswith("lot1"))


def test_a_second_indexer_leaves_rows_the_first_moved_alone(png_folder, pg_url):
    """PostgreSQL: B has read the vanished folder's rows (no lock) when A's whole index
    runs and relinks them to the renamed folder; B's "mark them missing" then finds them
    moved, and leaves them reviewed at their new paths."""
    url = _renamed_lot(png_folder, pg_url)
    a, b = Project.open(png_folder, url), Project.open(png_folder, url)
    real = repo_folders.files_in_folder
    errors: list = []

    def a_runs_meanwhile(session, rel):
        rows = real(session, rel)
        if rel == "lot1" and threading.current_thread() is threading.main_thread() and not errors:
            errors.append(None)
            t = threading.Thread(target=lambda: errors.append(a.scan().moved))
            t.start()
            t.join(60)
        return rows

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(repo_folders, "files_in_folder", a_runs_meanwhile)
            b.scan()
        assert errors == [None, 3]  # A relinked the three files while B's read was open
        assert _lot_rows(b) == [(f"lot1_inspected/img{i}.png", "reviewed") for i in range(3)]
    finally:
        a.close()
        b.close()


def test_a_move_found_twice_is_relinked_once(png_folder, db_url, monkeypatch):
    """Two indexers found the same moves; the second, after the first relinked them, gave
    each image a second "move" event (PostgreSQL's rows are locked and looked at again)."""
    url = _renamed_lot(png_folder, db_url)
    real = repo_moves.relink_moved
    monkeypatch.setattr(repo_moves, "relink_moved", lambda s: 0)  # both list, neither relinks yet
    with Project.open(png_folder, url) as p:
        p.scan()
        monkeypatch.setattr(repo_moves, "relink_moved", real)
        with p.store.read() as s:
            stale = repo_moves.find_moves(s)  # what the second indexer found
        assert len(stale) == 3
        with p.store.write() as s:
            assert repo_moves.relink_moved(s) == 3  # the first one relinks
        monkeypatch.setattr(repo_moves, "find_moves", lambda s: stale)
        with p.store.write() as s:
            assert repo_moves.relink_moved(s) == 0
        for i in p.image_ids():
            if p.image(i).relpath.startswith("lot1"):
                assert [e.action for e in p.history(i)].count("move") == 1
        assert _lot_rows(p) == [(f"lot1_inspected/img{i}.png", "reviewed") for i in range(3)]


def test_a_row_marked_missing_whose_file_is_listed_is_repaired(png_folder, db_url):
    """An older version's race left rows "missing" at paths whose folder digest lists
    their files; the next index skipped the folder (same digest) and never repaired them."""
    with Project.open(png_folder, db_url) as p:
        p.index()
        target = p.image_by_path("sub/s0.png").id
        ra.set_status(p, target, "reviewed", "alice")
        with p.store.write() as s:  # the damage, as the second indexer left it
            s.get(m.Image, target).status = m.STATUS_MISSING
        result = p.scan()
        assert result.restored == 1 and result.changed == 0
        assert p.image(target).status == "reviewed"
        # repaired: the digests and the rows agree again, and a rescan skips every folder
        assert p.scan().restored == 0


# --- an unmounted share ---------------------------------------------------------------


def _share(png_folder, db_url, tmp_path):
    with Project.open(png_folder, db_url) as p:
        p.index()
        ra.set_status(p, p.image_ids()[0], "reviewed", "alice")
        url = p.db_url
    empty = tmp_path / "mnt" / "images"
    empty.mkdir(parents=True)
    (empty / "sub").mkdir()  # an empty folder or two: still nothing listed
    return url, empty


def test_an_empty_listing_marks_nothing_missing(png_folder, db_url, tmp_path):
    url, empty = _share(png_folder, db_url, tmp_path)
    with Project.open(empty, url) as bob:
        with pytest.raises(ProjectError) as err:
            bob.index()
        text = str(err.value)
        assert text.startswith(f"{empty} lists none of the project's 5 images")
        assert "is the share mounted? nothing was marked missing" in text
        assert f"the project was made from {png_folder.resolve()}" in text
        assert "\n" not in text
        assert bob.counts_by_status().get("missing", 0) == 0
    with Project.open(png_folder, url) as alice:  # her next index has nothing to restore
        assert alice.scan().restored == 0
        assert alice.counts_by_status() == {"new": 4, "reviewed": 1}


def test_an_empty_listing_is_accepted_when_asked(png_folder, db_url, tmp_path):
    url, empty = _share(png_folder, db_url, tmp_path)
    with Project.open(empty, url) as p:
        assert p.scan(allow_empty=True).missing == 5
        assert p.counts_by_status() == {"missing": 5}
        assert p.scan().missing == 0  # nothing present: nothing to refuse either


def test_cli_index_of_an_empty_mount_fails_with_one_line(png_folder, tmp_path, capsys):
    url, empty = _share(png_folder, None, tmp_path)
    capsys.readouterr()
    assert main(["index", str(empty), "--db", url, "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lists none of the project's 5 images" in err[0], err
    assert main(["index", str(empty), "--db", url, "--quiet", "--allow-empty"]) == 0
    assert "5 missing" in capsys.readouterr().out


# --- mtime precision ----------------------------------------------------------------

FINE = 1_700_000_000_123_456_789  # ns, as ext4 or NFS show it


@pytest.mark.parametrize("unit", [100, 1_000, 1_000_000, 1_000_000_000, 2_000_000_000])
def test_same_mtime_at_a_coarser_precision(unit):
    coarse = FINE - FINE % unit
    assert indexer.same_mtime(FINE, coarse) and indexer.same_mtime(coarse, FINE)
    assert not indexer.same_mtime(FINE, coarse - unit) and not indexer.same_mtime(coarse + unit, FINE)


def test_other_mtime_differences_are_changes():
    assert not indexer.same_mtime(FINE, FINE + 1)  # neither a multiple of 100 ns
    assert not indexer.same_mtime(FINE, FINE - 89 + 100)  # a multiple of 100 ns, but not FINE cut
    assert not indexer.same_mtime(1_700_000_001_000_000_000, FINE)  # an odd second: not within FAT's 2 s
    assert indexer.same_mtime(0, 0)


def _set_mtimes(folder, shift):
    for f in sorted(folder.rglob("*.png")):
        if ".hidden" not in f.parts:
            t = shift(FINE)
            os.utime(f, ns=(t, t))


def _changed_at(project):
    from sqlalchemy import select

    with project.store.read() as s:
        return dict(s.execute(select(m.Image.id, m.Image.content_changed_at)).all())


def test_a_coarser_mount_of_the_same_files_changes_nothing(png_folder, db_url):
    _set_mtimes(png_folder, lambda t: t)
    with Project.open(png_folder, db_url) as p:
        p.index()
        before = _changed_at(p)
        for unit in (100, 1_000, 1_000_000, 1_000_000_000, 2_000_000_000, 1):  # then back to ns
            _set_mtimes(png_folder, lambda t: t - t % unit)
            result = p.index()
            assert (result.changed, result.added, result.missing) == (0, 0, 0), unit
        assert _changed_at(p) == before
        _set_mtimes(png_folder, lambda t: t + 1)  # another time, however close: compared by content
        result = p.index()
        assert (result.changed, result.retimed) == (0, 5)  # (the same content: no change, 0015)
        assert _changed_at(p) == before


def test_the_indexers_own_events_are_known_to_its_project_only(png_folder, db_url):
    """A window told its own re-index apart from a teammate's by nothing: the history's
    actor is "indexer" for both, so its team watch announced "indexer changed 65 images"
    after its own F5. The events an index run writes (file_changed, file_missing,
    file_restored, move) are known to the project that ran it, and to no other."""
    with Project.open(png_folder, db_url) as p:
        p.index()
        url = p.db_url
        files = sorted(png_folder.glob("img*.png"))
        for i in p.image_ids():
            ra.set_caption(p, i, "seen", "alice")
        files[0].write_bytes(files[1].read_bytes())  # changed
        (png_folder / "lot").mkdir()
        files[1].rename(png_folder / "lot" / files[1].name)  # moved
        gone, kept = files[2].read_bytes(), files[2].stat()
        files[2].unlink()  # missing
        before = p.last_event_id()
        result = p.scan()
        assert (result.changed, result.moved, result.missing) == (1, 1, 1)
        files[2].write_bytes(gone)  # back again, as it was
        os.utime(files[2], ns=(kept.st_atime_ns, kept.st_mtime_ns))
        p.scan()
        with p.store.read() as s:
            written = s.execute(select(m.Event.id, m.Event.action).where(m.Event.id > before)).all()
        assert {a for _, a in written} == {"file_changed", "file_missing", "file_restored", "move"}
        assert all(p.written_here(eid) for eid, _ in written)
        assert p.written_here(before)  # alice's caption, written through p too: every event it writes is its own
        with Project.open(png_folder, url) as other:
            assert not any(other.written_here(eid) for eid, _ in written)
