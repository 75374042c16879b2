"""A mistyped ``--db``: a command that only reads a project refuses it, naming the URL and
how to make that database, and writes nothing (it made the database file, a .open-lock
file beside it, and then blamed the folder: "FOLDER is not indexed yet: llmvis index FOLDER",
a command that indexes into the folder's own database, not the --db one)."""
import json
import shlex

import pytest

from llmvis_desktop.cli import main

READ_ONLY = {
    "info": lambda f, tmp: ["info", f],
    "info --json": lambda f, tmp: ["info", f, "--json"],
    "labels list": lambda f, tmp: ["labels", "list", f],
    "labels remove": lambda f, tmp: ["labels", "remove", f, "dent", "--force"],
    "evaluate": lambda f, tmp: ["evaluate", f],
    "evaluate --json": lambda f, tmp: ["evaluate", f, "--json"],
    "export": lambda f, tmp: ["export", f, "--format", "csv", "--out", str(tmp / "out.csv")],
    "import": lambda f, tmp: ["import", f, "--format", "csv", str(tmp / "in.csv")],
}


def _files(where):
    return sorted(p.name for p in where.iterdir())


@pytest.mark.parametrize("indexed", [False, True], ids=["new-folder", "indexed-folder"])
@pytest.mark.parametrize("command", sorted(READ_ONLY))
def test_a_read_only_command_refuses_a_mistyped_sqlite_db(png_folder, tmp_path, capsys, command, indexed):
    if indexed:  # the folder's own project exists: only the --db file is missing
        assert main(["index", str(png_folder), "--quiet"]) == 0
    (tmp_path / "in.csv").write_text("path,labels\n")
    typo = tmp_path / "dbs" / "typo.sqlite"
    typo.parent.mkdir()
    url = f"sqlite:///{typo}"
    own = sorted((png_folder / ".llmvis").iterdir()) if indexed else None
    capsys.readouterr()
    assert main(READ_ONLY[command](str(png_folder), tmp_path) + ["--db", url]) == 1
    out, err = capsys.readouterr()
    assert _files(typo.parent) == []  # no database file, no .open-lock beside it
    assert "Traceback" not in err and "not indexed yet" not in err
    line = err.strip().splitlines()[-1]
    assert str(typo) in line and "no project database" in line
    # how to make it: an index into that database, not the folder's own
    assert f"llmvis index {png_folder} --db {url}" in line
    if "--json" in command:
        assert str(typo) in json.loads(out)["error"]
    if indexed:
        assert sorted((png_folder / ".llmvis").iterdir()) == own
    else:
        assert not (png_folder / ".llmvis").exists()
    assert not (tmp_path / "out.csv").exists()


def test_a_relative_sqlite_db_is_looked_for_where_sqlite_would_open_it(png_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["info", str(png_folder), "--db", "sqlite:///rel.sqlite"]) == 1
    assert "rel.sqlite" in capsys.readouterr().err and not (tmp_path / "rel.sqlite").exists()
    assert main(["index", str(png_folder), "--quiet", "--db", "sqlite:///rel.sqlite"]) == 0
    assert (tmp_path / "rel.sqlite").is_file()
    capsys.readouterr()
    assert main(["info", str(png_folder), "--db", "sqlite:///rel.sqlite", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 5


def test_index_makes_a_new_db_which_the_read_only_commands_then_read(png_folder, tmp_path, capsys):
    db = tmp_path / "team.sqlite"
    url = f"sqlite:///{db}"
    assert main(["index", str(png_folder), "--quiet", "--db", url]) == 0
    assert db.is_file() and not (png_folder / ".llmvis").exists()
    assert main(["labels", "add", str(png_folder), "dent", "--db", url]) == 0
    capsys.readouterr()
    assert main(["info", str(png_folder), "--db", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 5
    assert main(["labels", "list", str(png_folder), "--db", url]) == 0
    assert "dent" in capsys.readouterr().out
    assert main(["evaluate", str(png_folder), "--db", url, "--json"]) == 0
    capsys.readouterr()
    assert main(["export", str(png_folder), "--db", url, "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 0
    assert (tmp_path / "o.csv").is_file() and not (png_folder / ".llmvis").exists()


@pytest.mark.parametrize("argv", [["evaluate"], ["export", "--format", "csv", "--out", "OUT"], ["info"]])
def test_a_db_never_indexed_says_to_index_into_that_db(png_folder, tmp_path, capsys, argv):
    """A --db database made by `labels add` but never indexed: the command to run names it
    (it said `llmvis index FOLDER`, which indexes the folder's own database)."""
    url = f"sqlite:///{tmp_path / 'made.sqlite'}"
    assert main(["labels", "add", str(png_folder), "dent", "--db", url]) == 0
    capsys.readouterr()
    args = [a.replace("OUT", str(tmp_path / "o.csv")) for a in argv]
    code = main(args[:1] + [str(png_folder), "--db", url] + args[1:])
    err = capsys.readouterr().err
    assert code == (0 if argv == ["info"] else 1)
    assert f"llmvis index {png_folder} --db {shlex.quote(url)}" in err
    assert not (png_folder / ".llmvis").exists()


def test_an_empty_postgresql_database_is_not_made_a_project_by_a_read_only_command(png_folder, tmp_path,
                                                                                   capsys, pg_url):
    from pg import table_names

    for argv in (["info", str(png_folder)], ["evaluate", str(png_folder)], ["labels", "list", str(png_folder)]):
        assert main(argv + ["--db", pg_url]) == 1
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert "holds no llmvis project" in line and "llmvis index" in line and "--db" in line
        assert table_names(pg_url) == []  # no schema made, no project row
    assert main(["index", str(png_folder), "--quiet", "--db", pg_url]) == 0
    capsys.readouterr()
    assert main(["info", str(png_folder), "--db", pg_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 5
