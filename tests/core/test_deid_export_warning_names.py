"""A de-identified export (DICOM under neutral names) warned about an image by its
neutral name only ("anon/3f2a….dcm: control characters in the caption ..."): a name the
reviewer has never seen and cannot find in the project. COCO and CVAT warnings (and the
other formats', which share the code) now name the project's file and the name it was
exported under: "patients/DOE_JOHN_12345.dcm (exported as anon/3f2a….dcm)"."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.interchange.common import told_name

from interchange_helpers import DICOM


@pytest.mark.parametrize("fmt", ["coco", "cvat"])
def test_deidentified_export_warnings_name_the_source_file(proj, tmp_path, fmt):
    image_id = proj.image_by_path(DICOM).id
    proj.set_caption(image_id, "left\x0clung", "dora")  # a form feed: warned, written visible
    out = tmp_path / ("out.json" if fmt == "coco" else "out.xml")
    rep = export_project(proj, fmt, out)
    [line] = [w for w in rep.warnings if "control characters" in w]
    assert line.startswith(f"{DICOM} (exported as anon/"), line
    neutral = line[len(DICOM) + len(" (exported as "):line.index("): ")]
    assert neutral.endswith(".dcm") and "DOE" not in neutral
    text = out.read_text()
    assert neutral in text  # the name the export wrote for it
    assert "DOE" not in text and "patients/" not in text  # the source stays out of the export
    if fmt == "coco":
        assert neutral in [img["file_name"] for img in json.loads(text)["images"]]


def test_a_name_not_changed_is_said_once(proj, tmp_path):
    assert told_name("a/b.png", "a/b.png") == "a/b.png"
    assert told_name("a/b.tif", "a/b.tif.8bit.png") == "a/b.tif.8bit.png"  # (a rendering: its own name)
    assert told_name("p/IM1.dcm", "anon/0001.dcm") == "p/IM1.dcm (exported as anon/0001.dcm)"
    rep = export_project(proj, "coco", tmp_path / "plain.json", ExportOptions(anonymize=False))
    assert not any("exported as" in w for w in rep.warnings), rep.warnings
