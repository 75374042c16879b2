"""`llmvis labels add --exclusive`: the "added" line says the label is exclusive, as
`llmvis labels set` and `labels list` do (it printed "added ok (key 1, colour ...)" only,
as for any label; "already there" lines of --exist-ok say it too)."""
from __future__ import annotations

from llmvis_desktop.cli import main


def test_added_line_says_exclusive(png_folder, capsys):
    assert main(["labels", "add", str(png_folder), "ok", "--exclusive"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added ok (key 1, colour #") and out.rstrip().endswith(", exclusive)"), out
    assert main(["labels", "add", str(png_folder), "dent"]) == 0
    assert "exclusive" not in capsys.readouterr().out
    assert main(["labels", "add", str(png_folder), "ok", "dent", "--exist-ok"]) == 0
    err = capsys.readouterr().err
    assert "ok: already there (key 1, colour #" in err and ", exclusive)" in err.splitlines()[0], err
    assert "exclusive" not in err.splitlines()[1], err
