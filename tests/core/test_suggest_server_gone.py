"""The team's PostgreSQL server going away (stopped, restarted, the network down) in the
middle of `llmvis suggest`: the batches committed before are kept and a run again
resumes, yet the job printed SQLAlchemy's traceback twice ("storing the last suggestions
failed", then the command's own) and ended `failed: OperationalError: (psycopg.
OperationalError) connection is bad: ...`, saying neither what was kept nor what to do.
The driver's errors are simulated here, as a stopped server raises them (psycopg 3):
a new connection refused (no SQLSTATE) and the open one cut (57P01 admin_shutdown)."""
from __future__ import annotations

import json

import psycopg
import pytest
from psycopg import errors as pg_errors
from sqlalchemy.exc import OperationalError

from llmvis_desktop.cli import main
from llmvis_desktop.core.errors import first_line

try:
    from . import tiny_models
except ImportError:  # run as a plain module
    import tiny_models

N_IMAGES, BATCH = 12, 2
REFUSED = ('connection is bad: connection to server on socket "/tmp/pg/.s.PGSQL.5432" failed: '
           'No such file or directory\n\tIs the server running locally and accepting connections on that socket?')


def _refused() -> OperationalError:
    return OperationalError(None, None, psycopg.OperationalError(REFUSED))


def _cut() -> OperationalError:
    return OperationalError("INSERT INTO suggestions ...", {},
                            pg_errors.AdminShutdown("terminating connection due to administrator command"))


def _gone_after(monkeypatch, commits: int, error) -> None:
    tiny_models.fail_after_commits(monkeypatch, commits, error)


def _suggested(folder, db_url) -> int:
    from llmvis_desktop.core.project import Project

    with Project.open(folder, db_url) as p:
        return sum(1 for i in p.image_ids() if p.suggestions(i))


@pytest.mark.parametrize("error", [_refused, _cut], ids=["refused", "cut"])
def test_suggest_when_the_server_goes_away_says_what_was_kept_and_resumes(tiny, tmp_path, capsys, monkeypatch,
                                                                          db_url, error):
    from llmvis_desktop.core.store.engine import describe_url

    folder = tiny_models.image_folder(tmp_path / "images", N_IMAGES)
    db = ["--db", db_url] if db_url else []
    args = ["suggest", str(folder), *db, "--captioner", str(tiny["blip"]), "--batch", str(BATCH),
            "--read-processes", "0"]
    _gone_after(monkeypatch, 2, error)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    kept = _suggested(folder, db_url)
    assert 0 < kept < N_IMAGES
    where = describe_url(db_url) if db_url else str(folder.resolve() / ".llmvis" / "project.sqlite")
    assert last.startswith(f"llmvis suggest: the suggest job stopped when the connection to the database "
                           f"{where} failed ("), last
    assert last.endswith(f"); suggestions for {kept} images before that are kept; when the database server can "
                         f"be reached again, run llmvis suggest again to finish"), last
    # --json: the same line and the count
    monkeypatch.undo()
    _gone_after(monkeypatch, 1, error)
    assert main([*args, "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    now = _suggested(folder, db_url)
    assert said["exit_code"] == 1 and said["images_kept"] == now - kept
    # the server back: a run again goes on from there, every image once
    monkeypatch.undo()
    assert main(args) == 0
    assert _suggested(folder, db_url) == N_IMAGES
    assert f"{N_IMAGES - now} images" in capsys.readouterr().out


def test_a_lost_connection_is_said_in_words_with_the_drivers_reason():
    from llmvis_desktop.core.errors import said_in_words

    for exc in (_refused(), _cut()):
        line = first_line(exc)
        assert line.startswith("the connection to the database server failed ("), line
        assert line.endswith("); try again when it can be reached"), line
        assert said_in_words(exc)
    assert "No such file or directory" in first_line(_refused())
    assert "administrator command" in first_line(_cut())
