"""`llmvis suggest --learned --ask QUESTION` (or --prompt TEXT) with no captioner took the
flag and dropped it without a word: no question was asked, no answer stored, exit 0, and
nothing said, where the labeler's flags given with no labeler are said unused, and a
--prompt or --ask beside a labeler alone is said unused by the job. Said now too."""
from __future__ import annotations

import json

import defectgen

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project


def _ready(tmp_path):
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, 6, size=48, kinds=("ok", "scratch"))
    with Project.open(folder) as p:
        p.scan()
        for k in ("ok", "scratch"):
            p.add_label(k)
        defectgen.review_first(p, rows, 5, actor="alice", caption=False)
    return folder


def test_a_question_or_prompt_for_the_learned_suggester_alone_is_said_unused(tmp_path, capsys):
    folder = _ready(tmp_path)
    assert main(["suggest", str(folder), "--learned", "--ask", "is it cracked?"]) == 0
    err = capsys.readouterr().err
    assert "warning: --ask applies to a captioner or chat model only (--captioner); no model ran, so it was " \
           "not used" in err, err
    assert main(["suggest", str(folder), "--learned", "--all", "--prompt", "a photo of", "--top-k", "2",
                 "--json"]) == 0
    messages = json.loads(capsys.readouterr().out)["learned"]["messages"]
    assert any("--top-k applies to a zero-shot labeler only" in m and "--prompt applies to a captioner or chat "
               "model only" in m for m in messages), messages


def test_the_learned_suggester_alone_without_them_says_nothing_of_them(tmp_path, capsys):
    folder = _ready(tmp_path)
    assert main(["suggest", str(folder), "--learned"]) == 0
    assert "not used" not in capsys.readouterr().err
