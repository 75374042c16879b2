"""The audit trail leaves the tool (``--format history``), decided suggestions go out to
Label Studio, and changes made from the command line name a person."""
from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.cli import main
from llmvis_desktop.core import review_actions as ra
from llmvis_desktop.core.interchange import ExportOptions, InterchangeError, export_project, import_file
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store import models as m
from llmvis_desktop.core.store.records import NewSuggestion

from interchange_helpers import DICOM, annotate, make_files, open_scanned


def _decided(p: Project) -> dict[str, int]:
    """img0 accepted, img1 edited + rejected, img2 pending; bob's clock 3 minutes slow."""
    ids = {r.relpath: r.id for r in p.images(p.image_ids())}
    a, b, c = ids["img0.png"], ids["img1.png"], ids["img2.png"]
    for name in ("scratch", "dent"):
        p.add_label(name)

    def sg(i, kind, value, score):
        return NewSuggestion(i, kind, value, "Salesforce/blip-base", score, "rev-abc123", "a photo of")

    p.add_suggestions([sg(a, "caption", "a scratch", .9), sg(a, "label", "scratch", .8),
                       sg(b, "caption", "a dent", .7), sg(b, "label", "dent", .6), sg(c, "caption", "pending cap", .5)])
    ra.accept(p, a, "dr_alice")
    real = m.utcnow
    m.utcnow = lambda: real() - timedelta(minutes=3)  # bob's machine: no NTP offline
    try:
        cap = next(s for s in p.suggestions(b) if s.kind == "caption")
        ra.decide_suggestion(p, b, cap.id, "edited", "dr_bob", "a deep dent")
        ra.reject(p, b, "dr_bob")
    finally:
        m.utcnow = real
    return ids


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_history_export_carries_every_event_and_suggestion_with_provenance(tmp_path):
    p = open_scanned(make_files(tmp_path / "imgs"))
    try:
        ids = _decided(p)
        out = tmp_path / "trail.jsonl"
        rep = export_project(p, "history", out)
        lines = _lines(out)
        head, events = lines[0], [x for x in lines if x["kind"] == "event"]
        sugg = [x for x in lines if x["kind"] == "suggestion"]
        assert head["kind"] == "export" and head["format"] == "llmvis-history"
        assert head["events"] == len(events) and head["suggestions"] == len(sugg) == 5 == rep.suggestions
        assert rep.events == len(events) and f"{len(events)} history events" in rep.summary()  # not "0 annotation(s)"
        # every event, in the database's order (not bob's clock), as the history has it
        by_id = [e.id for i in p.image_ids() for e in p.history(i)]
        assert [e["id"] for e in events] == sorted(by_id)
        assert lines.index(events[-1]) < lines.index(sugg[0])  # events first, then suggestions
        ev = {e["id"]: e for e in events}
        for i in p.image_ids():
            for e in p.history(i):
                line = ev[e.id]
                assert (line["action"], line["actor"], line["before"], line["after"]) == \
                    (e.action, e.actor, e.before, e.after)
                assert line["at"].endswith("+00:00") and line["image"] == p.image(i).relpath
        # a reviewer's decision names what the model proposed, and how it ended
        edit = next(e for e in events if e["image_id"] == ids["img1.png"] and e["action"] == "caption")
        assert edit["actor"] == "dr_bob" and edit["after"] == "a deep dent" and edit["field"] == "caption"
        assert edit["suggestion"] == {
            "kind": "caption", "value": "a dent", "model_id": "Salesforce/blip-base", "model_revision": "rev-abc123",
            "prompt": "a photo of", "score": 0.7, "outcome": "edited", "final_value": "a deep dent",
            "decided_by": "dr_bob", "decided_at": edit["suggestion"]["decided_at"]}
        assert edit["suggestion"]["decided_at"].endswith("+00:00")
        outcomes = {(s["image"], s["suggestion_kind"], s["value"]): (s["outcome"], s["final_value"], s["decided_by"])
                    for s in sugg}
        assert outcomes == {
            ("img0.png", "caption", "a scratch"): ("accepted", "a scratch", "dr_alice"),
            ("img0.png", "label", "scratch"): ("accepted", "scratch", "dr_alice"),
            ("img1.png", "caption", "a dent"): ("edited", "a deep dent", "dr_bob"),
            ("img1.png", "label", "dent"): ("rejected", None, "dr_bob"),
            ("img2.png", "caption", "pending cap"): ("pending", None, None),
        }
        assert all(s["model_revision"] == "rev-abc123" and s["prompt"] == "a photo of" and s["created_at"]
                   for s in sugg)
        # an existing file is replaced only when asked; the history is never read back
        with pytest.raises(InterchangeError, match="exists"):
            export_project(p, "history", out)
        export_project(p, "history", out, force=True)
        with pytest.raises(InterchangeError, match="export only"):
            import_file(p, "history", out)
        # reviewed only: img0 (accepted) alone
        export_project(p, "history", tmp_path / "r.jsonl", ExportOptions(reviewed_only=True))
        assert {x["image"] for x in _lines(tmp_path / "r.jsonl")[1:]} == {"img0.png"}
    finally:
        p.close()


