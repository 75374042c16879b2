"""A zip archive (CVAT's "COCO 1.0" and "CVAT for images 1.1" exports, a zipped labelme,
CSV or imagefolder export) was refused, naming the member to unzip first: now the member
the format needs is read straight from the archive, nothing extracted to disk."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import InterchangeError, import_file
from llmvis_desktop.core.project import Project


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    for rel in ("frame_000000.jpg", "sub/a.png", "b.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4, 4, 3), 9, np.uint8)).save(root / rel)
    p = Project.open(root)
    p.scan()
    yield p
    p.close()


def _zip(path, members: dict):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _listing(tmp_path):
    return sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if ".llmvis" not in p.parts)


def test_a_cvat_coco_zip_is_imported_without_unzipping(proj, tmp_path):
    coco = {"images": [{"id": 1, "file_name": "frame_000000.jpg", "width": 4, "height": 4}],
            "categories": [{"id": 1, "name": "dent", "supercategory": ""}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4}]}
    z = _zip(tmp_path / "task_1_dataset.zip", {"annotations/instances_default.json": json.dumps(coco),
                                               "images/frame_000000.jpg": b"\xff\xd8\xff"})
    before = _listing(tmp_path)
    rep = import_file(proj, "coco", z)
    assert proj.image_by_path("frame_000000.jpg").labels == ("dent",)
    assert rep.matched == 1 and "task_1_dataset.zip/annotations/instances_default.json" in rep.summary()
    assert _listing(tmp_path) == before  # nothing unzipped next to it


def test_cvat_xml_and_csv_zips(proj, tmp_path):
    xml = ('<annotations><version>1.1</version><image id="0" name="b.png">'
           '<tag label="rust" source="manual"/></image></annotations>')
    import_file(proj, "cvat", _zip(tmp_path / "task_1_cvat.zip", {"annotations.xml": xml}))
    assert proj.image_by_path("b.png").labels == ("rust",)
    z = _zip(tmp_path / "team.zip", {"out/team.csv": "file_name,caption\nsub/a.png,from the zip\n",
                                     "out/team.labels.txt": "# llmvis taxonomy\nzeta\nalpha\n"})
    import_file(proj, "csv", z)
    assert proj.image_by_path("sub/a.png").caption == "from the zip"
    assert [d.name for d in proj.labels()][-2:] == ["zeta", "alpha"]  # the taxonomy beside it, read too


def test_several_candidates_are_named_and_member_picks_one(proj, tmp_path):
    z = _zip(tmp_path / "two.zip", {"a/x.csv": "file_name,caption\nb.png,from x\n",
                                    "b/y.csv": "file_name,caption\nb.png,from y\n",
                                    "__MACOSX/b/._y.csv": "junk"})
    with pytest.raises(InterchangeError) as exc:
        import_file(proj, "csv", z)
    msg = str(exc.value)
    assert "'a/x.csv'" in msg and "'b/y.csv'" in msg and "--member" in msg and "MACOSX" not in msg, msg
    rep = import_file(proj, "csv", z, member="b/y.csv")
    assert proj.image_by_path("b.png").caption == "from y" and "two.zip/b/y.csv" in rep.summary()
    with pytest.raises(InterchangeError, match=r"holds no file 'c\.csv'; it holds 'a/x\.csv', 'b/y\.csv'"):
        import_file(proj, "csv", z, member="c.csv")


def test_labelme_and_imagefolder_zips_read_paths_relative_to_the_member(proj, tmp_path):
    doc = {"version": "5.4.1", "flags": {}, "shapes": [{"label": "scratch", "points": [[0, 0], [1, 1]],
                                                        "shape_type": "rectangle"}],
           "imagePath": "a.png", "imageData": None}
    z = _zip(tmp_path / "labelme.zip", {"mydata/sub/a.json": json.dumps(doc)})  # the folder "mydata" zipped
    import_file(proj, "labelme", z)
    assert proj.image_by_path("sub/a.png").labels == ("scratch",)
    z = _zip(tmp_path / "hf.zip", {"export/train/metadata.jsonl": json.dumps({"file_name": "b.png", "text": "hf"}),
                                   "export/llmvis_taxonomy.txt": "# llmvis taxonomy\n"})
    import_file(proj, "jsonl", z)
    assert proj.image_by_path("b.png").caption == "hf"


def test_encrypted_and_oversized_members_are_refused(proj, tmp_path, monkeypatch):
    from llmvis_desktop.core.interchange import archive

    z = _zip(tmp_path / "locked.zip", {"annotations.xml": "<annotations/>"})
    raw = bytearray(z.read_bytes())  # the "encrypted" flag set in both headers (zipfile writes none)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        raw[raw.index(sig) + at] |= 0x1
    z.write_bytes(bytes(raw))
    with pytest.raises(InterchangeError, match=r"locked\.zip: annotations\.xml is encrypted"):
        import_file(proj, "cvat", z)
    bomb = _zip(tmp_path / "bomb.zip", {"big.csv": "file_name,caption\n" + "b.png,x\n" * 200_000})
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1 << 20)
    with pytest.raises(InterchangeError) as exc:
        import_file(proj, "csv", bomb)
    assert "big.csv" in str(exc.value) and "1 MiB" in str(exc.value), str(exc.value)
    assert proj.image_by_path("b.png").caption is None


def test_member_of_a_plain_file_is_refused(proj, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("file_name,caption\nb.png,x\n")
    with pytest.raises(InterchangeError, match="not a zip archive"):
        import_file(proj, "csv", f, member="t.csv")
