"""`llmvis suggest --learned` once it is ready for some labels only: it said
"learned suggester: 100 suggestions in 11.5 s" and nothing else, so a project with five
labels, two of them with enough reviews, got cards of those two on every image with no
word that the other three were not learned, nor how many reviews each still needed
(`--json` neither). The window's readiness line says it; the command line now does too.
"""
from __future__ import annotations

import json

import defectgen

from llmvis_desktop.cli import main
from llmvis_desktop.core.project import Project


def _folder(tmp_path):
    folder = tmp_path / "defects"
    rows = defectgen.write_folder(folder, 6, size=48, kinds=("ok", "scratch", "crack"))
    with Project.open(folder) as p:
        p.scan()
        for k in ("ok", "scratch", "crack", "stain"):
            p.add_label(k)
        want, seen = {"ok": 5, "scratch": 5, "crack": 2}, {}
        for rel, kind in rows:
            if seen.get(kind, 0) < want[kind]:
                seen[kind] = seen.get(kind, 0) + 1
                p.apply_state(p.image_by_path(rel).id, {"labels": [kind], "review_status": "reviewed"},
                              "alice", "review")
    return folder


def test_suggest_learned_names_the_labels_it_learned_and_those_it_did_not(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["suggest", str(folder), "--learned", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)["learned"]
    assert rep["ran"] is True and rep["suggestions"] > 0
    assert rep["labels"] == ["ok", "scratch"] and rep["reviewed_images"] == 12
    assert rep["not_learned"] == [{"label": "crack", "needs": 3}, {"label": "stain", "needs": 5}]

    assert main(["suggest", str(folder), "--learned", "--all"]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out.startswith("learned suggester: ")
    assert ("learned 2 labels from 12 reviewed images: 'ok', 'scratch'; not learned yet "
            "(5 reviewed images per label): 'crack' needs 3 more, 'stain' needs 5 more") in out


def test_suggest_learned_names_the_images_the_index_could_not_read(tmp_path, capsys):
    """`llmvis suggest --learned` on a folder with a damaged file said "28 suggestions" and
    nothing of the image left without any: the model jobs name each unreadable file with
    why (unreadable_note); the learned job alone now does too (in --json, as `unreadable`,
    apart from `messages`, so `ran` stays true)."""
    folder = _folder(tmp_path)
    (folder / "zz_cut.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)  # a damaged file
    assert main(["suggest", str(folder), "--learned"]) == 0
    captured = capsys.readouterr()
    assert "zz_cut.png" in captured.err, captured.err
    assert main(["suggest", str(folder), "--learned", "--json", "--all"]) == 0
    captured = capsys.readouterr()
    rep = json.loads(captured.out)["learned"]
    assert rep["ran"] is True and any("zz_cut.png" in line for line in rep["unreadable"]), rep
    assert "zz_cut.png" in captured.err
