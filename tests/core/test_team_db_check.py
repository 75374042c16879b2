"""Core of File ▸ Open team project…: a team database looked at before it is opened, each
failure said in plain words naming the value at fault (the driver's pip package, the
server's host:port, the user, the database), against the tests' PostgreSQL server."""
from __future__ import annotations

from pathlib import Path

from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import db_check
from llmvis_desktop.core.store.db_location import url_without_password

from team_pg_auth import password_role


def _folder(tmp_path: Path, name: str = "imgs") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for i in range(3):
        Image.new("RGB", (8, 8), (i * 60, 0, 0)).save(folder / f"{i}.png")
    return folder


def test_the_folders_project_empty_database_and_another_folder(tmp_path, pg_url):
    folder, other = _folder(tmp_path), _folder(tmp_path, "other")
    empty = db_check.check_database(pg_url, folder)
    assert empty.kind == db_check.EMPTY and empty.opens and "makes a new llmvis project" in empty.message
    with Project.open(folder, pg_url) as p:
        p.index()
    ok = db_check.check_database(pg_url, folder)
    assert ok.kind == db_check.OK and ok.images == 3 and "3 images" in ok.message
    moved = db_check.check_database(pg_url, other)
    assert moved.kind == db_check.OTHER_FOLDER and str(folder.resolve()) in moved.message
    assert str(other.resolve()) in moved.message


def test_unknown_database_is_named(tmp_path, pg_url):
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(database="no_such_db_here").render_as_string(hide_password=False)
    got = db_check.check_database(url, _folder(tmp_path))
    assert got.kind == db_check.NO_DATABASE and "'no_such_db_here'" in got.message


def test_missing_driver_names_the_pip_package(tmp_path, pg_url):
    url = pg_url.replace("postgresql+psycopg://", "postgresql+psycopg2://", 1)
    got = db_check.check_database(url, _folder(tmp_path))
    assert got.kind == db_check.DRIVER and "pip install psycopg2-binary" in got.message


def test_unreachable_host_names_host_and_port(tmp_path):
    got = db_check.check_database("postgresql+psycopg://bob@127.0.0.1:1/team", _folder(tmp_path))
    assert got.kind == db_check.UNREACHABLE and "127.0.0.1:1" in got.message


def test_wrong_or_missing_password_names_the_user(tmp_path, pg_server, pg_url):
    folder = _folder(tmp_path)
    with password_role(pg_server, pg_url, "s3cret") as url:
        user = url.split("://", 1)[1].split("@", 1)[0]
        wrong = db_check.check_database(url, folder, "nope")
        assert wrong.kind == db_check.AUTH and wrong.needs_password and f"refused the password of user {user!r}" in wrong.message
        none = db_check.check_database(url, folder)
        assert none.kind == db_check.AUTH and repr(user) in none.message
        assert db_check.check_database(url, folder, "s3cret").kind == db_check.EMPTY
        # the password put in and taken out again
        full = db_check.url_with_password(url, "s3cret")
        assert db_check.password_of(full) == "s3cret" and "s3cret" not in url_without_password(full)


def test_another_programs_tables_are_no_project(tmp_path, pg_url):
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id int)"))
    engine.dispose()
    got = db_check.check_database(pg_url)  # (no folder chosen yet)
    assert got.kind == db_check.FOREIGN and not got.opens and "1 tables of another program" in got.message


def test_a_statement_failure_is_no_connection_problem():
    from llmvis_desktop.core.project import ProjectError

    exc = ProjectError('team: cannot open the project database (relation "images" does not exist)')
    assert db_check.connect_problem(exc, "postgresql+psycopg://bob@db.lab/team") is None
