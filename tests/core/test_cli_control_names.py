"""A file name holding control characters reached the terminal raw: an ESC sequence
(ESC[2J clears the screen) in a damaged file's name was printed by `llmvis index` and
`llmvis info`, and a newline in it faked a line of its own ("warning: fake line.png").
Every line naming a file now shows them escaped (``\\x1b``, ``\\n``)."""
from __future__ import annotations

import json
import shutil

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.wording import one_line

EVIL = "evil\x1b[2J\x1b[31mRED\nwarning: fake line.png"
SHOWN = "evil\\x1b[2J\\x1b[31mRED\\nwarning: fake line.png"


@pytest.fixture
def evil_folder(png_folder):
    (png_folder / EVIL).write_bytes(b"junk")  # damaged: the index names it
    return png_folder


def _no_controls(text: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text, repr(text)


def test_one_line_escapes_every_control_and_keeps_the_rest():
    assert one_line(EVIL) == SHOWN
    assert one_line("tab\there\r\x7f\x9b[31m \u202eevil") == "tab\\there\\r\\x7f\\x9b[31m \\u202eevil"
    assert one_line("café/emoji_😀.png back\\slash") == "café/emoji_😀.png back\\slash"
    assert one_line("bad\udcffbyte.png") == "bad\\xffbyte.png"  # a name's non-UTF-8 byte


def test_index_and_info_print_a_control_character_name_escaped_on_one_line(evil_folder, capsys):
    assert main(["index", str(evil_folder)]) == 0
    out = capsys.readouterr()
    _no_controls(out.out + out.err)
    warnings = [ln for ln in out.err.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: could not read {SHOWN}: "), out.err
    assert main(["info", str(evil_folder)]) == 0
    out = capsys.readouterr()
    _no_controls(out.out + out.err)
    unreadable = [ln for ln in out.out.splitlines() if ln.startswith("unreadable")]
    assert len(unreadable) == 1 and unreadable[0].startswith(f"unreadable could not read {SHOWN}: "), out.out
    assert not any(ln.startswith("warning:") for ln in out.out.splitlines())
    # --json keeps the name itself (escaped by JSON, read back whole)
    assert main(["info", str(evil_folder), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert [u["path"] for u in said["unreadable"]] == [EVIL]


def test_export_warnings_name_a_control_character_file_escaped(evil_folder, tmp_path, capsys):
    named = evil_folder / ("moved\x1b[2J\nwarning: fake.png")
    shutil.copyfile(evil_folder / "img0.png", named)
    assert main(["index", str(evil_folder), "-q"]) == 0
    with Project.open(evil_folder) as p:  # (an import refuses control characters in its names)
        p.add_label("defect")
        p.set_labels(p.image_by_path(named.name).id, ["defect"], "tester")
        p.set_labels(p.image_by_path("img0.png").id, ["defect"], "tester")
    named.unlink()  # gone since the index: the export warns, naming it
    capsys.readouterr()
    assert main(["export", str(evil_folder), "--format", "yolo", "--out", str(tmp_path / "y")]) == 0
    err = capsys.readouterr().err
    _no_controls(err)
    assert "warning: moved\\x1b[2J\\nwarning: fake.png: file is missing, not copied" in err.splitlines(), err
    assert not any(ln.startswith("warning: fake.png") for ln in err.splitlines())


def test_any_line_the_cli_writes_carries_no_escape_sequence(tmp_path, capsys):
    """The last guard: a line naming a file that no one escaped (info's "no images found
    in FOLDER") still reaches the terminal without its ESC."""
    folder = tmp_path / "dir\x1b[2Jname"
    folder.mkdir()
    assert main(["index", str(folder), "-q"]) == 0
    capsys.readouterr()
    assert main(["info", str(folder)]) == 0
    out = capsys.readouterr()
    _no_controls(out.out + out.err)
    assert "(no images found in " in out.err and "dir\\x1b[2Jname" in out.err, out.err
    assert "dir\\x1b[2Jname" in out.out  # "project   FOLDER"
