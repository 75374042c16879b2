"""`llmvis suggest --learned` on a project with a large taxonomy named every label not
learned yet on its summary line: 300 labels with no reviews made it a 6 KB line at every
run ("'aaa' needs 5 more, 'aab' needs 5 more, ..."), where the window says three and how
many more. It names the first few and how many more now; --json lists them all."""
from __future__ import annotations

import json

import defectgen

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project

SHOWN = 10  # (cli_learned.SHOWN)


def test_the_summary_names_a_few_labels_not_learned_and_json_all(tmp_path, capsys):
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, 6, size=48, kinds=("ok", "scratch"))
    extra = [f"kind{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(40)]
    with Project.open(folder) as p:
        p.scan()
        p.add_labels(["ok", "scratch", *extra])
        defectgen.review_first(p, rows, 5, actor="alice", caption=False)
    assert main(["suggest", str(folder), "--learned"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count(" needs 5 more") == SHOWN, out
    assert out.endswith(f" and {40 - SHOWN} more (--json lists them all)"), out
    assert main(["suggest", str(folder), "--learned", "--all", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)["learned"]
    assert len(rep["not_learned"]) == 40 and rep["labels"] == ["ok", "scratch"]
