"""A caption sidecar export beside the images (OUT = the project folder) and kohya's older
``<stem>.caption`` sidecars: the ``.caption`` of an image whose caption is now empty, or one
holding an older caption of an image that has a new one, is removed when its text was a
caption of the image here, so a re-import neither brings a cleared caption back nor reports
the ``.caption`` as skipped; one with other text stays and the export says so."""
from __future__ import annotations

import pytest

from llmvis_desktop.core.interchange import export_project, import_file

from sidecar_project import captions, open_project

IMAGES = ("photo.jpg", "dog.png", "sub/cat.png")


@pytest.fixture
def proj(tmp_path):
    p = open_project(tmp_path / "proj", IMAGES, 40)
    yield p
    p.close()


def _caption(p, rel: str, text) -> None:
    p.set_caption(p.image_by_path(rel).id, text, "ann")


def _warned(rep, start: str) -> str:
    hits = [w for w in rep.warnings if w.startswith(start)]
    assert len(hits) == 1, rep.warnings
    return hits[0]


def test_a_cleared_caption_loses_its_stale_caption_sidecar_and_does_not_come_back(proj):
    root = proj.root
    _caption(proj, "photo.jpg", "a photo")
    _caption(proj, "sub/cat.png", "a cat")
    _caption(proj, "dog.png", "a dog")
    export_project(proj, "txt", root)
    (root / "photo.caption").write_text("a photo\n", encoding="utf-8")  # kohya's copy, newline and all
    (root / "sub" / "cat.caption").write_text("a cat", encoding="utf-8")
    _caption(proj, "photo.jpg", None)
    _caption(proj, "sub/cat.png", None)
    rep = export_project(proj, "txt", root)
    assert not (root / "photo.caption").exists() and not (root / "sub" / "cat.caption").exists()
    assert not (root / "photo.txt").exists() and not (root / "sub" / "cat.txt").exists()
    assert "their image's caption is now empty" in _warned(rep, "4 stale sidecar(s) removed (2 of them .caption)")
    rep = import_file(proj, "txt", root)  # dog.txt, still captioned, and nothing of the others
    assert captions(proj) == {"photo.jpg": None, "dog.png": "a dog", "sub/cat.png": None}
    assert rep.matched == 1 and not rep.sidecars_skipped


def test_a_caption_sidecar_with_foreign_text_stays_and_is_reported(proj):
    root = proj.root
    _caption(proj, "photo.jpg", "a photo")
    _caption(proj, "photo.jpg", None)
    (root / "dog.caption").write_text("the dataset's own words", encoding="utf-8")  # never a caption here
    (root / "photo.caption").write_text("someone else's photo", encoding="utf-8")
    rep = export_project(proj, "txt", root)
    assert (root / "dog.caption").read_text(encoding="utf-8") == "the dataset's own words"
    assert (root / "photo.caption").read_text(encoding="utf-8") == "someone else's photo"
    kept = _warned(rep, "2 sidecar(s) of images without a caption kept (2 of them .caption)")
    assert "never a caption of the image here" in kept
    assert not [w for w in rep.warnings if "removed" in w], rep.warnings


def test_a_new_caption_removes_the_caption_sidecar_holding_an_older_one(proj):
    root = proj.root
    _caption(proj, "photo.jpg", "old words")
    (root / "photo.caption").write_text("old words", encoding="utf-8")  # written when it was the caption
    _caption(proj, "photo.jpg", "new words")
    _caption(proj, "dog.png", "a dog")
    (root / "dog.caption").write_text("the dataset's dog", encoding="utf-8")  # never a caption here
    _caption(proj, "sub/cat.png", "a cat")
    (root / "sub" / "cat.caption").write_text("a cat", encoding="utf-8")  # the caption written: not stale
    rep = export_project(proj, "txt", root)
    assert (root / "photo.txt").read_text(encoding="utf-8") == "new words"
    assert not (root / "photo.caption").exists()
    assert (root / "dog.caption").read_text(encoding="utf-8") == "the dataset's dog"
    assert (root / "sub" / "cat.caption").read_text(encoding="utf-8") == "a cat"
    assert "now in the .txt written" in _warned(rep, "1 stale .caption sidecar(s) removed")
    assert "reports the .caption skipped" in _warned(rep, "1 .caption sidecar(s) kept beside the .txt written")
    assert not [w for w in rep.warnings if "images without a caption" in w], rep.warnings
    rep = import_file(proj, "txt", root)
    assert captions(proj) == {"photo.jpg": "new words", "dog.png": "a dog", "sub/cat.png": "a cat"}
    # the stale one is gone: only the .caption the export said it kept is skipped
    assert sorted(s[0] for s in rep.sidecars_skipped) == ["dog.caption", "sub/cat.caption"]
    assert not rep.conflicts
