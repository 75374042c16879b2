"""A chat model's caption prompt or question holding its image placeholder (a prompt
copied from a LLaVA model card: "USER: <image>\\nDescribe it") failed in the processor:
`llmvis suggest --captioner LLAVA --ask "is there an <image> in it?"` said "The total
number of <image> tokens in the prompts should be the same as the number of images
passed. Found total 14 <image> tokens and 7 images.", naming neither the model nor what
to change. It is refused now, naming the token and saying the tool puts the image in."""
from __future__ import annotations

import json

try:
    from . import tiny_models
except ImportError:
    import tiny_models


def _suggest(capsys, *argv):
    from llmvis_desktop.cli_suggest import main

    code = main(["suggest", *map(str, argv)])
    return code, capsys.readouterr()


def test_a_question_holding_the_image_placeholder_is_refused_naming_it(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    code, said = _suggest(capsys, folder, "--captioner", tiny["llava"], "--ask", "is there an <image> in it?")
    assert code == 1
    assert "the question holds '<image>', a token " in said.err and "leave '<image>' out" in said.err, said.err
    assert "total number of <image> tokens" not in said.err, said.err


def test_a_caption_prompt_copied_from_a_model_card_is_refused(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    code, said = _suggest(capsys, folder, "--captioner", tiny["llava"], "--prompt", "USER: <image>\nDescribe it")
    assert code == 1
    assert "the caption prompt holds '<image>'" in said.err, said.err


def test_other_angle_brackets_are_ordinary_text(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    code, said = _suggest(capsys, folder, "--captioner", tiny["llava"], "--ask", "is it <red> or [blue]?", "--json")
    assert code == 0, said.err
    assert json.loads(said.out)["models"]["images"] == 2
