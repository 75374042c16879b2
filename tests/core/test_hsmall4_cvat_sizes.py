"""CVAT XML export of images whose pixels cannot be read: it wrote width="" height="",
and a strict reader (``int(image.get("width"))``, as a CVAT task's frame sizes are
ints) failed on the whole file (/tmp/hunt-hsmall4/cv). A JPEG cut short has a readable
header: its size is written. A file with no readable header at all (not an image) is
left out of the file, and the export's summary says which and why: CVAT has no way to
say "size unknown" (its own exporter always writes both; Datumaro's reader refuses a
size of 0), and a CVAT task could not hold such a file anyway."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from PIL import Image

from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.project import Project


def test_every_cvat_image_has_an_integer_width_and_height(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    Image.new("RGB", (64, 48)).save(root / "good.png")
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), "gray").save(buf, "JPEG")
    (root / "truncated.jpg").write_bytes(buf.getvalue()[:len(buf.getvalue()) // 2])  # its header whole, its pixels cut
    (root / "garbage.png").write_bytes(b"not a png at all")
    out = tmp_path / "out.xml"
    with Project.open(root) as p:
        p.index()
        assert {r.relpath: r.status for r in map(p.image, p.image_ids())}["truncated.jpg"] == "error"
        report = export_project(p, "cvat", out, ExportOptions(anonymize=False))
    images = ET.parse(out).getroot().findall("image")
    sizes = {im.get("name"): (int(im.get("width")), int(im.get("height"))) for im in images}
    assert sizes == {"good.png": (64, 48), "truncated.jpg": (640, 480)}
    assert [im.get("id") for im in images] == ["0", "1"]  # ids stay 0..n-1, <size> says n
    assert ET.parse(out).getroot().findtext("meta/task/size") == "2"
    assert report.images == 2
    said = [w for w in report.warnings if "garbage.png" in w]
    assert said and "left out" in said[0] and "size" in said[0], report.warnings
