"""A teammate's CSV whose record clashes with a review made here (not older than it): the
conflict line said only `labels is ['ok'], file has ['dent', 'ok']`, a Python list, and
not whose work it was. It names who changed the image here and when, and the file's
reviewer and time, with the labels as a list of names."""
from __future__ import annotations

import csv

import numpy as np
from PIL import Image

from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


def test_a_conflict_names_who_changed_the_image_and_the_files_reviewer(tmp_path):
    root = tmp_path / "images"
    root.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "a.png")
    with Project.open(root) as p:
        p.index()
        p.add_labels(["dent", "ok"])
        [image_id] = p.image_ids()
        p.set_labels(image_id, ["ok"], "bob")
        ra.accept(p, image_id, "bob")
        team = tmp_path / "team.csv"
        with team.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["file_name", "labels", "caption", "status", "reviewer", "time"])
            w.writerow(["a.png", "dent;ok", "", "reviewed", "carol", "2999-01-01T10:00:00+00:00"])
        report = import_file(p, "csv", team, actor="lead")
    [c] = report.conflicts
    line = str(c)
    assert line.startswith("a.png: labels is ok (changed here at "), line
    # the file's time in local time with its zone, as the refusal lines say times
    from datetime import datetime, timezone

    from llmvis_desktop.core.when import short_when
    record = short_when(datetime(2999, 1, 1, 10, 0, tzinfo=timezone.utc))
    assert f"by bob), file has dent, ok (the file's record of {record} by carol)" in line, line
    assert "[" not in line
