"""Label Studio tasks over cloud storage name their image by URL (``s3://bucket/imgs/a.png``,
``gs://...``, a presigned ``https://bucket.s3.amazonaws.com/imgs/a.png?X-Amz-...``): each
named no image of the project, though the team reviews a synced copy of the bucket. A URL
is now matched as another machine's absolute path is, by the longest trailing part of its
path (bucket or host, query taken off) that names one project image; one that could be two
images is skipped and said, and nothing is fetched."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.interchange import import_file
from llmvis_desktop.core.project import Project


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    for rel in ("imgs/a b.png", "b.png", "x/c.png", "y/c.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((4, 4, 3), len(rel), np.uint8)).save(root / rel)
    p = Project.open(root)
    p.scan()
    yield p
    p.close()


def _task(n, url, label):
    return {"id": n, "data": {"image": url}, "annotations": [{"id": n, "result": [
        {"type": "choices", "from_name": "choice", "to_name": "image", "value": {"choices": [label]}}]}]}


def test_label_studio_tasks_with_cloud_urls_match_the_synced_images(proj, tmp_path):
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps([
        _task(1, "s3://team-bucket/datasets/imgs/a%20b.png", "s3"),
        _task(2, "https://team-bucket.s3.amazonaws.com/b.png?X-Amz-Signature=abc&X-Amz-Expires=3600", "https"),
        _task(3, "gs://bucket/c.png", "which c?"),
        _task(4, "gs://bucket/gone.png", "nothing"),
    ]), encoding="utf-8")
    rep = import_file(proj, "labelstudio", f)
    assert proj.image_by_path("imgs/a b.png").labels == ("s3",)
    assert proj.image_by_path("b.png").labels == ("https",)
    assert proj.image_by_path("x/c.png").labels == () and proj.image_by_path("y/c.png").labels == ()
    assert rep.matched == 2 and rep.matched_by_tail == 2, rep.summary()
    assert [name for name, _n in rep.tail_ambiguous] == ["gs://bucket/c.png"]
    assert rep.tail_unmatched == ["gs://bucket/gone.png"]
    assert "another machine's absolute path or a URL" in rep.summary()


@pytest.mark.parametrize("name,want", [
    ("s3://bucket/a/b.png", "a/b.png"),
    ("azure-blob://container/dir/x.jpg", "dir/x.jpg"),
    ("HTTPS://host:8080/media/%C3%BC.png#frag", "media/ü.png"),
    ("https://host/", None),
    ("https://host/a/../../etc/passwd", None),
    ("ftp://host/a.png", None),
    ("imgs/a.png", None),
    ("C:/data/a.png", None),
])
def test_what_a_url_names(name, want):
    from llmvis_desktop.core.interchange.files import cloud_url_path

    assert cloud_url_path(name) == want
