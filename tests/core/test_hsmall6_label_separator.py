"""Label names holding the CSV/JSONL labels separator ``;`` (or starting with ``[``).

The window's label editor and ``llmvis labels add`` accept them (a taxonomy may name
"crack;hairline"): every format that carries labels gives them back whole (CSV and JSONL
write such an image's labels as a JSON list). A plain ``a;b`` cell (a hand-made or other
tool's file) where the project or the file's taxonomy has the label ``a;b`` is refused,
naming the file, the line and the label, instead of coming in as the labels ``a`` and ``b``.
"""
from __future__ import annotations

import pytest

from interchange_helpers import copy_files, db_fingerprint, make_files, open_scanned
from llmvis_desktop.core.interchange import InterchangeError, export_project, import_file

ODD = ["crack;hairline", "[draft]", "ok"]
OUTS = {"csv": "out.csv", "jsonl": "out_jsonl", "coco": "out.json", "labelstudio": "ls.json",
        "cvat": "cvat.xml", "yolo": "out_yolo"}


@pytest.fixture
def src(tmp_path):
    folder = make_files(tmp_path / "src")
    p = open_scanned(folder)
    ids = {r.relpath: r.id for r in p.images(p.image_ids())}
    for name in ODD:
        p.add_label(name)
    p.set_labels(ids["img0.png"], ["crack;hairline", "ok"], "alice")
    p.set_labels(ids["img1.png"], ["crack;hairline"], "alice")
    p.set_labels(ids["img2.png"], ["[draft]"], "bob")
    yield p
    p.close()


def _labels(p) -> dict:
    return {r.relpath: set(r.labels) for r in p.images(p.image_ids()) if r.labels}


@pytest.mark.parametrize("fmt", sorted(OUTS))
def test_labels_holding_the_separator_round_trip(tmp_path, src, fmt):
    out = tmp_path / OUTS[fmt]
    export_project(src, fmt, out)
    dst = open_scanned(copy_files(src.root, tmp_path / "dst"))
    try:
        import_file(dst, fmt, out)
        assert _labels(dst) == _labels(src) == {
            "img0.png": {"crack;hairline", "ok"}, "img1.png": {"crack;hairline"}, "img2.png": {"[draft]"}}
        assert {d.name for d in dst.labels()} >= {"crack;hairline", "[draft]"}
        assert "crack" not in {d.name for d in dst.labels()}
    finally:
        dst.close()


def test_a_plain_cell_spelling_such_a_label_is_refused(tmp_path, src):
    f = tmp_path / "hand.csv"
    f.write_text("file_name,labels\nimg3.png,ok\nimg4.png,crack;hairline\n", encoding="utf-8")
    before = db_fingerprint(src)
    with pytest.raises(InterchangeError) as info:
        import_file(src, "csv", f)
    said = str(info.value)
    assert said.startswith("hand.csv line 3: the labels 'crack;hairline' are split at ';'")
    assert "the label 'crack;hairline' holds ';'" in said and '["crack;hairline"]' in said
    assert db_fingerprint(src) == before  # nothing imported, no label "crack" made
    # written as the export writes it, the cell names the label
    f.write_text('file_name,labels\nimg4.png,"[""crack;hairline""]"\n', encoding="utf-8")
    import_file(src, "csv", f)
    assert _labels(src)["img4.png"] == {"crack;hairline"}


def test_a_plain_cell_is_refused_against_the_files_own_taxonomy(tmp_path):
    folder = make_files(tmp_path / "p")
    p = open_scanned(folder)
    try:
        f = tmp_path / "meta.csv"
        f.write_text("file_name,labels\nimg0.png,a; b\nimg1.png,c;d\n", encoding="utf-8")
        (tmp_path / "meta.labels.txt").write_text("# llmvis taxonomy\na;b\nc\nd\n", encoding="utf-8")
        with pytest.raises(InterchangeError, match=r"meta\.csv line 2: .*the label 'a;b' holds ';'"):
            import_file(p, "csv", f)
        assert p.labels() == []
    finally:
        p.close()


def test_separate_labels_stay_separate_when_no_label_holds_the_separator(tmp_path):
    folder = make_files(tmp_path / "p")
    p = open_scanned(folder)
    try:
        f = tmp_path / "meta.csv"
        f.write_text("file_name,labels\nimg0.png,a;b\n", encoding="utf-8")
        import_file(p, "csv", f)
        assert _labels(p) == {"img0.png": {"a", "b"}}
    finally:
        p.close()
