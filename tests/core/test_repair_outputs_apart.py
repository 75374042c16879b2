"""A repair's output (a repaired copy, linked to its source) is not work in the review
queue: N skipped it, but the counts called it "new", the Unreviewed / New filters listed
it, `llmvis info` counted it new and suggest jobs suggested for it. Now each sets it
apart the same way; what was reviewed on one still counts as reviewed."""
from __future__ import annotations

import json

from llmvis_desktop import cli
from llmvis_desktop.core.store.records import REPAIR_OUTPUTS, ImageFilter, counted_as, queue_filter
from llmvis_desktop.core.suggest.report import SuggestReport

# two indexed 40x40 noise PNGs on SQLite and PostgreSQL, and a classical repair of a box in one
from test_repair_unlink import _repair, project  # noqa: F401 - project: the fixture


def test_counts_and_info_set_an_unreviewed_repair_output_apart(project):  # noqa: F811
    p = project
    out_id = _repair(p, "a.png").output_image_id
    assert p.image(out_id).repair_output and not p.image_by_path("a.png").repair_output
    counts = p.counts_by_status()
    assert counts == {"new": 2, REPAIR_OUTPUTS: 1}  # it was {"new": 3}
    info = p.info()
    assert info["images"] == 3 and info["by_status"]["new"] == 2 and info["repair_outputs"] == 1
    # reviewed, it counts as reviewed: nothing reviewed is hidden
    p.set_status(out_id, "reviewed", "tester")
    assert p.counts_by_status() == {"new": 2, "reviewed": 1}
    assert p.info()["repair_outputs"] == 0 and p.image_ids(ImageFilter(statuses=("reviewed",))) == [out_id]


def test_queue_filter_and_counted_as():
    assert queue_filter(None) == ImageFilter(repair_output=False)
    assert queue_filter(None, include_repairs=True) == ImageFilter()
    asked = ImageFilter(statuses=("new",), repair_output=True)
    assert queue_filter(asked) == asked  # the reviewer asked for them
    assert counted_as("new", True) == REPAIR_OUTPUTS and counted_as("reviewed", True) == "reviewed"
    assert counted_as("new", False) == "new"


def test_a_suggest_report_says_how_many_repair_outputs_it_left_out():
    rep = SuggestReport(repair_outputs=2)
    assert rep.summary() == "nothing to do: no image to suggest for; 2 repair outputs left out"
    assert rep.as_dict()["repair_outputs_skipped"] == 2


def test_llmvis_info_says_the_repair_outputs(project, capsys):  # noqa: F811
    p = project
    _repair(p, "a.png")
    url = p.db_url
    assert cli.main(["info", str(p.root), "--db", url, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["by_status"]["new"] == 2 and info["repair_outputs"] == 1
    assert cli.main(["info", str(p.root), "--db", url]) == 0
    text = capsys.readouterr().out
    assert "new 2" in text and "(1 repair output not reviewed: not counted as new" in text, text


def test_a_suggest_job_leaves_repair_outputs_out_unless_asked(project, tiny, worker):  # noqa: F811
    from llmvis_desktop.core.suggest import inspect_folder
    from llmvis_desktop.core.suggest.batch import run_suggest

    p = project
    out_id = _repair(p, "a.png").output_image_id
    report = run_suggest(p, inspect_folder(tiny["blip"]), None, worker=worker)
    assert report.images == 2 and report.repair_outputs == 1
    assert "1 repair output left out" in report.summary()
    assert p.suggestions(out_id) == []
    report = run_suggest(p, inspect_folder(tiny["blip"]), None, worker=worker, include_repairs=True)
    assert report.images == 1 and report.repair_outputs == 0 and p.suggestions(out_id)
