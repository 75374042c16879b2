"""A mistyped ``--db`` given to a command that writes: `repair apply` made a new database,
indexed the folder into it and recorded the repair there (exit 0), so the folder's real
database never knew the output was a repair and the next index took it for a real image;
`repair train` indexed into the new database and trained with none of the real project's
repair records (so on any output saved outside ``repaired/``); `suggest --no-index` made
the database and its .open-lock and then failed on something else. Each now refuses it as
the read-only commands do (test_cli_db_typo.py): naming the URL and the ``llmvis index``
that makes it, nothing written."""
import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.cli import main


def _files(where):
    return sorted(p.name for p in where.iterdir())


def _mask(path, size=(16, 12)):
    arr = np.zeros((size[1], size[0]), np.uint8)
    arr[2:5, 2:5] = 255
    Image.fromarray(arr).save(path)
    return path


def _typo(tmp_path):
    typo = tmp_path / "dbs" / "typo.sqlite"
    typo.parent.mkdir()
    return typo, f"sqlite:///{typo}"


def _apply_argv(png_folder, tmp_path, project):
    argv = ["repair", "apply", str(png_folder / "img0.png"), "--mask", str(_mask(tmp_path / "m.png")),
            "--method", "telea"]
    return argv + (["--project", str(png_folder)] if project else [])


def _assert_refused(err, typo, url, png_folder):
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert str(typo) in line and "no project database" in line, line
    assert f"llmvis index {png_folder} --db {url}" in line, line


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("indexed", [False, True], ids=["new-folder", "indexed-folder"])
def test_repair_apply_refuses_a_mistyped_sqlite_db(png_folder, tmp_path, capsys, indexed, as_json):
    if indexed:
        assert main(["index", str(png_folder), "--quiet"]) == 0
    own = _files(png_folder / ".llmvis") if indexed else None
    typo, url = _typo(tmp_path)
    before = _files(png_folder)
    capsys.readouterr()
    argv = _apply_argv(png_folder, tmp_path, project=True) + ["--db", url] + (["--json"] if as_json else [])
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert _files(typo.parent) == []  # no database file, no .open-lock beside it
    _assert_refused(err, typo, url, png_folder)
    if as_json:
        assert str(typo) in json.loads(out)["error"]
    assert _files(png_folder) == before  # no repaired/ folder, no output image
    if indexed:
        assert _files(png_folder / ".llmvis") == own
        assert main(["info", str(png_folder), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["images"] == 5  # the output was not indexed either


def test_repair_apply_inside_a_project_refuses_a_mistyped_db_without_project_too(png_folder, tmp_path, capsys):
    """The image's project is found by its folder (no --project): the --db still names none."""
    assert main(["index", str(png_folder), "--quiet"]) == 0
    typo, url = _typo(tmp_path)
    capsys.readouterr()
    assert main(_apply_argv(png_folder, tmp_path, project=False) + ["--db", url]) == 1
    _assert_refused(capsys.readouterr().err, typo, url, png_folder)
    assert _files(typo.parent) == [] and not (png_folder / "repaired").exists()


def test_repair_apply_into_a_db_that_index_made_is_recorded_there(png_folder, tmp_path, capsys):
    db = tmp_path / "team.sqlite"
    url = f"sqlite:///{db}"
    assert main(["index", str(png_folder), "--quiet", "--db", url]) == 0
    capsys.readouterr()
    assert main(_apply_argv(png_folder, tmp_path, project=True) + ["--db", url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["repair_id"] is not None and (png_folder / "repaired").is_dir()


def test_repair_train_refuses_a_mistyped_sqlite_db(png_folder, tmp_path, capsys, monkeypatch):
    """It indexed the folder into the new database and trained with none of the real
    project's repair records: an output saved outside repaired/ was trained on."""
    from llmvis_desktop.core.repair import train as train_mod

    trained = []
    monkeypatch.setattr(train_mod, "data_from_project", lambda *a, **k: trained.append(1) or 1 / 0)
    assert main(["index", str(png_folder), "--quiet"]) == 0
    own = _files(png_folder / ".llmvis")
    typo, url = _typo(tmp_path)
    capsys.readouterr()
    out = tmp_path / "r.safetensors"
    argv = ["repair", "train", str(png_folder), "--steps", "1", "--from", "scratch", "--out", str(out), "--db", url]
    assert main(argv) == 1
    _assert_refused(capsys.readouterr().err, typo, url, png_folder)
    assert _files(typo.parent) == [] and not trained and not out.exists()
    assert _files(png_folder / ".llmvis") == own
    assert main(argv + ["--json"]) == 1
    assert str(typo) in json.loads(capsys.readouterr().out)["error"]


@pytest.mark.parametrize("model", [["--learned"], ["--captioner", "some/model"]], ids=["learned", "captioner"])
def test_suggest_no_index_refuses_a_mistyped_sqlite_db(png_folder, tmp_path, capsys, model):
    typo, url = _typo(tmp_path)
    assert main(["suggest", str(png_folder), "--no-index", "--db", url, *model]) == 1
    _assert_refused(capsys.readouterr().err, typo, url, png_folder)
    assert _files(typo.parent) == [] and not (png_folder / ".llmvis").exists()
    assert main(["suggest", str(png_folder), "--no-index", "--db", url, *model, "--json"]) == 1
    assert str(typo) in json.loads(capsys.readouterr().out)["error"]
    assert _files(typo.parent) == []


def test_suggest_that_indexes_still_makes_the_db(png_folder, tmp_path, capsys):
    """Without --no-index, suggest indexes first: a new --db is made a project, as index does."""
    db = tmp_path / "new.sqlite"
    url = f"sqlite:///{db}"
    main(["suggest", str(png_folder), "--learned", "--db", url])
    capsys.readouterr()
    assert db.is_file()
    assert main(["info", str(png_folder), "--db", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 5


def test_an_empty_postgresql_database_is_not_made_a_project_by_repair_or_suggest_no_index(
        png_folder, tmp_path, capsys, pg_url):
    from pg import table_names

    for argv in (_apply_argv(png_folder, tmp_path, project=True),
                 ["repair", "train", str(png_folder), "--steps", "1", "--from", "scratch",
                  "--out", str(tmp_path / "r.safetensors")],
                 ["suggest", str(png_folder), "--no-index", "--learned"]):
        assert main(argv + ["--db", pg_url]) == 1
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert "holds no llmvis project" in line and "llmvis index" in line and "--db" in line, line
        assert table_names(pg_url) == []  # no schema made, no project row
        assert not (png_folder / "repaired").exists() and not (tmp_path / "r.safetensors").exists()
    assert not (png_folder / ".llmvis").exists()
