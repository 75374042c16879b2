"""The learned suggester's features over a folder of line-scan strips: the decoded images
waiting for the extractors are bounded by bytes, not only by count. Before, up to 32
full-resolution display images were held at once: six 2048x60000 strips took 1,014 MB
(32 of 4096x40000 RGB would be 15.7 GB)."""
from __future__ import annotations

import numpy as np
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.suggest import features


class _Spy:
    name, dim = "spy", 2

    def __init__(self):
        self.calls = []

    def extract(self, images):
        self.calls.append([a.nbytes for a in images])
        return np.zeros((len(images), 2), np.float32)


def test_a_batch_of_strips_is_read_within_the_byte_budget(tmp_path, monkeypatch):
    for i in range(5):
        Image.new("L", (40, 20000), 10 * i).save(tmp_path / f"s{i}.png")  # 800 kB each decoded
    Image.new("L", (40, 60000), 1).save(tmp_path / "big.png")  # 2.4 MB: alone over the budget
    project = Project.open(tmp_path)
    project.index()
    records = [project.image(i) for i in project.image_ids()]
    monkeypatch.setattr(features, "BATCH_BYTES", 2_000_000)
    spy = _Spy()
    (mat,), order = features.features_for_all(project, records, [(spy, None)])
    assert mat.shape == (6, 2) and order == list(range(6))
    assert sorted(n for call in spy.calls for n in call) == [800_000] * 5 + [2_400_000]
    for call in spy.calls:  # one image over the budget goes alone
        assert sum(call) <= 2_000_000 or len(call) == 1, spy.calls
