"""A model given in the wrong role (``llmvis suggest --captioner CLIP_FOLDER``, or
``--labeler BLIP_FOLDER``) was refused with "a clip model is a labeler, not a captioner":
what it is, not what to do; the refusal now names the option that takes it
(/tmp/hunt-hhunt4: `suggest imgs --captioner models/tiny-clip`)."""
from __future__ import annotations

try:
    from . import tiny_models
except ImportError:
    import tiny_models


def test_a_model_in_the_wrong_role_says_which_option_takes_it(tiny, tmp_path, capsys):
    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "imgs", 1)
    assert main(["suggest", str(folder), "--captioner", str(tiny["clip"])]) == 1
    err = capsys.readouterr().err
    assert "not a captioner" in err and "--labeler" in err, err
    assert main(["suggest", str(folder), "--labeler", str(tiny["blip"])]) == 1
    err = capsys.readouterr().err
    assert "not a zero-shot labeler" in err and "--captioner" in err, err
