"""evaluate() stops when its token is cancelled: the window cancels the job when the
project is closed and then waits for it, and the job never looked at its token (a long
evaluation held the window until it ended)."""
from __future__ import annotations

import pytest
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import NewSuggestion
from llmvis_desktop.core.suggest import evaluate_stream
from llmvis_desktop.core.suggest.evaluate import evaluate
from llmvis_desktop.core.tasks import CancelToken, Cancelled


class _CancelAfter(CancelToken):
    """Cancelled at its ``n``-th check (counted)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.checks = n, 0

    def check(self) -> None:
        self.checks += 1
        if self.checks >= self.n:
            self.cancel()
        super().check()


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for k in range(6):
        Image.new("L", (8, 8), 20 * k).save(root / f"{k}.png")
    p = Project.open(root)
    p.index()
    p.add_label("scratch")
    for i in p.image_ids():
        [sid] = p.add_suggestions([NewSuggestion(i, "label", "scratch", "org/labeler", 0.9, "r1")])
        p.decide_suggestion(sid, "accepted", "qa")
        p.set_status(i, "reviewed", "qa")
    yield p
    p.close()


def test_a_cancelled_token_stops_the_evaluation_between_images(project, monkeypatch):
    monkeypatch.setattr(evaluate_stream, "BATCH_ROWS", 1)  # a batch per image: 6 batches
    added = []
    real_add = evaluate_stream.Stream.add
    monkeypatch.setattr(evaluate_stream.Stream, "add", lambda self, rows: (added.append(len(rows)),
                                                                          real_add(self, rows))[1])
    token = _CancelAfter(3)
    with pytest.raises(Cancelled):
        evaluate(project, token=token)
    assert 0 < len(added) < 6  # it stopped part way, not at the end

    full = evaluate(project, token=CancelToken())  # not cancelled: the same report as without a token
    assert full["labels"]["micro"] == evaluate(project)["labels"]["micro"]
    assert full["labels"]["micro"]["tp"] == 6
