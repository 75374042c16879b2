"""Each command said an interrupt its own way: "interrupted; kept: ..." (index), "cancelled;
..." (repair train), "interrupted (nothing was imported)" (import), a bare "interrupted"
(evaluate). Now one style: ``llmvis CMD: interrupted; WHAT WAS KEPT[; HOW TO GO ON]``,
each with the facts it stated before."""
from __future__ import annotations

import re

from llmvis_desktop.cli import main

STYLE = re.compile(r"^llmvis [a-z ]+: interrupted; [^;]+(; [^;]+)?$")


def _interrupt(*a, **k):
    raise KeyboardInterrupt


def _line(capsys) -> str:
    err = [ln for ln in capsys.readouterr().err.splitlines() if "interrupted" in ln]
    assert len(err) == 1, err
    assert STYLE.match(err[0]), err[0]
    return err[0]


def test_every_command_says_an_interrupt_in_one_style(png_folder, capsys, monkeypatch, tmp_path):
    from llmvis_desktop import cli_interchange, cli_suggest
    from llmvis_desktop.core.project import Project
    from llmvis_desktop.core.suggest import batch, evaluate, learned

    folder = str(png_folder)
    with monkeypatch.context() as mp:
        mp.setattr(Project, "read_headers", _interrupt)
        assert main(["index", folder]) == 130
    assert _line(capsys) == ("llmvis index: interrupted; kept 5 images listed (5 headers still to read); "
                             "run again to resume")
    with monkeypatch.context() as mp:
        mp.setattr(Project, "add_labels", _interrupt)
        assert main(["labels", "add", folder, "dent"]) == 130
    assert _line(capsys) == "llmvis labels add: interrupted; kept the work committed so far; run again to resume"
    with monkeypatch.context() as mp:
        mp.setattr(batch, "run_suggest", _interrupt)
        mp.setattr(cli_suggest, "_resolve", lambda spec, dirs: spec)
        assert main(["suggest", folder, "--captioner", "some/model", "--no-index"]) == 130
    assert _line(capsys) == "llmvis suggest: interrupted; no suggestion was stored; run again to resume"
    with monkeypatch.context() as mp:
        mp.setattr(learned, "run", _interrupt)
        assert main(["suggest", folder, "--learned", "--no-index"]) == 130
    assert _line(capsys).startswith("llmvis suggest: interrupted; ")
    with monkeypatch.context() as mp:
        mp.setattr(cli_interchange, "import_file", _interrupt)
        src = tmp_path / "in.csv"
        src.write_text("path,labels\n")
        assert main(["import", folder, "--format", "csv", str(src)]) == 130
    assert _line(capsys) == "llmvis import: interrupted; nothing was imported"
    with monkeypatch.context() as mp:
        mp.setattr(cli_interchange, "export_project", _interrupt)
        assert main(["export", folder, "--format", "csv", "--out", str(tmp_path / "out.csv")]) == 130
    assert _line(capsys).startswith("llmvis export: interrupted; nothing was left half-written")
    with monkeypatch.context() as mp:
        mp.setattr(evaluate, "evaluate", _interrupt)
        assert main(["evaluate", folder]) == 130
    assert _line(capsys) == ("llmvis evaluate: interrupted; nothing was changed (a report only reads "
                             "the project)")


def test_repair_train_says_what_it_kept_in_the_same_style(tmp_path):
    from llmvis_desktop import cli_repair
    from llmvis_desktop.cli_args import interrupted

    said = f"llmvis repair train: {interrupted(cli_repair._resumable(tmp_path / 'none.safetensors'))}"
    assert said == "llmvis repair train: interrupted; no checkpoint was saved yet"
    assert STYLE.match(said)
