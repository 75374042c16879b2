"""The `llmvis` command line: index, info --json, labels, cache; clear errors and exit codes."""
import hashlib
import json
import os
import subprocess
import sys
import time

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.config import config_path, load_config, save_config


def test_index_and_info_json(png_folder, capsys):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "5 image files listed" in out
    assert main(["labels", "add", str(png_folder), "ok", "scratch"]) == 0
    assert main(["info", str(png_folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.split("\n", 2)[-1])
    assert info["images"] == 5
    assert info["by_status"]["new"] == 5 and info["by_status"]["error"] == 0
    assert info["labels"] == {"ok": 0, "scratch": 0}
    assert info["suggestions"] == {"pending": 0, "accepted": 0, "edited": 0, "rejected": 0, "withdrawn": 0}
    assert info["repairs"] == 0


def test_labels_list_and_refused_remove(png_folder, capsys):
    from llmvis_desktop.core.project import Project

    main(["labels", "add", str(png_folder), "dent", "--color", "#112233", "--key", "7"])
    with Project.open(png_folder) as p:
        p.scan()
        p.toggle_label(p.image_ids()[0], "dent", "alice")
    capsys.readouterr()
    assert main(["labels", "list", str(png_folder), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["labels"]
    assert listed[0]["name"] == "dent" and listed[0]["shortcut"] == "7" and listed[0]["images"] == 1
    assert main(["labels", "remove", str(png_folder), "dent"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("llmvis labels remove: label 'dent' is on 1 image(s)") and "Traceback" not in err
    assert main(["labels", "remove", str(png_folder), "dent", "--force"]) == 0


def test_missing_folder_is_one_line(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope" in err[0] and "no such folder" in err[0]
    (tmp_path / "a.png").write_bytes(b"x")
    assert main(["info", str(tmp_path / "a.png")]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_db_url_option(png_folder, tmp_path, capsys):
    db = tmp_path / "team.sqlite"
    assert main(["index", str(png_folder), "--db", f"sqlite:///{db}", "--quiet", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["added"] == 5 and db.exists()
    assert not (png_folder / ".llmvis").exists()


def test_help_imports_no_ml_or_qt():
    code = (
        "import sys\n"
        "from llmvis_desktop import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "import llmvis_desktop, llmvis_desktop.core.project\n"
        "bad = [m for m in ('torch', 'transformers', 'PySide6') if m in sys.modules]\n"
        "print('BAD', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "BAD []" in out


def test_usage_error_exit_code():
    proc = subprocess.run([sys.executable, "-m", "llmvis_desktop.cli", "frobnicate"], capture_output=True)
    assert proc.returncode == 2


def _fill_cache(n: int, size: int):
    """n fake thumbnails of ``size`` bytes in the configured cache, entry i the i-th oldest."""
    folder = load_config().thumbnail_cache_dir()
    paths = []
    for i in range(n):
        key = hashlib.sha1(str(i).encode()).hexdigest()
        path = folder / key[:2] / key[2:4] / f"{key}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"j" * size)
        os.utime(path, (time.time() - (n - i) * 60,) * 2)
        paths.append(path)
    return folder, paths


def test_cache_info_before_first_use_creates_nothing(capsys):
    folder = load_config().thumbnail_cache_dir()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"location  {folder} (not created yet)"
    assert out[1].startswith("size      0.0 MiB in 0 file(s)") and out[2].startswith("limit     1024 MiB")
    assert not folder.exists()
    assert main(["cache", "prune"]) == 0
    assert "nothing to prune" in capsys.readouterr().out and not folder.exists()
    # --json: numbers, never null (bytes_left was null)
    assert main(["cache", "prune", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert (done["removed_files"], done["removed_bytes"], done["bytes_left"]) == (0, 0, 0)
    assert main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["exists"], info["files"], info["bytes"], info["thumbnails"], info["failures"]) == (False, 0, 0, 0, 0)
    assert not folder.exists()


def test_cache_info_and_prune(capsys):
    folder, paths = _fill_cache(6, 400 * 1024)  # 2.4 MiB
    (folder / "aa").mkdir(exist_ok=True)
    (folder / "aa" / "notes.txt").write_text("not a cache file")
    assert main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["location"] == str(folder) and info["exists"]
    assert (info["files"], info["bytes"], info["thumbnails"], info["failures"]) == (6, 6 * 400 * 1024, 6, 0)
    assert main(["cache", "prune", "--max-mb", "0"]) == 0  # no limit
    assert capsys.readouterr().out.strip() == f"{folder}: no size limit (0), nothing pruned"
    assert all(p.exists() for p in paths)
    assert main(["cache", "prune", "--max-mb", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bytes_left"] == 6 * 400 * 1024  # no limit: the size now
    assert main(["cache", "prune", "--max-mb", "2"]) == 0
    assert capsys.readouterr().out.strip() == f"{folder}: 2 file(s) removed (0.8 MiB), 1.6 MiB left, limit 2 MiB"
    assert [p.exists() for p in paths] == [False, False, True, True, True, True]
    cfg = load_config()
    cfg.thumbnail_cache_mb = 1  # the setting is the default limit
    save_config(cfg)
    assert main(["cache", "prune", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert (done["limit_mb"], done["removed_files"], done["bytes_left"]) == (1, 2, 2 * 400 * 1024)
    assert [p.exists() for p in paths] == [False] * 4 + [True] * 2
    assert (folder / "aa" / "notes.txt").exists()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "size      0.8 MiB in 2 file(s) (2 thumbnails, 0 unreadable-file records)"
    assert out[2] == "limit     1 MiB (setting thumbnail_cache_mb)"


def test_cache_errors(capsys):
    with pytest.raises(SystemExit) as info:
        main(["cache", "prune", "--max-mb", "-1"])
    assert info.value.code == 2
    assert "--max-mb: must be a whole number of MiB" in capsys.readouterr().err
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('{"thumbnail_cache_mb": -3}')
    for argv in (["cache", "info"], ["cache", "prune"]):  # a wrong setting: one warning, its default used
        assert main(argv) == 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("warning: ") and "'thumbnail_cache_mb': -3 is negative" in err[0]


def test_labels_with_several_names_are_all_added_or_none(png_folder, capsys):
    """One name refused (a key used twice, a name twice, an unknown one to remove) used to
    leave the names before it changed and exit 1."""
    from llmvis_desktop.core.project import Project

    with pytest.raises(SystemExit) as exc:  # one key for two labels: a usage error now
        main(["labels", "add", str(png_folder), "scratch", "crack", "--key", "5"])
    assert exc.value.code == 2
    assert main(["labels", "add", str(png_folder), "dent", "dent"]) == 1
    assert main(["labels", "add", str(png_folder), "ok", "--key", "J"]) == 1  # J is "next", not a label key
    assert "1 to 9" in capsys.readouterr().err
    with Project.open(png_folder) as p:
        assert p.labels() == []
    assert main(["labels", "add", str(png_folder), "scratch", "crack", "ok"]) == 0
    assert main(["labels", "remove", str(png_folder), "scratch", "nosuch"]) == 1
    with Project.open(png_folder) as p:
        labels = {d.name: d for d in p.labels()}
        assert set(labels) == {"scratch", "crack", "ok"}
        used = {d.color for d in labels.values()}
    # a removed label's colour comes free for the next one (it reused one in use)
    assert main(["labels", "remove", str(png_folder), "crack"]) == 0
    assert main(["labels", "add", str(png_folder), "stain", "pitting"]) == 0
    with Project.open(png_folder) as p:
        colors = [d.color for d in p.labels()]
    assert len(set(colors)) == len(colors) == 4 and labels["crack"].color in colors and used <= set(colors)


@pytest.mark.parametrize("argv", [
    ["repair", "train", "{f}", "--minutes", "nan"],
    ["repair", "train", "{f}", "--minutes", "-1"],
    ["repair", "train", "{f}", "--tile", "7"],
    ["repair", "train", "{f}", "--tile", "0"],
    ["repair", "train", "{f}", "--batch", "0"],
    ["repair", "train", "{f}", "--threads", "0"],
    ["export", "{f}", "--format", "jsonl", "--out", "{f}/../out", "--split", "nan,0.2"],
    ["export", "{f}", "--format", "jsonl", "--out", "{f}/../out", "--split", "inf"],
])
def test_bad_numbers_are_usage_errors(png_folder, capsys, argv):
    """They ran forever (--minutes nan), wrote an empty checkpoint (-1), or failed deep
    inside with exit 1 and a numpy or KeyError line."""
    with pytest.raises(SystemExit) as exc:
        main([a.format(f=png_folder) for a in argv])
    assert exc.value.code == 2
    assert not (png_folder.parent / "out").exists()
    capsys.readouterr()


def test_debug_is_taken_after_the_subcommand_too(tmp_path, capsys):
    """`llmvis info X --debug` was a usage error; --debug worked only before the subcommand."""
    from llmvis_desktop.core.project import ProjectError

    with pytest.raises(ProjectError):  # with --debug the error is raised, with its traceback
        main(["info", str(tmp_path / "nope"), "--debug"])
    assert main(["info", str(tmp_path / "nope")]) == 1


@pytest.mark.parametrize("argv", [["index", "{d}/nope", "--json"], ["info", "{d}/nope", "--json"],
                                  ["labels", "list", "{d}/nope", "--json"], ["evaluate", "{d}/nope", "--json"]])
def test_a_failure_with_json_prints_json(tmp_path, capsys, argv):
    """A script reading --json output got nothing on stdout when the command failed."""
    assert main([a.format(d=tmp_path) for a in argv]) == 1
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["exit_code"] == 1 and "nope" in doc["error"] and "no such folder" in doc["error"]
    assert "nope" in err  # the one line on stderr stays


def test_index_reports_moved_files(png_folder, capsys):
    """A file moved within the folder kept its row, but `llmvis index` said "0 new,
    0 changed, 0 missing" and its --json had no "moved"."""
    assert main(["index", str(png_folder), "--quiet"]) == 0
    os.rename(png_folder / "img1.png", png_folder / "sub" / "img1.png")
    capsys.readouterr()
    assert main(["index", str(png_folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "0 new, 0 changed, 0 missing, 1 moved" in out
    os.rename(png_folder / "sub" / "img1.png", png_folder / "img1_renamed.png")
    os.rename(png_folder / "img2.png", png_folder / "IMG2.png")
    assert main(["index", str(png_folder), "--quiet", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # a name that is another name is found by its content (the header pass hashes it)
    assert (summary["moved"], summary["added"], summary["missing"]) == (2, 0, 0)


@pytest.mark.parametrize("value", ["0", "-1"])
def test_suggest_limit_below_one_is_a_usage_error(png_folder, capsys, value):
    """--limit 0 ran nothing, exited 0 and printed "on no device"."""
    with pytest.raises(SystemExit) as exc:
        main(["suggest", str(png_folder), "--learned", "--limit", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--limit" in err and "1 or more" in err
    assert not (png_folder / ".llmvis").exists()  # nothing indexed either


def test_info_on_an_indexed_empty_folder_says_it_holds_no_images(tmp_path, capsys):
    """It said "(no images indexed yet: llmvis index ...)" after `llmvis index` had run."""
    folder = tmp_path / "empty"
    folder.mkdir()
    assert main(["labels", "add", str(folder), "dent"]) == 0  # a project, never indexed
    capsys.readouterr()
    assert main(["info", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["indexed"] is False
    assert main(["info", str(folder)]) == 0
    assert "no images indexed yet: llmvis index" in capsys.readouterr().err
    assert main(["index", str(folder), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["info", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "no images found in" in err and "indexed" in err and "llmvis index" not in err
    assert main(["info", str(folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["indexed"] is True and info["images"] == 0


def test_models_list_names_a_missing_dir_once(tmp_path, capsys):
    """--dir /nonexistent warned it did not exist, then said "no models found in
    /nonexistent"."""
    missing = str(tmp_path / "nonexistent")
    assert main(["models", "list", "--dir", missing, "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert err.count(missing) == 1 and "no such folder" in err and "no models found" in err
    empty = tmp_path / "models"
    empty.mkdir()
    assert main(["models", "list", "--dir", str(empty), "--dir", missing, "--dir", missing, "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert err.count(missing) == 1
    assert f"no models found in {empty}; put" in err


def test_labels_add_key_with_several_names_is_a_usage_error(png_folder, capsys):
    """`labels add F burn ok --key 7` (7 free) said "shortcut '7' is already used by
    another label" (the second name got the key too)."""
    assert main(["labels", "add", str(png_folder), "dent"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["labels", "add", str(png_folder), "burn", "ok", "--key", "7"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--key takes one label name" in err and "already used" not in err
    assert main(["labels", "list", str(png_folder), "--json"]) == 0
    assert [l["name"] for l in json.loads(capsys.readouterr().out)["labels"]] == ["dent"]
    assert main(["labels", "add", str(png_folder), "burn", "--key", "7"]) == 0
    assert "added burn (key 7" in capsys.readouterr().out


def _no_escape(argv):
    """main(argv); a KeyboardInterrupt escaping it fails the test (it would end the run)."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        pytest.fail(f"KeyboardInterrupt escaped main({argv!r})")


def test_ctrl_c_says_what_was_kept(png_folder, capsys, monkeypatch, tmp_path):
    """Ctrl+C while a command's modules loaded printed a traceback and the process died of
    SIGINT (not 130); index and export said nothing of what was kept."""
    from llmvis_desktop import cli, cli_interchange
    from llmvis_desktop.core.project import Project

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    with monkeypatch.context() as mp:
        mp.setattr(cli, "build_parser", interrupt)
        assert _no_escape(["index", str(png_folder)]) == 130
    assert capsys.readouterr().err.strip() == "llmvis index: interrupted before anything was done"

    with monkeypatch.context() as mp:
        mp.setattr(Project, "read_headers", interrupt)
        assert _no_escape(["index", str(png_folder)]) == 130
    err = capsys.readouterr().err
    assert "llmvis index: interrupted; kept 5 images listed (5 headers still to read); run again to resume" in err

    with monkeypatch.context() as mp:
        mp.setattr(cli_interchange, "export_project", interrupt)
        assert _no_escape(["export", str(png_folder), "--format", "csv", "--out", str(tmp_path / "x.csv")]) == 130
    assert "nothing was left half-written" in capsys.readouterr().err


def test_sigterm_stops_any_command_as_ctrl_c_does(png_folder, tmp_path):
    """SIGTERM was handled only by `repair train`: `llmvis index` (any command) died of
    the signal with nothing said; it now says what was kept and exits 130, as Ctrl+C."""
    import signal
    from pathlib import Path

    import llmvis_desktop

    ready = tmp_path / "ready"
    code = (
        "import sys, time, pathlib\n"
        "from llmvis_desktop.core.project import Project\n"
        "def slow(self, *a, **k):\n"
        f"    pathlib.Path({str(ready)!r}).write_text('1')\n"
        "    time.sleep(60)\n"
        "Project.read_headers = slow\n"
        "from llmvis_desktop.cli import main\n"
        f"sys.exit(main(['index', {str(png_folder)!r}]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(llmvis_desktop.__file__).parent.parent))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), proc.communicate(timeout=10)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted; kept 5 images listed" in err and "run again to resume" in err


def test_sigterm_handler_is_restored_after_main(png_folder, capsys):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    assert main(["info", str(png_folder)]) in (0, 1)
    assert signal.getsignal(signal.SIGTERM) is before


def test_progress_in_a_log_is_plain_lines_at_each_tenth_and_interval(monkeypatch):
    """stderr not a terminal showed no progress at all: a long suggest run in a log
    said nothing for hours. Now a plain line (no carriage return) at each 10% step of a
    known total and at most every ``interval`` seconds, nothing per item."""
    import io

    from llmvis_desktop import cli_progress
    from llmvis_desktop.cli_progress import ProgressBar
    from llmvis_desktop.core.tasks import Progress

    clock = [1000.0]
    monkeypatch.setattr(cli_progress.time, "monotonic", lambda: clock[0])
    out = io.StringIO()
    bar = ProgressBar(stream=out, interval=30)
    bar(Progress("suggest", 0, 100_000))
    for done in range(1, 100_001, 250):  # 400 reports, 1 s apart
        clock[0] += 1
        bar(Progress("suggest", done, 100_000))
    clock[0] += 1
    bar(Progress("suggest", 100_000, 100_000))
    bar.close()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    tenths = [ln for ln in lines if "0%)" in ln]
    assert [ln.split("(")[1].split(")")[0] for ln in tenths][-10:] == [f"{p}%" for p in range(10, 101, 10)]
    assert len(lines) <= 10 + 400 // 30 + 1  # the steps, plus one every 30 s, never one per item
    assert lines[0].startswith("suggest: ") and " images (" in lines[0] and "images/s, ETA " in lines[0]
    assert lines[-1].startswith("suggest: 100,000/100,000 images (100%)")

    out = io.StringIO()  # an unknown total: only the interval
    bar = ProgressBar(stream=out, interval=5)
    for done in range(20):
        clock[0] += 1
        bar(Progress("scan", done))
    assert len(out.getvalue().splitlines()) == 3 and "\r" not in out.getvalue()


def test_index_in_a_log_reports_progress_in_plain_lines(png_folder, capsys, monkeypatch):
    from llmvis_desktop import cli_progress

    assert main(["index", str(png_folder)]) == 0  # done in a moment: no progress lines
    assert "images (" not in capsys.readouterr().err
    (png_folder / ".llmvis" / "project.sqlite").unlink()
    monkeypatch.setattr(cli_progress, "QUIET_S", 0.0)  # as a long job, past its first seconds
    assert main(["index", str(png_folder)]) == 0
    err = capsys.readouterr().err
    assert "headers: 5/5 images (100%)" in err and "\r" not in err
    assert main(["index", str(png_folder), "--quiet"]) == 0
    assert "images (" not in capsys.readouterr().err


def test_a_usage_error_with_json_prints_the_error_object(png_folder, capsys, monkeypatch):
    """README: with --json a failure also prints {"error", "exit_code"} on stdout; a
    usage error (exit 2) printed nothing there."""
    with pytest.raises(SystemExit) as exc:
        main(["info", str(png_folder), "--json", "--bogus"])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["exit_code"] == 2 and "unrecognized arguments: --bogus" in out["error"]
    assert "unrecognized arguments" in captured.err
    with pytest.raises(SystemExit) as exc:  # without --json: stdout stays empty
        main(["info", str(png_folder), "--bogus"])
    assert exc.value.code == 2 and capsys.readouterr().out == ""
    import argparse

    from llmvis_desktop import cli_project

    def refuse(args):
        argparse.ArgumentParser(prog="llmvis info").error("no such thing")

    monkeypatch.setattr(cli_project, "cmd_info", refuse)
    with pytest.raises(SystemExit) as exc:  # a usage error found by the command itself
        main(["info", str(png_folder), "--json"])
    captured = capsys.readouterr()
    assert exc.value.code == 2 and json.loads(captured.out)["exit_code"] == 2


def test_index_and_info_name_the_damaged_files(png_folder, capsys):
    """index, info and suggest said "2 unreadable" / "error 2" and never which files,
    though the database keeps each one's reason."""
    (png_folder / "zero.png").write_bytes(b"")
    good = next(p for p in sorted(png_folder.iterdir()) if p.suffix == ".png" and p.stat().st_size)
    (png_folder / "cut.png").write_bytes(good.read_bytes()[:40])
    assert main(["index", str(png_folder)]) == 0
    err = capsys.readouterr().err
    assert "could not read cut.png:" in err and "could not read zero.png:" in err, err
    assert main(["index", str(png_folder), "--json"]) == 0
    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert [u["path"] for u in summary["unreadable"]] == ["cut.png", "zero.png"]
    assert all(u["error"] for u in summary["unreadable"])
    assert main(["info", str(png_folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [u["path"] for u in info["unreadable"]] == ["cut.png", "zero.png"]
    assert main(["info", str(png_folder)]) == 0
    out = capsys.readouterr().out
    assert "unreadable could not read zero.png: " in out


def test_a_quiet_index_counts_the_damaged_files_instead_of_naming_each(png_folder, capsys):
    """`index -q` printed one line per unreadable file (thousands in a damaged share)."""
    (png_folder / "zero.png").write_bytes(b"")
    (png_folder / "zero2.png").write_bytes(b"")
    assert main(["index", str(png_folder), "-q"]) == 0
    captured = capsys.readouterr()
    assert "could not read" not in captured.err, captured.err
    assert captured.err.strip() == (f"warning: 2 unreadable files; `llmvis info {png_folder}` names them"), captured.err
    assert "2 unreadable" in captured.out


def test_unreadable_lines_say_how_many_more():
    from llmvis_desktop.cli_project import unreadable_lines

    lines = unreadable_lines([("a.png", "empty file (0 bytes)")], 4)
    assert lines == ["could not read a.png: empty file (0 bytes)",
                     "... and 3 more unreadable files (`llmvis info --json` lists them all)"]


@pytest.mark.parametrize("argv", [["info"], ["info", "--json"], ["labels", "list"], ["labels", "list", "--json"],
                                  ["labels", "remove", "--force"]])
def test_a_read_only_command_on_a_folder_never_indexed_writes_nothing(png_folder, capsys, argv):
    """`llmvis info` (or `labels list`) on a folder never indexed, or a mistyped existing one,
    made .llmvis/project.sqlite there; `llmvis evaluate` then said "not indexed yet"."""
    args = argv[:1] + ([argv[1]] if argv[0] == "labels" else []) + [str(png_folder)]
    args += (["dent"] if "remove" in argv else []) + [a for a in argv[1:] if a.startswith("--")]
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert "no project here" in err and "llmvis index" in err and "Traceback" not in err
    if "--json" in argv:
        assert "no project here" in json.loads(out)["error"]
    assert not (png_folder / ".llmvis").exists()
    # `labels add` makes the project, as before; then the read-only commands read it
    assert main(["labels", "add", str(png_folder), "dent"]) == 0
    assert (png_folder / ".llmvis" / "project.sqlite").exists()
    capsys.readouterr()
    assert main(["labels", "list", str(png_folder)]) == 0 and "dent" in capsys.readouterr().out
    assert main(["info", str(png_folder)]) == 0


def test_labels_add_with_a_taken_key_names_the_label_and_the_free_keys(png_folder, capsys):
    """`labels add F dent --key 4` said only "shortcut '4' is already used by another label":
    not which one, nor which keys are free."""
    assert main(["labels", "add", str(png_folder), "scratch", "crack", "ok", "stain"]) == 0
    capsys.readouterr()
    assert main(["labels", "add", str(png_folder), "dent", "--key", "4"]) != 0
    err = capsys.readouterr().err
    assert "'stain'" in err and "free keys: 5, 6, 7, 8, 9" in err, err
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.store.repo_labels import LabelError

    with Project.open(png_folder) as p:
        with pytest.raises(LabelError, match=r"used by label 'scratch'.*free keys: 5, 6, 7, 8, 9"):
            p.update_label("ok", shortcut="1")
