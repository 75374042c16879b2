"""Import conflict lines said raw ISO times ("the file's record of
2999-01-01T10:00:00+00:00"): they now say local time with its zone, as the refusal
lines and the History panel do; `--json` keeps them ISO (a machine reads them)."""
from __future__ import annotations

import csv
import json
import time

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.convert import as_utc
from llmvis_desktop.core.when import short_when

CET = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def in_cet(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset on this platform")
    monkeypatch.setenv("TZ", CET)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _reviewed_by_bob(tmp_path):
    root = tmp_path / "images"
    root.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "a.png")
    with Project.open(root) as p:
        p.index()
        p.add_labels(["dent", "ok"])
        [image_id] = p.image_ids()
        p.set_labels(image_id, ["ok"], "bob")
        ra.accept(p, image_id, "bob")
        changed = p.image(image_id).updated_at
    return root, changed


def _csv(path, when: str):
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file_name", "labels", "caption", "status", "reviewer", "time"])
        w.writerow(["a.png", "dent;ok", "", "reviewed", "carol", when])
    return path


def test_conflict_lines_say_local_times_json_keeps_iso(tmp_path, capsys, in_cet):
    root, changed = _reviewed_by_bob(tmp_path)
    here = short_when(changed)  # "HH:MM CET" today, as a refusal line says it
    assert here.endswith(" CET")
    newer = _csv(tmp_path / "newer.csv", "2999-01-01T10:00:00+00:00")
    assert main(["import", str(root), "--format", "csv", str(newer)]) == 0
    err = capsys.readouterr().err
    [line] = [x for x in err.splitlines() if x.startswith("conflict:")]
    assert f"(changed here at {here} by bob)" in line, line
    assert "(the file's record of 2999-01-01 11:00 CET by carol)" in line, line
    assert "+00:00" not in line and "T10:00" not in line

    older = _csv(tmp_path / "older.csv", "2000-01-01T10:00:00+00:00")
    assert main(["import", str(root), "--format", "csv", "--overwrite", str(older)]) == 0
    err = capsys.readouterr().err
    [line] = [x for x in err.splitlines() if x.startswith("conflict:")]
    assert (f"(changed here at {here} by bob, after the file's record of 2000-01-01 11:00 CET by carol; "
            f"the newer value is kept)") in line, line

    assert main(["import", str(root), "--format", "csv", "--overwrite", "--json", str(older)]) == 0
    [c] = json.loads(capsys.readouterr().out)["conflicts"]
    assert c["incoming_time"] == "2000-01-01T10:00:00+00:00"
    assert c["existing_time"] == as_utc(changed).isoformat()


def test_times_a_minute_apart_no_more_are_said_to_the_second(in_cet):
    from datetime import datetime, timezone

    from llmvis_desktop.core.interchange.common import Conflict

    c = Conflict("a.png", "caption", "mine", "theirs",
                 existing_time=datetime(2024, 1, 15, 10, 2, 3, tzinfo=timezone.utc), existing_by="bob",
                 incoming_time=datetime(2024, 1, 15, 10, 2, 1, tzinfo=timezone.utc), incoming_by="carol")
    assert ("changed here at 2024-01-15 11:02:03 CET by bob, after the file's record of "
            "2024-01-15 11:02:01 CET by carol") in str(c)
