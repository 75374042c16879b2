"""A Label Studio task may hold its image itself, as a ``data:image/png;base64,...`` URI:
such a record names no image, and the warning (and the refusal of a file none of whose
records names one) printed the whole URI, tens of kilobytes in one line of the import
dialog's summary and the terminal. A long name is now shown cut, with its length."""
from __future__ import annotations

import base64
import json

import pytest

from llmvis_desktop.core.interchange import InterchangeError, import_file


def _task(n, image):
    return {"id": n, "data": {"image": image}, "annotations": [{"id": n, "result": [
        {"type": "choices", "from_name": "choice", "to_name": "image", "value": {"choices": ["a"]}}]}]}


def test_an_embedded_image_is_named_short(small, tmp_path):
    project, _ids = small
    uri = "data:image/png;base64," + base64.b64encode(bytes(30000)).decode()
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([_task(1, uri), _task(2, "img1.png")]), encoding="utf-8")
    report = import_file(project, "labelstudio", path)
    said = [w for w in report.warnings if "name no image" in w]
    assert len(said) == 1 and len(said[0]) < 300, len(said[0])
    assert said[0].endswith(f"... ({len(uri):,} characters))")
    assert report.unmatched == [uri]  # (the report keeps the whole name: --json)

    path.write_text(json.dumps([_task(1, uri)]), encoding="utf-8")
    with pytest.raises(InterchangeError) as err:
        import_file(project, "labelstudio", path)
    assert "none of its 1 record(s)" in str(err.value) and len(str(err.value)) < 400
