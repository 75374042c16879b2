"""The export/import subcommands, driven through argparse as cli.py wires them."""
from __future__ import annotations



from interchange_helpers import run_cli as _run, annotate, copy_files, make_files, open_scanned


def test_cli_export_then_import(tmp_path, capsys):
    src = make_files(tmp_path / "src")
    p = open_scanned(src)
    annotate(p)
    p.close()
    out = tmp_path / "x.json"
    assert _run(["export", str(src), "--format", "coco", "--out", str(out), "--reviewed-only",
                 "--include-suggestions"]) == 0
    assert "coco:" in capsys.readouterr().out
    fresh = copy_files(src, tmp_path / "fresh")
    open_scanned(fresh).close()
    assert _run(["import", str(fresh), "--format", "coco", str(out), "--as", "suggestions"]) == 0
    # the anonymized DICOM name cannot map back in another project: a warning, not an error
    captured = capsys.readouterr()
    assert "name no image of this project" in captured.err
    assert _run(["export", str(fresh), "--format", "yolo", "--out", str(tmp_path / "y"),
                 "--split", "0.5,0.5", "--keep-dicom-identifiers"]) == 0


def test_cli_errors_are_one_line(tmp_path, capsys):
    src = make_files(tmp_path / "src")
    open_scanned(src).close()
    bad = tmp_path / "bad.csv"
    bad.write_text("file_name\n../../etc/passwd\n")
    assert _run(["import", str(src), "--format", "csv", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 2" in err[0] and "nothing was imported" in err[0]
    assert _run(["export", str(tmp_path / "nope"), "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_export_never_replaces_a_link_or_device(tmp_path, capsys):
    """--out naming a symlink or a device (/dev/full) or pipe was renamed over with a plain
    file, and the export reported success."""
    import os

    src = make_files(tmp_path / "imgs")
    open_scanned(src).close()
    target = tmp_path / "real.csv"
    target.write_text("keep me")
    link = tmp_path / "link.csv"
    os.symlink(target, link)
    assert _run(["export", str(src), "--format", "csv", "--out", str(link)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a plain file" in err[0]
    assert link.is_symlink() and target.read_text() == "keep me"
    pipe = tmp_path / "pipe.csv"  # a pipe, standing in for a device: never a system one in a test
    os.mkfifo(pipe)
    assert _run(["export", str(src), "--format", "csv", "--out", str(pipe)]) == 1
    assert pipe.exists() and not pipe.is_file()


def test_interrupted_export_exits_130_and_removes_its_partial_folder(tmp_path, capsys, monkeypatch):
    """Ctrl+C gave exit 1 and left a half-written folder that the next run refused as
    not empty."""
    from llmvis_desktop.core.interchange import export_context as common

    src = make_files(tmp_path / "imgs")
    open_scanned(src).close()
    out = tmp_path / "out"
    calls = {"n": 0}
    real_copy = common.ExportContext.copy_image

    def copy_then_interrupt(self, row, dest):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_copy(self, row, dest)

    monkeypatch.setattr(common.ExportContext, "copy_image", copy_then_interrupt)
    assert _run(["export", str(src), "--format", "jsonl", "--out", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert calls["n"] == 3 and not out.exists()  # written aside, renamed into place only when complete
    assert [x.name for x in tmp_path.iterdir() if ".partial" in x.name] == []
    monkeypatch.setattr(common.ExportContext, "copy_image", real_copy)
    assert _run(["export", str(src), "--format", "jsonl", "--out", str(out)]) == 0


def test_import_and_export_take_the_team_database(tmp_path):
    """`llmvis import/export --db URL` was refused as an unknown argument (the README says
    every llmvis command takes --db), and without it they used an empty SQLite file."""
    from llmvis_desktop.cli import build_parser

    parser = build_parser()
    url = "postgresql+psycopg://alice@db/team"
    ex = parser.parse_args(["export", "F", "--db", url, "--format", "csv", "--out", "o.csv"])
    im = parser.parse_args(["import", "F", "--db", url, "--format", "csv", "in.csv"])
    assert ex.db == url and im.db == url


def test_export_replaces_an_existing_file_only_with_force(tmp_path, capsys):
    """An existing --out file was replaced silently, the project's database and images too."""
    src = make_files(tmp_path / "src")
    p = open_scanned(src)
    annotate(p)
    p.close()
    notes = tmp_path / "notes.csv"
    notes.write_text("precious notes")
    assert _run(["export", str(src), "--format", "csv", "--out", str(notes)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(notes) in err[0] and "--force" in err[0]
    assert notes.read_text() == "precious notes"
    assert _run(["export", str(src), "--format", "csv", "--out", str(notes), "--force"]) == 0
    assert notes.read_text().startswith("file_name,")
    image = (src / "img1.png").read_bytes()
    for target in (src / "img1.png", src / ".llmvis" / "project.sqlite"):
        capsys.readouterr()
        assert _run(["export", str(src), "--format", "coco", "--out", str(target), "--force"]) == 1
        assert str(target) in capsys.readouterr().err
    assert (src / "img1.png").read_bytes() == image
    p = open_scanned(src)
    try:
        assert p.image_by_path("img0.png").caption == "a scratch near the edge"
    finally:
        p.close()


def test_images_8bit_for_a_format_that_ignores_it_is_a_usage_error(tmp_path, capsys):
    """--images-8bit was accepted for coco (or csv ...) and did nothing."""
    import pytest

    src = make_files(tmp_path / "src")
    open_scanned(src).close()
    out = tmp_path / "x.json"
    with pytest.raises(SystemExit) as exc:
        _run(["export", str(src), "--format", "coco", "--out", str(out), "--images-8bit"])
    assert exc.value.code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "--images-8bit applies to" in err and "yolo, jsonl" in err and "not coco" in err
    assert _run(["export", str(src), "--format", "yolo", "--out", str(tmp_path / "y"), "--images-8bit"]) == 0
