"""Windows tools write UTF-16 with a byte order mark: Excel's "Unicode Text" (a tab-
separated table: how older Excel saves non-Latin text), and Windows PowerShell 5's
``Out-File`` and ``>`` (a COCO or Label Studio file fixed up with ``ConvertTo-Json``). Each
was refused, "not UTF-8 text (invalid start byte at byte 0)"; the byte order mark is
unambiguous, so such a file is now read as UTF-16. A CSV in a legacy code page (Excel's
plain "CSV" on Windows) is still refused, now saying how to save it."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.core.interchange import InterchangeError, import_file


def test_excels_unicode_text_imports(small, tmp_path):
    project, ids = small
    path = tmp_path / "team.txt"
    text = "file_name\tlabels\tcaption\r\nimg1.png\ta\tGrüße, 東京\r\nimg2.png\ta;b\t\"two\r\nlines\"\r\n"
    path.write_bytes(text.encode("utf-16"))  # (a byte order mark, then UTF-16)
    report = import_file(project, "csv", path)
    assert report.matched == 2, report.summary()
    one, two = project.image(ids["img1.png"]), project.image(ids["img2.png"])
    assert one.caption == "Grüße, 東京" and one.labels == ("a",)
    assert two.caption == "two\r\nlines" and sorted(two.labels) == ["a", "b"]


@pytest.mark.parametrize("fmt,doc", [
    ("coco", {"images": [{"id": 1, "file_name": "img3.png", "width": 8, "height": 8}],
              "categories": [{"id": 5, "name": "Schäden"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 5}]}),
    ("labelstudio", [{"id": 1, "data": {"image": "img3.png"}, "annotations": [{"id": 1, "result": [
        {"type": "choices", "from_name": "choice", "to_name": "image", "value": {"choices": ["Schäden"]}}]}]}]),
])
def test_a_powershell_utf16_json_file_imports(small, tmp_path, fmt, doc):
    project, ids = small
    path = tmp_path / "fixed.json"
    path.write_bytes(b"\xff\xfe" + json.dumps(doc, indent=4, ensure_ascii=False).replace("\n", "\r\n")
                     .encode("utf-16-le"))
    report = import_file(project, fmt, path)
    assert report.matched == 1, report.summary()
    assert project.image(ids["img3.png"]).labels == ("Schäden",)


def test_a_code_page_csv_is_refused_saying_how_to_save_it(small, tmp_path):
    project, _ids = small
    path = tmp_path / "excel.csv"
    path.write_bytes("file_name,caption\nimg1.png,Grüße\n".encode("cp1252"))
    with pytest.raises(InterchangeError, match=r'excel\.csv: not UTF-8 text .*save it as UTF-8 .*"CSV UTF-8"'):
        import_file(project, "csv", path)
    assert all(r.caption is None for r in project.images(project.image_ids()))


def test_powershell_written_sidecars_metadata_and_labelme_files_import(small, tmp_path):
    """``"a photo" > img1.txt`` in Windows PowerShell 5 writes UTF-16 with a byte order mark
    (so do its ``Out-File`` and ``ConvertTo-Json | Out-File`` of a metadata.jsonl or a
    labelme file): each was "not UTF-8 text"."""
    project, ids = small
    side = tmp_path / "captions"
    side.mkdir()
    (side / "img1.txt").write_bytes("a photo, Straße\r\n".encode("utf-16"))
    assert import_file(project, "txt", side).matched == 1
    assert project.image(ids["img1.png"]).caption == "a photo, Straße"

    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "metadata.jsonl").write_bytes((json.dumps({"file_name": "img2.png", "text": "zwei"}) + "\r\n")
                                            .encode("utf-16"))
    assert import_file(project, "jsonl", folder).matched == 1
    assert project.image(ids["img2.png"]).caption == "zwei"

    lm = tmp_path / "lm"
    lm.mkdir()
    doc = {"version": "5.4.1", "flags": {"b": True}, "shapes": [], "imagePath": "img3.png", "imageData": None}
    (lm / "img3.json").write_bytes(json.dumps(doc).encode("utf-16"))
    assert import_file(project, "labelme", lm).matched == 1
    assert project.image(ids["img3.png"]).labels == ("b",)