def test_history_export_names_dicom_images_neutrally(tmp_path):
    p = open_scanned(make_files(tmp_path / "imgs"))
    try:
        annotate(p)
        out = tmp_path / "trail.jsonl"
        export_project(p, "history", out)
        text = out.read_text(encoding="utf-8")
        assert "DOE_JOHN" not in text and "ct slice" in text  # the caption is the annotation itself
        assert any(x.get("image", "").startswith("anon/") for x in _lines(out))
        export_project(p, "history", out, ExportOptions(anonymize=False), force=True)
        assert DICOM in out.read_text(encoding="utf-8")
    finally:
        p.close()


def test_cli_exports_the_history(tmp_path, capsys):
    folder = make_files(tmp_path / "imgs")
    with open_scanned(folder) as p:
        _decided(p)
    out = tmp_path / "h.jsonl"
    assert main(["export", str(folder), "--format", "history", "--out", str(out)]) == 0
    assert "history:" in capsys.readouterr().out and len(_lines(out)) > 10
    assert main(["export", str(folder), "--format", "history", "--out", str(out)]) == 1  # exists: --force
    assert "--force" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # not a format import reads
        main(["import", str(folder), "--format", "history", str(out)])


def test_label_studio_exports_decided_suggestions_and_does_not_bring_them_back_pending(tmp_path):
    p = open_scanned(make_files(tmp_path / "imgs"))
    try:
        ids = _decided(p)
        out = tmp_path / "ls.json"
        export_project(p, "labelstudio", out, ExportOptions(include_suggestions=True))
        tasks = {t["data"]["image"]: t for t in json.loads(out.read_text(encoding="utf-8"))}
        preds = {(t, pr["llmvis"]["outcome"]): pr for t, task in tasks.items() for pr in task["predictions"]}
        assert set(preds) >= {("img0.png", "accepted"), ("img1.png", "edited"), ("img1.png", "rejected"),
                              ("img2.png", "pending")}
        edited = preds[("img1.png", "edited")]
        assert edited["model_version"] == "Salesforce/blip-base" and edited["score"] == 0.7
        assert edited["llmvis"]["final_value"] == "a deep dent" and edited["llmvis"]["decided_by"] == "dr_bob"
        assert edited["llmvis"]["model_revision"] == "rev-abc123" and edited["llmvis"]["prompt"] == "a photo of"
        # read back into the same project: the decided ones are not cards again
        before = {i: [(s.id, s.outcome) for s in p.suggestions(i)] for i in ids.values()}
        rep = import_file(p, "labelstudio", out, actor="dr_alice")
        assert rep.suggestions_added == 0 and any("already decided" in w for w in rep.warnings)
        assert {i: [(s.id, s.outcome) for s in p.suggestions(i)] for i in ids.values()} == before
    finally:
        p.close()


# --- who the command line records ---------------------------------------------------


@pytest.fixture
def reviewer_config(monkeypatch, tmp_path):
    from llmvis_desktop.core.config import config_path

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"reviewer": "dr_alice"}), encoding="utf-8")
    return path


def _folder(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(2):
        Image.new("RGB", (16, 12), (i * 60, 10, 10)).save(root / f"img{i}.png")
    assert main(["index", str(root), "-q"]) == 0
    assert main(["labels", "add", str(root), "lesion"]) == 0
    return root


def _actors(root, name="img0.png"):
    with Project.open(root) as p:
        return [(e.actor, e.action) for e in p.history(p.image_by_path(name).id)]


def test_cli_changes_name_the_configured_reviewer_or_the_actor_given(tmp_path, reviewer_config, capsys):
    root = _folder(tmp_path)
    sheet = tmp_path / "t10.csv"
    sheet.write_text("file_name,labels,status\nimg0.png,lesion,reviewed\nimg1.png,scar,reviewed\n")
    assert main(["import", str(root), "--format", "csv", str(sheet)]) == 0
    assert set(_actors(root)) == {("import:t10.csv by dr_alice", "import:labels"),
                                  ("import:t10.csv by dr_alice", "import:status")}
    assert main(["labels", "remove", str(root), "lesion", "--force", "--actor", "dr_bob"]) == 0
    assert _actors(root)[-1] == ("dr_bob", "label_removed")
    assert main(["labels", "remove", str(root), "scar", "--force"]) == 0
    assert _actors(root, "img1.png")[-1] == ("dr_alice", "label_removed")


def test_cli_repair_records_the_reviewer_not_cli(tmp_path, reviewer_config, capsys):
    pytest.importorskip("cv2")
    root = _folder(tmp_path)
    mask = np.zeros((12, 16), np.uint8)
    mask[4:8, 4:8] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    assert main(["repair", "apply", str(root / "img0.png"), "--mask", str(tmp_path / "mask.png"),
                 "--method", "telea", "--project", str(root)]) == 0
    assert ("dr_alice", "repair") in _actors(root)
    with Project.open(root) as p:
        assert p.repairs(p.image_by_path("img0.png").id)[0].created_by == "dr_alice"


def test_without_a_reviewer_name_the_cli_records_the_os_user(tmp_path, monkeypatch, capsys):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "jdoe")
    root = _folder(tmp_path)
    sheet = tmp_path / "s.csv"
    sheet.write_text("file_name,labels\nimg0.png,lesion\n")
    assert main(["import", str(root), "--format", "csv", str(sheet)]) == 0
    assert main(["labels", "remove", str(root), "lesion", "--force"]) == 0
    actors = {a for a, _ in _actors(root)}
    assert actors == {"import:s.csv by jdoe", "jdoe"} and "cli" not in actors


