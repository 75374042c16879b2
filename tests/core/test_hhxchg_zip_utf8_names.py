"""Info-ZIP's ``zip`` on Linux and macOS's Archive Utility store a member's UTF-8 name
without the zip format's UTF-8 flag; Python's zipfile reads such a name as code page 437,
so a zipped labelme folder ``Ünï/straße.json`` was read as ``├£n├»/stra├ƒe.json`` and its
record named no image of the project ("none of its 1 record(s) names an image"), and a
YOLO class folder ``Grüße`` became the label ``Gr├╝├ƒe``. A name without the flag that is
valid UTF-8 is now read as UTF-8."""
from __future__ import annotations

import json
import struct
import zipfile

from PIL import Image

from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


def _as_info_zip_writes(z):
    """Clear the UTF-8 flag (bit 11) of every member of ``z``, in its local headers and its
    central directory: the names stay UTF-8 bytes, as Info-ZIP writes them."""
    data = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        infos, pos = zf.infolist(), zf.start_dir
    for info in infos:
        off = info.header_offset + 6
        struct.pack_into("<H", data, off, struct.unpack_from("<H", data, off)[0] & ~0x800)
    for _ in infos:
        assert data[pos:pos + 4] == b"PK\x01\x02"
        struct.pack_into("<H", data, pos + 8, struct.unpack_from("<H", data, pos + 8)[0] & ~0x800)
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        pos += 46 + n + m + k
    z.write_bytes(bytes(data))
    with zipfile.ZipFile(z) as zf:  # (what zipfile now reads: the names as cp437)
        assert not any("straße" in n for n in zf.namelist()) and any("stra├ƒe" in n for n in zf.namelist())
    return z


def _project(tmp_path):
    root = tmp_path / "proj"
    (root / "Ünï").mkdir(parents=True)
    Image.new("L", (6, 5), 90).save(root / "Ünï" / "straße.png")
    Image.new("L", (6, 5), 40).save(root / "plain.png")
    p = Project.open(root)
    p.scan()
    return p


def test_a_labelme_zip_with_utf8_names_without_the_flag(tmp_path):
    z = tmp_path / "labelme.zip"
    doc = {"version": "5.4.1", "flags": {}, "imagePath": "straße.png", "imageData": None,
           "shapes": [{"label": "Riss", "points": [[1, 1], [2, 2]], "shape_type": "rectangle"}]}
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Ünï/straße.json", json.dumps(doc))
        zf.writestr("plain.json", json.dumps({**doc, "imagePath": "plain.png", "shapes": []}))
    _as_info_zip_writes(z)
    with _project(tmp_path) as p:
        report = import_file(p, "labelme", z)
        assert report.matched == 2 and not report.unmatched, report.summary()
        assert p.image_by_path("Ünï/straße.png").labels == ("Riss",)


def test_a_yolo_zip_with_utf8_names_without_the_flag(tmp_path):
    z = tmp_path / "yolo.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("train/Grüße/Ünï/straße.png", b"x")
        zf.writestr("val/ok/plain.png", b"x")
    _as_info_zip_writes(z)
    with _project(tmp_path) as p:
        report = import_file(p, "yolo", z)
        assert report.matched == 2 and not report.unmatched, report.summary()
        assert p.image_by_path("Ünï/straße.png").labels == ("Grüße",)
        assert sorted(lbl.name for lbl in p.labels()) == ["Grüße", "ok"]


def test_a_cp437_name_that_is_no_utf8_stays_cp437(tmp_path):
    """An old Windows zip's cp437 name (``ü`` is byte 0x81, no UTF-8) is read as before."""
    from llmvis_desktop.core.interchange.archive import _utf8_name

    info = zipfile.ZipInfo("Gr\x81n.png".encode("latin-1").decode("cp437"))
    assert _utf8_name(info) == "Grün.png"
