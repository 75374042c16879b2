"""Three malformed values stopped an import with a Python error instead of a message
naming the file and value: a COCO image id that is a list or an object ("unhashable type:
'list'"), a COCO ``llmvis_suggestions`` that is a number ("'int' object is not
iterable"), a Label Studio result whose ``from_name`` is a list ("unhashable type"). Each
is now refused as any other bad value is; nothing is imported."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop.core.interchange import InterchangeError, import_file


def _coco(**changes):
    doc = {"images": [{"id": 1, "file_name": "img1.png", "width": 8, "height": 8}],
           "categories": [{"id": 1, "name": "a"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1}],
           "info": {"llmvis_extension": 2}}
    for key, value in changes.items():
        if key == "image_id":
            doc["images"][0]["id"] = value
        else:
            doc[key] = value
    return doc


@pytest.mark.parametrize("fmt,doc,said", [
    ("coco", _coco(image_id=[1]), r"coco\.json images\[0\]: id \[1\] is not an integer"),
    ("coco", _coco(image_id={"n": 1}), r"coco\.json images\[0\]: id \{'n': 1\} is not an integer"),
    ("coco", _coco(llmvis_suggestions=7), r"coco\.json: llmvis_suggestions 7 is not a list"),
    ("labelstudio", [{"id": 1, "data": {"image": "img1.png"}, "annotations": [{"id": 1, "result": [
        {"type": "choices", "from_name": ["choice"], "to_name": "image", "value": {"choices": ["a"]}}]}]}],
     r"labelstudio\.json task\[0\] annotations: from_name \['choice'\] is not text"),
])
def test_a_malformed_value_is_refused_naming_it(small, tmp_path, fmt, doc, said):
    project, _ids = small
    path = tmp_path / f"{fmt}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InterchangeError, match=said):
        import_file(project, fmt, path)
    assert all(not r.labels and r.review_status == "new" for r in project.images(project.image_ids()))
