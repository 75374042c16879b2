"""An answer from "Ask the image" (the window's question box, ``ask_image``) was kept with
fewer parameters than the same model's answer to the same question from
``llmvis suggest --ask`` (``run_suggest``): no ``score_kind`` (what its score is: the mean
token probability), no ``max_side`` (the size the image was cut down to before the model
saw it) and no ``started_by`` (who asked: the window's reviewer, as every suggestion a
window's job makes keeps), so a note's provenance said less than a card's
(/tmp/hunt-hhunt4/test_zz_hunt_hhunt4.py: "answers stored")."""
from __future__ import annotations

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import ask_image, run_suggest


def test_an_asked_answer_keeps_the_parameters_a_job_answer_keeps(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 2)
    project = tiny_models.labelled_project(folder, ("dent",))
    try:
        llava = inspect_folder(tiny["llava"])
        a, b = project.image_ids()
        run_suggest(project, llava, None, question="is there a dent?", max_new_tokens=2, worker=worker,
                    started_by="alice", flt=None, limit=1)
        (job,) = [s for s in tiny_models.all_suggestions(project) if s.kind == "answer"]
        other = b if job.image_id == a else a
        asked = ask_image(project, other, llava, "is there a dent?", worker=worker, max_new_tokens=2,
                          store=False, started_by="bob")
        assert set(asked.params) == set(job.params), (asked.params, job.params)
        assert asked.params["score_kind"] == job.params["score_kind"] == "mean token probability"
        assert asked.params["max_side"] == job.params["max_side"]
        assert asked.params["started_by"] == "bob"
    finally:
        project.close()
