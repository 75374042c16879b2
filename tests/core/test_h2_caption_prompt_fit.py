"""A caption prompt longer than the captioner's text reads (BLIP: 512 positions shared by
the prompt and the caption; Florence-2: 1024 after the image's tokens) failed inside the
model: `llmvis suggest --captioner BLIP --prompt LONG` said "failed: IndexError: index out
of range in self", naming neither the prompt nor the model, and beside a labeler "the
captioner failed while running ...: IndexError: index out of range in self". A long chat
instruction kept as the project's caption prompt reaches it. It is refused now, saying
how long the prompt is and how much fits. (The tiny BLIP reads 64 positions, the tiny
Florence-2 128, with 17 image tokens.)"""
from __future__ import annotations

import json

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest.registry import DEFAULT_MAX_NEW_TOKENS


def _suggest(capsys, *argv):
    from llmvis_desktop.cli_suggest import main

    code = main(["suggest", *map(str, argv)])
    return code, capsys.readouterr()


def test_a_prompt_past_blips_text_length_is_refused_saying_what_fits(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    room = 64 - DEFAULT_MAX_NEW_TOKENS
    code, said = _suggest(capsys, folder, "--captioner", tiny["blip"], "--prompt", "a photo of " * 40)
    assert code == 1
    assert "IndexError" not in said.err, said.err
    assert "the caption prompt is too long for " in said.err and f"shorten it to {room} tokens" in said.err, said.err


def test_a_prompt_that_fits_blip_still_captions(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    code, said = _suggest(capsys, folder, "--captioner", tiny["blip"], "--prompt", "a photo of " * 7, "--json")
    assert code == 0, said.err
    assert json.loads(said.out)["models"]["suggestions"] == 2


def test_beside_a_labeler_the_labels_are_stored_and_the_prompt_named(tiny, tmp_path, capsys):
    from llmvis_desktop.core.project import Project

    folder = tiny_models.image_folder(tmp_path / "imgs", 2)
    tiny_models.labelled_project(folder, ("scratch", "dent")).close()
    code, said = _suggest(capsys, folder, "--captioner", tiny["blip"], "--labeler", tiny["clip"],
                          "--prompt", "a photo of " * 40)
    assert code == 1
    assert "IndexError" not in said.err and "the caption prompt is too long" in said.err, said.err
    with Project.open(folder) as p:
        kinds = {s.kind for i in p.image_ids() for s in p.suggestions(i)}
    assert kinds == {"label"}


def test_a_prompt_past_florences_text_length_is_refused(tiny, tmp_path, capsys):
    folder = tiny_models.image_folder(tmp_path / "imgs", 1)
    code, said = _suggest(capsys, folder, "--captioner", tiny["florence2"], "--prompt", "photo " * 120)
    assert code == 1
    assert "IndexError" not in said.err, said.err
    assert "the caption prompt is too long for " in said.err and "with the image's 17" in said.err, said.err
