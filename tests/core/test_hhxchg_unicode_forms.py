"""A folder copied from a Mac keeps its file names' accents decomposed (NFD: ``u`` and a
combining diaeresis); a CSV or COCO file from a Windows or Linux tool writes them composed
(NFC), and the other way round. Such a record "named no image of this project" though the
name shown was the image's, letter for letter. A non-ASCII name that matches no image is
now tried in the other Unicode form, and the import says which records matched so."""
from __future__ import annotations

import json
import unicodedata

import pytest
from PIL import Image

from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project

NAME = "Prüfung/Grüße_défaut.png"


@pytest.mark.parametrize("on_disk,in_file", [("NFD", "NFC"), ("NFC", "NFD")])
def test_a_name_in_the_other_unicode_form_matches(tmp_path, on_disk, in_file):
    root = tmp_path / "proj"
    disk = unicodedata.normalize(on_disk, NAME)
    (root / disk).parent.mkdir(parents=True)
    Image.new("L", (4, 4), 9).save(root / disk)
    Image.new("L", (4, 4), 9).save(root / "plain.png")
    written = unicodedata.normalize(in_file, NAME)
    assert written != disk
    csv_file = tmp_path / "team.csv"
    csv_file.write_text(f"file_name,caption\n{written},geprüft\nplain.png,p\n", encoding="utf-8")
    coco = tmp_path / "coco.json"
    coco.write_text(json.dumps({"images": [{"id": 1, "file_name": written, "width": 4, "height": 4}],
                                "categories": [{"id": 3, "name": "Riss"}],
                                "annotations": [{"id": 1, "image_id": 1, "category_id": 3}]}), encoding="utf-8")
    with Project.open(root) as p:
        p.index()
        report = import_file(p, "csv", csv_file)
        assert report.matched == 2 and not report.unmatched, report.summary()
        assert any("1 record(s) matched an image whose name is written in another Unicode form" in w
                   for w in report.warnings), report.warnings
        import_file(p, "coco", coco, overwrite=True)  # (the image is reviewed now)
        image = p.image_by_path(disk)
        assert image.caption == "geprüft" and image.labels == ("Riss",)