def test_imported_suggestions_say_who_imported_them(tmp_path):
    p = open_scanned(make_files(tmp_path / "imgs"))
    try:
        ids = {r.relpath: r.id for r in p.images(p.image_ids())}
        sheet = tmp_path / "s.csv"
        sheet.write_text("file_name,caption\nimg0.png,a guess\n")
        import_file(p, "csv", sheet, as_="suggestions", actor="dr_carol")
        (s,) = p.suggestions(ids["img0.png"])
        assert s.params == {"imported_by": "dr_carol", "imported_from": "s.csv"}
    finally:
        p.close()


def test_import_actor_fits_the_actor_column():
    from llmvis_desktop.core.interchange.apply import import_actor

    assert import_actor("t10.csv", "alice") == "import:t10.csv by alice"
    long = import_actor("x" * 300 + ".csv", "dr_alice")
    assert len(long) <= 200 and long.endswith("\u2026 by dr_alice")
    assert len(import_actor("a.csv", "n" * 300)) <= 200


def test_an_import_locks_the_taxonomy_before_any_image(tmp_path, pg_url):
    """An import making no label locked its images, then took the taxonomy lock (shared)
    only when it stored the file's suggestions, while a rename takes the taxonomy first
    and then the images: the two deadlocked on a team's PostgreSQL and one was aborted."""
    import shutil

    from sqlalchemy import event

    src = open_scanned(make_files(tmp_path / "imgs"))
    try:
        src.add_label("dent")
        ids = {r.relpath: r.id for r in src.images(src.image_ids())}
        src.set_labels(ids["img0.png"], ["dent"], "alice")
        src.add_suggestions([NewSuggestion(ids["img1.png"], "label", "dent", "zero-shot-a", score=0.7)])
        out = tmp_path / "ls.json"
        export_project(src, "labelstudio", out, ExportOptions(include_suggestions=True))
    finally:
        src.close()
    shutil.rmtree(tmp_path / "imgs" / ".llmvis")
    p = open_scanned(tmp_path / "imgs", pg_url)
    try:
        p.add_label("dent")
        seen = []

        def spy(conn, cursor, statement, *args):
            if "pg_advisory_xact_lock" in statement or " FOR UPDATE" in statement or "FOR NO KEY" in statement:
                seen.append("taxonomy" if "advisory" in statement else "image")

        event.listen(p.store.engine, "before_cursor_execute", spy)
        try:
            rep = import_file(p, "labelstudio", out, as_="reviewed", actor="dr_carol")
        finally:
            event.remove(p.store.engine, "before_cursor_execute", spy)
        assert rep.suggestions_added == 1 and rep.changed >= 1
        assert "image" in seen and seen[0] == "taxonomy", seen
    finally:
        p.close()


def test_decided_only_history_keeps_the_rejections_reviewed_only_does_not(tmp_path, capsys):
    folder = make_files(tmp_path / "imgs")
    with open_scanned(folder) as p:
        ids = _decided(p)  # img0 accepted (reviewed), img1 rejected by dr_bob, img2 pending
        export_project(p, "history", tmp_path / "d.jsonl", ExportOptions(decided_only=True))
        lines = _lines(tmp_path / "d.jsonl")
        assert lines[0]["decided_only"] is True and lines[0]["reviewed_only"] is False
        assert {x["image"] for x in lines[1:]} == {"img0.png", "img1.png"}
        events = [x for x in lines if x["kind"] == "event"]
        assert lines[0]["events"] == len(events)
        # bob's rejection is in the trail, with who and what
        assert any(e["image_id"] == ids["img1.png"] and e["field"] == "status" and e["after"] == "rejected"
                   and e["actor"] == "dr_bob" for e in events)
        with pytest.raises(InterchangeError, match="history export only"):
            export_project(p, "csv", tmp_path / "d.csv", ExportOptions(decided_only=True))
    out = tmp_path / "cli.jsonl"
    assert main(["export", str(folder), "--format", "history", "--decided-only", "--out", str(out)]) == 0
    assert {x["image"] for x in _lines(out)[1:]} == {"img0.png", "img1.png"}
    for extra in (["--format", "csv"], ["--format", "history", "--reviewed-only"]):
        with pytest.raises(SystemExit) as exc:
            main(["export", str(folder), *extra, "--decided-only", "--out", str(tmp_path / "x.out")])
        assert exc.value.code == 2
    assert "--decided-only" in capsys.readouterr().err
