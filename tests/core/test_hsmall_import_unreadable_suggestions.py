"""An import ``--as suggestions`` (or a file's own predictions) stored suggestions on an
image the index could not read, or whose file is missing: cards a reviewer is shown for an
image nobody can see (the model suggestion job skips such images, and Enter, R and Delete
refuse them), and the report said nothing. They are not added; the report counts them and
names the images, in the line the CLI and the Import dialog show."""
from __future__ import annotations

from PIL import Image

from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


def _project(root):
    for n in ("a", "b", "gone"):
        Image.new("RGB", (16, 16), (10, 20, 30)).save(root / f"{n}.png")
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    p = Project.open(root)
    p.index()
    (root / "gone.png").unlink()
    p.index()
    return p


def _csv(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text("file_name,labels,caption\n"
                 "a.png,crack,a crack\n"
                 "corrupt.png,crack,a crack\n"
                 "gone.png,ok,\n"
                 "b.png,ok,\n")
    return f


def test_suggestions_are_not_added_to_an_image_nobody_can_see(tmp_path):
    root = tmp_path / "f"
    root.mkdir()
    p = _project(root)
    try:
        report = import_file(p, "csv", _csv(tmp_path), as_="suggestions")
        got = {n: sorted((s.kind, s.value) for s in p.suggestions(p.image_by_path(n).id))
               for n in ("a.png", "b.png", "corrupt.png", "gone.png")}
        assert got == {"a.png": [("caption", "a crack"), ("label", "crack")], "b.png": [("label", "ok")],
                       "corrupt.png": [], "gone.png": []}, got
        assert report.suggestions_added == 3
        assert report.not_suggested == ["corrupt.png", "gone.png"] and report.suggestions_unseen == 3
        text = report.summary()
        assert ("3 suggestion(s) not added: image unreadable or missing (corrupt.png, gone.png)" in text), text
        # the status of those images is left as it was (no "suggested")
        assert p.image_by_path("corrupt.png").status == "error"
        # imported again: still none there, still said
        again = import_file(p, "csv", _csv(tmp_path), as_="suggestions")
        assert again.suggestions_added == 0 and again.not_suggested == ["corrupt.png", "gone.png"], again.summary()
    finally:
        p.close()


def test_the_cli_says_so(tmp_path, capsys):
    from llmvis_desktop.cli import main

    root = tmp_path / "f"
    root.mkdir()
    _project(root).close()
    code = main(["import", str(root), "--format", "csv", str(_csv(tmp_path)), "--as", "suggestions"])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 suggestion(s), " in out and "3 suggestion(s) not added: image unreadable or missing " \
        "(corrupt.png, gone.png)" in out, out


def test_the_summary_names_a_few():
    from llmvis_desktop.core.interchange.common import ImportReport

    r = ImportReport("csv", "in.csv", "suggestions", not_suggested=[f"x{i}.png" for i in range(5)],
                     suggestions_unseen=9)
    assert "9 suggestion(s) not added: image unreadable or missing (x0.png, x1.png, x2.png and 2 more)" \
        in r.summary(), r.summary()
