"""`llmvis suggest --learned` run again with nothing left to do said "learned suggester:
0 suggestions in 0.0 s; learned 2 labels from 14 reviewed images", as if it had run and
found nothing, where the model jobs say "nothing to do: all N images already have
suggestions from these models (--all to redo)". It now says there was nothing left to
suggest for and that --all redoes them (/tmp/hunt-hhunt4: `suggest lr --learned` twice)."""
from __future__ import annotations

try:
    from . import tiny_models
except ImportError:
    import tiny_models


def test_a_learned_run_with_nothing_left_says_so(tmp_path, capsys):
    from llmvis_desktop.cli_suggest import main

    folder = tiny_models.image_folder(tmp_path / "imgs", 14)
    project = tiny_models.labelled_project(folder, ("dent", "scratch"))
    try:
        for k, i in enumerate(project.image_ids()[:10]):
            project.set_labels(i, ["dent" if k % 2 else "scratch"], "alice")
            project.set_status(i, "reviewed", "alice")
    finally:
        project.close()
    assert main(["suggest", str(folder), "--learned", "--no-index"]) == 0
    first = capsys.readouterr().out
    assert "nothing to do" not in first and "4 suggestions" in first, first
    assert main(["suggest", str(folder), "--learned", "--no-index"]) == 0
    again = capsys.readouterr().out
    assert "nothing to do" in again and "--all" in again, again
