"""The `llmvis` command line: index, info --json, labels; clear errors and exit codes."""
import json
import subprocess
import sys

from llmvis_desktop.cli import main


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
    assert info["suggestions"] == {"pending": 0, "accepted": 0, "edited": 0, "rejected": 0}
    assert info["repairs"] == 0


def test_labels_list_and_refused_remove(png_folder, capsys):
    from llmvis_desktop.core.project import Project

    main(["labels", "add", str(png_folder), "dent", "--color", "#112233", "--key", "7"])
    with Project.open(png_folder) as p:
        p.scan()
        p.toggle_label(p.image_ids()[0], "dent", "alice")
    capsys.readouterr()
    assert main(["labels", "list", str(png_folder), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "dent" and listed[0]["shortcut"] == "7" and listed[0]["images"] == 1
    assert main(["labels", "remove", str(png_folder), "dent"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: label 'dent' is on 1 image(s)") and "Traceback" not in err
    assert main(["labels", "remove", str(png_folder), "dent", "--force"]) == 0


def test_missing_folder_is_one_line(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope" in err[0] and "no such folder" in err[0]


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
