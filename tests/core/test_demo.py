"""The demo project builds offline and indexes with every kind of file it promises."""
from llmvis_desktop.core.demo import build_demo, seed_taxonomy
from llmvis_desktop.core.project import Project


def test_demo_builds_and_indexes(tmp_path):
    folder = build_demo(tmp_path / "demo")
    with Project.open(folder) as p:
        seed_taxonomy(p)
        p.index()
        recs = {r.relpath: r for r in p.images(p.image_ids())}
        assert [l.name for l in p.labels()] == ["ok", "scratch", "crack", "stain", "pitting"]
    formats = {r.format for r in recs.values() if r.format}
    assert {"PNG", "JPEG", "TIFF", "DICOM"} <= formats
    assert recs["industrial/line_scan_16bit.tif"].bit_depth == 16
    assert recs["medical/1.2.840.113619.2.55.3.604688119"].format == "DICOM"
    assert len([r for r in recs.values() if r.relpath.startswith("surfaces/")]) >= 45
    # the first image in name order (where a new reviewer starts) reads: the broken
    # file sorted first and the demo opened on its error card
    with Project.open(folder) as p:
        first = p.images(p.image_ids(sort="name")[:1])[0]
    assert first.status != "error" and first.format, first.relpath
    assert recs["unreadable/truncated.jpg"].status == "error"
    # building again reuses the folder
    assert build_demo(tmp_path / "demo") == folder
