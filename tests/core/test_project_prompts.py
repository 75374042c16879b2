"""The project's own caption prompt and label template (`llmvis settings FOLDER caption_prompt
TEXT`, the window's Suggestions menu): `llmvis suggest` without --prompt / --template used the
defaults whatever a team had settled on, so a run after one with --template replaced that
template's pending cards with default-template ones. Now a run without the flag uses the
project's; the flag still wins for its run; a template with no {label} is refused, named."""
from __future__ import annotations

import json

import pytest
import tiny_models

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project


def _rows(folder, kind):
    with Project.open(folder) as p, p.store.read() as s:
        from llmvis_desktop.core.store import models as m
        from sqlalchemy import select

        return [(r.prompt, r.outcome) for r in s.execute(
            select(m.Suggestion.prompt, m.Suggestion.outcome).where(m.Suggestion.kind == kind))]


def test_suggest_without_flags_uses_the_projects_prompt_and_template(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    tiny_models.labelled_project(folder, ["scratch", "dent"]).close()
    assert main(["settings", str(folder), "caption_prompt", "describe the defect:"]) == 0
    assert main(["settings", str(folder), "label_template", "a weld with a {label}"]) == 0
    capsys.readouterr()
    common = ["suggest", str(folder), "--read-processes", "0", "--no-index"]
    assert main([*common, "--captioner", str(tiny["blip"])]) == 0
    err = capsys.readouterr().err
    assert "the project's caption prompt \u201cdescribe the defect:\u201d" in err
    assert {p for p, _ in _rows(folder, "caption")} == {"describe the defect:"}

    assert main([*common, "--labeler", str(tiny["clip"])]) == 0
    assert {p for p, _ in _rows(folder, "label")} == {"a weld with a {label}"}

    # the flag wins, for that run only: the template's pending cards are superseded, as a rerun's
    assert main([*common, "--labeler", str(tiny["clip"]), "--template", "a {label} seen up close"]) == 0
    rows = _rows(folder, "label")
    assert {p for p, o in rows if o == "pending"} == {"a {label} seen up close"}
    assert {o for p, o in rows if p == "a weld with a {label}"} == {"withdrawn"}
    capsys.readouterr()
    assert main(["settings", str(folder), "label_template", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["label_template"]["value"] == "a weld with a {label}"


def test_a_template_without_the_placeholder_is_refused_naming_it(png_folder, capsys):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["settings", str(png_folder), "label_template", "a photo of a defect"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'a photo of a defect'" in err and "{label}" in err
    with Project.open(png_folder) as p:
        assert "label_template" not in p.settings()  # nothing written


def test_set_show_and_reset(png_folder, capsys):
    assert main(["index", str(png_folder), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["settings", str(png_folder), "caption_prompt"]) == 0
    assert "caption_prompt = each model's own" in capsys.readouterr().out
    assert main(["settings", str(png_folder), "caption_prompt", " describe the defect: "]) == 0
    assert capsys.readouterr().out.startswith("caption_prompt = \u201cdescribe the defect:\u201d (was each model's own")
    assert main(["settings", str(png_folder), "caption_prompt", "--reset"]) == 0
    assert "was \u201cdescribe the defect:\u201d" in capsys.readouterr().out
    with Project.open(png_folder) as p:
        assert "caption_prompt" not in p.settings()


def test_a_captioner_that_takes_no_prompt_notes_the_projects_prompt_once(tiny, tmp_path, capsys):
    """GIT takes no prompt: with the project's caption prompt set (for the team's other
    captioners), every `llmvis suggest --captioner GIT` warned "the prompt was not used",
    as if this run had asked for one. Now a plain note naming the model; a --prompt typed
    for the run is still a warning."""
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    tiny_models.labelled_project(folder, ["scratch"]).close()
    assert main(["settings", str(folder), "caption_prompt", "describe the defect:"]) == 0
    capsys.readouterr()
    common = ["suggest", str(folder), "--read-processes", "0", "--no-index", "--captioner", str(tiny["git"])]
    assert main([*common, "--json"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert not [line for line in lines if line.startswith("warning:")], lines
    unused = [line for line in lines if "takes no prompt" in line]
    assert len(unused) == 1 and unused[0].startswith("note: ") and tiny["git"].name in unused[0], lines
    assert "the project's caption prompt was not used" in unused[0]
    out = json.loads(captured.out)["models"]
    assert out["messages"] == [] and len(out["notes"]) == 1

    assert main([*common, "--all", "--prompt", "a photo of"]) == 0  # asked for this run: a warning
    lines = capsys.readouterr().err.splitlines()
    assert [line for line in lines if "takes no prompt" in line and line.startswith("warning: ")], lines
    assert not [line for line in lines if line.startswith("note:") and "takes no prompt" in line], lines
