"""Script-author follow-ups: --json paths absolute, `labels add --exist-ok`, help texts,
labels made only for what an import added, `repair train --resume --from` saying --from was
ignored. Each through the real entry point (``main``), as the other test_cli*.py do."""
import json
import os

from PIL import Image

from llmvis_desktop.cli import build_parser, main


def _folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    Image.new("L", (24, 20), 90).save(root / "a.png")
    Image.new("L", (24, 20), 140).save(root / "b.png")
    (root / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_every_json_path_is_absolute_whatever_the_current_folder(tmp_path, capsys, monkeypatch):
    root = _folder(tmp_path)
    work = tmp_path / "work" / "sub"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    rel_root = os.path.relpath(root)
    assert main(["index", rel_root, "--db", "sqlite:///../team.sqlite", "-q"]) == 0
    capsys.readouterr()
    assert main(["info", rel_root, "--db", "sqlite:///../team.sqlite", "--json"]) == 0
    info = _json(capsys)
    assert info["root"] == str(root) and info["database"] == str(tmp_path / "work" / "team.sqlite")
    assert main(["info", rel_root, "--db", "sqlite:///../team.sqlite"]) == 0  # the text: as ambiguous
    assert f"database  {tmp_path / 'work' / 'team.sqlite'}" in capsys.readouterr().out
    assert main(["export", rel_root, "--db", "sqlite:///../team.sqlite", "--format", "csv",
                 "--out", "../o.csv", "--json"]) == 0
    assert _json(capsys)["out"] == str(tmp_path / "work" / "o.csv")
    assert main(["import", rel_root, "--db", "sqlite:///../team.sqlite", "--format", "csv", "../o.csv",
                 "--json"]) == 0
    assert _json(capsys)["source"] == str(tmp_path / "work" / "o.csv")
    mask = Image.new("L", (24, 20), 0)
    mask.paste(255, (8, 8, 12, 12))
    mask.save(work / "m.png")
    assert main(["repair", "apply", os.path.join(rel_root, "a.png"), "--mask", "m.png", "--method", "telea",
                 "--out", "out.png", "--project", rel_root, "--db", "sqlite:///../team.sqlite", "--json"]) == 0
    res = _json(capsys)
    assert res["output"] == str(work / "out.png") and (work / "out.png").is_file()
    assert os.path.isabs(res["mask"]) and os.path.isfile(res["mask"])
    assert res["project"] == str(root)


def test_repair_train_json_checkpoint_absolute(tmp_path, capsys, monkeypatch):
    root = _folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["repair", "train", "imgs", "--from", "scratch", "--steps", "1", "--tile", "16", "--batch", "2",
                 "--out", "ck.safetensors", "--device", "cpu", "--json"]) == 0
    assert _json(capsys)["checkpoint"] == str(tmp_path / "ck.safetensors")
    assert root.is_dir()


def test_labels_add_exist_ok(tmp_path, capsys):
    root = _folder(tmp_path)
    assert main(["labels", "add", str(root), "dent"]) == 0
    capsys.readouterr()
    assert main(["labels", "add", str(root), "dent"]) == 1  # without it: still refused
    capsys.readouterr()
    assert main(["labels", "add", str(root), "dent", "scratch", "--exist-ok"]) == 0
    cap = capsys.readouterr()
    assert "dent" in cap.err and "already there" in cap.err and "added scratch" in cap.out
    assert main(["labels", "add", str(root), "dent", "scratch", "rust", "--exist-ok", "--json"]) == 0
    out = _json(capsys)
    assert [lbl["name"] for lbl in out["added"]] == ["rust"]
    assert [lbl["name"] for lbl in out["existing"]] == ["dent", "scratch"]


def test_help_texts_say_what_readme_says(capsys):
    import pathlib

    parser = build_parser()
    models = parser._subparsers._group_actions[0].choices["models"]
    lst = models._subparsers._group_actions[0].choices["list"]
    assert "repeat" in lst.format_help().lower()
    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    synopsis = next(line for line in readme.splitlines() if line.startswith("| `llmvis suggest FOLDER"))
    assert "--strip-tiles N" in synopsis.split("|")[1]


def test_import_as_suggestions_makes_no_label_only_unseen_images_name(tmp_path, capsys):
    root = _folder(tmp_path)
    assert main(["index", str(root), "-q"]) == 0
    csv = tmp_path / "in.csv"
    csv.write_text("file_name,labels,caption\na.png,crack,a crack\ncorrupt.png,onlybad,bad\n")
    capsys.readouterr()
    assert main(["import", str(root), "--format", "csv", str(csv), "--as", "suggestions", "--json"]) == 0
    rep = _json(capsys)
    assert rep["labels_created"] == 1 and rep["suggestions_added"] == 2
    assert rep["labels_not_created"] == ["onlybad"]
    assert main(["labels", "list", str(root), "--json"]) == 0
    assert [lbl["name"] for lbl in _json(capsys)["labels"]] == ["crack"]
    csv.write_text("file_name,labels,caption\nb.png,crack,b\ncorrupt.png,other,bad\n")
    assert main(["import", str(root), "--format", "csv", str(csv), "--as", "suggestions"]) == 0
    out = capsys.readouterr().out
    assert "1 label(s) not created" in out and "other" in out
    # reviewed: the labels of an unreadable image are kept (only its status is not applied)
    csv.write_text("file_name,labels,caption\ncorrupt.png,kept,bad\n")
    assert main(["import", str(root), "--format", "csv", str(csv), "--json"]) == 0
    rep = _json(capsys)
    assert rep["labels_created"] == 1 and rep["labels_not_created"] == []


def test_resume_from_ignored_is_said(tmp_path, capsys):
    root = _folder(tmp_path)
    out = tmp_path / "ck.safetensors"
    other = tmp_path / "other.safetensors"
    base = ["repair", "train", str(root), "--tile", "16", "--batch", "2", "--device", "cpu", "--steps", "1"]
    assert main(base + ["--from", "scratch", "--out", str(out)]) == 0
    assert main(base + ["--from", "scratch", "--out", str(other)]) == 0
    capsys.readouterr()
    assert main(base + ["--resume", "--from", str(other), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "nothing to train" in err
    assert f"--from {other} ignored" in err and "--resume continues" in err
