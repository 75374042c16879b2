"""`llmvis suggest` with a captioner and a labeler counted "already done" only for images
both models had done: after the captioner alone had done 3 images, a run of both with
--limit 3 labelled those 3 and said "0 already done", read as the captioner redoing
them. Images one model had done are now said, per model."""
from __future__ import annotations

import json

from llmvis_desktop.cli import main


def _run(capsys, *args) -> str:
    assert main(["suggest", *args, "--read-processes", "0"]) == 0
    return capsys.readouterr().out


def test_images_done_by_one_model_are_said(tiny, tmp_path, capsys):
    from tiny_models import image_folder

    root = image_folder(tmp_path / "imgs", 6)
    assert main(["labels", "add", str(root), "scratch", "dent"]) == 0
    cap, lab = ["--captioner", str(tiny["blip"])], ["--labeler", str(tiny["clip"])]
    _run(capsys, str(root), *cap, "--limit", "3")
    out = _run(capsys, str(root), *cap, *lab, "--limit", "3")
    assert "for 3 images" in out and "0 already done by both models, 3 by the captioner only" in out, out
    got = json.loads(_run(capsys, str(root), *cap, *lab, "--json"))
    report = got.get("models", got)
    assert report["skipped"] == 3 and report["done_by_one_model"] == {}, report  # the first 3 by both now
    alone = _run(capsys, str(root), *cap, "--all", "--limit", "1")  # one model: as it was
    assert "0 already done" in alone and "by both" not in alone, alone
