"""Round trip for every format: export, import into a fresh project, export again."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.core.interchange import FORMATS, ExportOptions, export_project, import_file

from interchange_helpers import annotate, copy_files, make_files, open_scanned, state, tree

OPTS = ExportOptions(include_suggestions=True, anonymize=False, split=(0.6, 0.2, 0.2), seed=3)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    folder = make_files(tmp_path_factory.mktemp("src") / "images")
    p = open_scanned(folder)
    annotate(p)
    yield p
    p.close()


def _no_image_path(raw: bytes) -> bytes:
    doc = json.loads(raw)
    assert doc.pop("imagePath")
    return json.dumps(doc).encode()


def _out(tmp_path, fmt, tag):
    spec = FORMATS[fmt]
    return tmp_path / f"{tag}_{fmt}{spec.suffix}"


@pytest.mark.parametrize("fmt", [k for k, spec in FORMATS.items() if spec.parse is not None])  # history: export only
def test_round_trip(fmt, source, tmp_path, db_url):
    """Imported into a project on SQLite and on PostgreSQL (conftest.db_url)."""
    spec = FORMATS[fmt]
    out1 = _out(tmp_path, fmt, "first")
    rep1 = export_project(source, fmt, out1, OPTS)
    assert rep1.images > 0 and not [w for w in rep1.warnings if "missing" in w]

    fresh = open_scanned(copy_files(source.root, tmp_path / "fresh"), db_url)
    try:
        imp = import_file(fresh, fmt, out1, as_="reviewed")
        assert not imp.conflicts and not imp.unmatched, imp.summary()
        out2 = _out(tmp_path, fmt, "second")
        export_project(fresh, fmt, out2, OPTS)
        first, second = tree(out1), tree(out2)
        first.pop("first_labelstudio.label_config.xml", None)
        if fmt == "labelme":  # imagePath leads to each project's own images
            first = {k: v and _no_image_path(v) for k, v in first.items()}
            second = {k: v and _no_image_path(v) for k, v in second.items()}
        if fmt == "coco":  # the captions file beside it, named after it
            first = {k: v.replace(b"first_coco", b"second_coco") for k, v in first.items()}
            assert (out1.with_name("first_coco.captions.json").read_bytes().replace(b"first_coco", b"second_coco")
                    == out2.with_name("second_coco.captions.json").read_bytes())
        assert list(first.values()) == list(second.values())
        if spec.out_is_folder:
            assert list(first) == list(second)

        # what the format carries is the same in both databases
        a, b = state(source), state(fresh)
        for rel in a:
            ca, la, sa, ra, ta, ga = a[rel]
            cb, lb, sb, rb, tb, gb = b[rel]
            if "caption" in spec.carries:
                assert ca == cb, rel
            if "labels" in spec.carries:
                assert la == lb, rel
            if "status" in spec.carries:
                assert sa == sb, rel
            if "reviewer" in spec.carries:
                assert (ra, ta) == (rb, tb), rel
            if "suggestions" in spec.carries:
                assert ga == gb, rel

        # the history names the import, and who imported it (the OS user by default), as the actor
        img0 = fresh.image_by_path("img0.png") if fmt != "txt" else fresh.image_by_path("img2.png")
        actors = {e.actor for e in fresh.history(img0.id)}
        assert any(a.startswith(f"import:{out1.name} by ") and a.split(" by ", 1)[1] for a in actors), actors

        # a second import changes nothing and reports no conflict
        again = import_file(fresh, fmt, out1, as_="reviewed")
        assert again.changed == 0 and not again.conflicts and again.suggestions_added == 0
    finally:
        fresh.close()


@pytest.mark.parametrize("fmt", ["coco", "csv", "cvat"])
def test_import_as_suggestions(fmt, source, tmp_path):
    out = _out(tmp_path, fmt, "s")
    export_project(source, fmt, out, ExportOptions(anonymize=False, reviewed_only=True))
    fresh = open_scanned(copy_files(source.root, tmp_path / "fresh"))
    try:
        rep = import_file(fresh, fmt, out, as_="suggestions")
        assert rep.changed == 0 and rep.suggestions_added > 0
        img0 = fresh.image_by_path("img0.png")
        assert img0.caption is None and img0.labels == () and img0.review_status == "suggested"
        got = {(s.kind, s.value, s.model_id) for s in fresh.suggestions(img0.id)}
        assert got == {("caption", "a scratch near the edge", f"import:{out.name}"),
                       ("label", "scratch", f"import:{out.name}")}
        assert fresh.image_by_path("img5.png").review_status == "new"  # not in a reviewed-only export
    finally:
        fresh.close()


def test_reviewed_only_and_repairs(tmp_path):
    import csv

    p = open_scanned(make_files(tmp_path / "imgs"))
    try:
        ids = annotate(p)
        out = tmp_path / "r.csv"
        p.add_repair(ids["img1.png"], mask_path="m.png", output_path="img5.png", engine="lama",
                     actor="alice", output_image_id=ids["img5.png"])
        export_project(p, "csv", out, ExportOptions(include_repairs=True, anonymize=False))
        rows = {r["file_name"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
        assert rows["img5.png"]["derived_from"] == "img1.png"
        assert rows["img1.png"]["labels"] == "dent;rust/oxide"
        export_project(p, "csv", out, ExportOptions(reviewed_only=True, anonymize=False), force=True)
        rows = {r["file_name"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
        assert set(rows) == {"img0.png", "img1.png", "sub/img6.png", "patients/DOE_JOHN_12345.dcm"}
    finally:
        p.close()


def test_a_large_import_applies_every_record(tmp_path):
    """Past 200 records the import hands written rows out of its session (a 40k import
    took 268 s, growing with the square of its size); every record still lands, in one
    transaction."""
    from PIL import Image

    from llmvis_desktop.core.interchange import import_file
    from llmvis_desktop.core.project import Project

    folder = tmp_path / "many"
    folder.mkdir()
    n = 450
    for i in range(n):
        Image.new("L", (4, 4), i % 256).save(folder / f"i{i:04d}.png")
    rows = ["file_name,labels,caption,status"] + [f"i{i:04d}.png,{'dent' if i % 2 else 'ok'},cap {i},reviewed"
                                                 for i in range(n)]
    (tmp_path / "in.csv").write_text("\n".join(rows) + "\n")
    with Project.open(folder) as p:
        p.scan()
        report = import_file(p, "csv", tmp_path / "in.csv")
        assert report.matched == n
        recs = {r.relpath: r for r in p.images(p.image_ids())}
        for i in (0, 199, 200, 201, 449):
            r = recs[f"i{i:04d}.png"]
            assert r.caption == f"cap {i}" and r.labels == (("dent",) if i % 2 else ("ok",))
            assert r.review_status == "reviewed"


@pytest.mark.parametrize("fmt", ["cvat", "txt", "csv", "coco", "labelstudio", "jsonl"])
def test_control_characters_and_crlf(fmt, tmp_path):
    """CVAT wrote a form feed raw (XML its own import refused) and turned \\r\\n into \\n, as
    the txt import did. Now \\r\\n survives every format, and a control character XML cannot
    carry is written as its visible symbol with a warning (an import refuses it raw)."""
    import xml.etree.ElementTree as ET

    src = make_files(tmp_path / "src")
    p = open_scanned(src)
    try:
        ids = {r.relpath: r.id for r in p.images(p.image_ids())}
        p.set_caption(ids["img0.png"], "scratch\x0cnear edge", "alice")
        p.set_caption(ids["img1.png"], "line1\r\nline2\rthree\n", "alice")
        out = _out(tmp_path, fmt, "out")
        rep = export_project(p, fmt, out, ExportOptions(split=(1.0, 0.0, 0.0)))
    finally:
        p.close()
    assert [w for w in rep.warnings if "img0.png" in w and "control characters" in w]
    if fmt == "cvat":
        ET.parse(out)  # well-formed
    q = open_scanned(copy_files(src, tmp_path / "dst"))
    try:
        import_file(q, fmt, out)
        assert q.image_by_path("img0.png").caption == "scratch\u240cnear edge"
        want = "line1\r\nline2\rthree" if fmt == "txt" else "line1\r\nline2\rthree\n"  # a sidecar's last newline goes
        assert q.image_by_path("img1.png").caption == want
    finally:
        q.close()


@pytest.mark.parametrize("fmt", ["csv", "coco", "labelstudio", "jsonl", "txt"])
def test_control_characters_are_refused_on_import(fmt, tmp_path):
    import json

    p = open_scanned(make_files(tmp_path / "imgs"))
    bad = "a\x0bb"
    files = {
        "csv": ("t.csv", f'file_name,caption\nimg5.png,ok\nimg4.png,"{bad}"\n', "t.csv line 3: caption"),
        "coco": ("t.json", json.dumps({"images": [{"id": 1, "file_name": "img4.png"}],
                                       "annotations": [{"id": 1, "image_id": 1, "caption": bad}]}),
                 r"t.json annotations\[0\]: caption"),
        "labelstudio": ("t.json", json.dumps([{"id": 4, "data": {"image": "img4.png"}, "annotations": [
            {"id": 1, "result": [{"type": "textarea", "from_name": "caption", "value": {"text": [bad]}}]}]}]),
            r"t.json task\[0\] \(id 4\) annotation 1 result\[0\]: caption"),
        "jsonl": ("d/metadata.jsonl", json.dumps({"file_name": "img4.png", "text": bad}) + "\n",
                  "metadata.jsonl line 1: text"),
        "txt": ("d/img4.txt", bad, "img4.txt: caption"),
    }
    name, text, where = files[fmt]
    f = tmp_path / name
    f.parent.mkdir(exist_ok=True)
    f.write_text(text, newline="")
    try:
        with pytest.raises(Exception, match=where + " holds the control character U\\+000B"):
            import_file(p, fmt, f.parent if FORMATS[fmt].in_is_folder else f)
        assert p.image_by_path("img4.png").caption is None
    finally:
        p.close()


def test_csv_takes_a_caption_over_128_kib(tmp_path):
    """A caption over the csv module's default field limit (128 KiB) was exported, and its
    import refused: 'field larger than field limit'."""
    import csv

    src = make_files(tmp_path / "src")
    p = open_scanned(src)
    long = "long caption " * 20000  # 260 kB
    try:
        p.set_caption(p.image_by_path("img0.png").id, long, "alice")
        export_project(p, "csv", tmp_path / "big.csv")
    finally:
        p.close()
    q = open_scanned(copy_files(src, tmp_path / "dst"))
    try:
        import_file(q, "csv", tmp_path / "big.csv")
        assert q.image_by_path("img0.png").caption == long
    finally:
        q.close()
    assert csv.field_size_limit() == 131072  # the process-wide limit is left as it was


def test_yolo_takes_labels_too_long_for_a_folder_name(tmp_path):
    """A label of 90 CJK characters (270 bytes) failed the export: 'File name too long'."""
    src = make_files(tmp_path / "src")
    p = open_scanned(src)
    long_a = "表面の微細な亀裂" * 11 + "亀裂"
    long_b = "表面の微細な亀裂" * 11 + "錆び"  # the same first 200 bytes
    try:
        p.add_labels([long_a, long_b, "dent"])
        p.set_labels(p.image_by_path("img0.png").id, [long_a], "alice")
        p.set_labels(p.image_by_path("img1.png").id, [long_b, "dent"], "alice")
        out = tmp_path / "y"
        rep = export_project(p, "yolo", out, ExportOptions(split=(1.0, 0.0, 0.0)))
    finally:
        p.close()
    folders = [d.name for d in (out / "train").iterdir()]
    assert len(folders) == 3 and all(len(n.encode()) <= 200 for n in folders)
    assert any("cut" in w for w in rep.warnings)
    q = open_scanned(copy_files(src, tmp_path / "dst"))
    try:
        import_file(q, "yolo", out)
        assert q.image_by_path("img0.png").labels == (long_a,)
        assert sorted(q.image_by_path("img1.png").labels) == sorted([long_b, "dent"])
    finally:
        q.close()
