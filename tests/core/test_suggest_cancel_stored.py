"""A cancelled suggest job said, in the window, "the images done (at least 8) are kept"
while it had stored 24 images' suggestions: its last progress report was cut by the
cancel, and the batches the model thread was running when it came were finished and
committed after it. The cancel now carries what the job's commits stored."""
from __future__ import annotations

import pytest

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest
from llmvis_desktop.core.tasks import Cancelled, CancelToken


def test_a_cancelled_job_says_how_many_images_it_stored(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 12)
    with tiny_models.labelled_project(folder, ("scratch", "dent")) as project:
        token = CancelToken()
        reported = []

        def progress(p):
            reported.append(p.done)
            if p.done >= 2:
                token.cancel()

        with pytest.raises(Cancelled) as err:
            run_suggest(project, inspect_folder(tiny["blip"]), None, batch=2, worker=worker, token=token,
                        progress=progress, read_processes=0)
        stored = {s.image_id for s in tiny_models.all_suggestions(project)}
        assert 2 <= len(stored) < 12
        assert err.value.stored_images == len(stored), (err.value, reported)
