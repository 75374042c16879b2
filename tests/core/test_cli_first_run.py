"""What a new user sees from the command line on a fresh machine (the README's first hour)."""
from __future__ import annotations

import json

from llmvis_desktop.cli import main


def test_models_list_with_nothing_found_names_the_cache_and_a_hint_that_works(tmp_path, monkeypatch, capsys):
    """On a fresh machine `llmvis models list` said "no models found in the Hugging Face
    cache; put a model folder (config.json + weights) there, or add one with --dir":
    it did not say where that cache is, and a model folder put there is not listed (the
    cache lists only its own models--org--name folders)."""
    cache = tmp_path / "hf" / "hub"
    (cache / "mymodel").mkdir(parents=True)
    (cache / "mymodel" / "config.json").write_text(json.dumps({"model_type": "clip"}))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert main(["models", "list"]) == 0
    err = capsys.readouterr().err
    assert f"no models found in the Hugging Face cache ({cache})" in err
    assert "there" not in err
    assert "--dir" in err and "config.json" in err


def test_models_list_with_a_model_folder_says_where_to_put_a_model(tmp_path, monkeypatch, capsys):
    """With a configured or --dir model folder as well, the hint names that folder,
    not "there" (which read as the Hugging Face cache too)."""
    cache = tmp_path / "hf" / "hub"
    cache.mkdir(parents=True)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    models = tmp_path / "models"
    models.mkdir()
    assert main(["models", "list", "--dir", str(models)]) == 0
    err = capsys.readouterr().err
    assert f"no models found in {models} or the Hugging Face cache ({cache}); " in err
    assert f"put a model folder (config.json + weights) in {models}" in err


def test_labels_list_of_a_project_without_labels_says_so(png_folder, capsys):
    """`llmvis labels list` on a freshly indexed folder printed nothing at all, as if it had
    failed; it says there are no labels yet and how to add one, on stderr (stdout, which
    scripts read, stays empty; --json still prints an empty list)."""
    assert main(["index", str(png_folder), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["labels", "list", str(png_folder)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert f"no labels yet: llmvis labels add {png_folder} NAME..." in err
    assert main(["labels", "list", str(png_folder), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"labels": []} and err == ""


def test_an_export_that_leaves_every_image_out_says_why(png_folder, tmp_path, capsys):
    """`llmvis export --format yolo` (or txt) of a project with no label (no caption) wrote
    "0 image(s) ... 0 file(s)" and nothing said why: YOLO classification folders hold
    labelled images only, caption sidecars captioned ones."""
    assert main(["index", str(png_folder), "--quiet"]) == 0
    assert main(["labels", "add", str(png_folder), "dent"]) == 0
    capsys.readouterr()
    assert main(["export", str(png_folder), "--format", "yolo", "--out", str(tmp_path / "y")]) == 0
    err = capsys.readouterr().err
    assert "warning: none of the 5 images has a label, and YOLO classification folders hold labelled images only" in err
    assert main(["export", str(png_folder), "--format", "txt", "--out", str(tmp_path / "t")]) == 0
    err = capsys.readouterr().err
    assert "warning: none of the 5 images has a caption, and caption sidecars hold captioned images only" in err


def test_labels_add_help_says_the_colour_default(capsys):
    """`--help` says each option's default where it has one; `labels add --color` said only
    "#rrggbb" (the README owned up to it)."""
    import pytest

    with pytest.raises(SystemExit):
        main(["labels", "add", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--color COLOR #rrggbb (default: the first colour of the palette that no label has)" in out
