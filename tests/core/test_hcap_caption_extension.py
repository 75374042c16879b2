"""Caption sidecars named ``<stem>.caption`` (kohya sd-scripts' older default caption
extension, and several dataset tools') import as ``<stem>.txt`` ones do: a folder or a zip
of them, sniffed as the caption-sidecar format; the whole image name and another letter
case follow the ``.txt`` rules; an image with both reads its ``.txt`` and reports the
``.caption`` as skipped, never dropping a caption unsaid."""
from __future__ import annotations

import json
import zipfile

import pytest

from llmvis_desktop.cli import main
from llmvis_desktop.core.interchange import InterchangeError, import_file
from llmvis_desktop.core.interchange.sniff import WrongFormat, looks_like
from llmvis_desktop.core.project import Project

from sidecar_project import captions, open_project, write_sidecars

IMAGES = ("photo.jpg", "dog.png", "sub/cat.png", "bird.png")


@pytest.fixture
def proj(tmp_path):
    p = open_project(tmp_path / "proj", IMAGES, 30)
    yield p
    p.close()


def test_a_folder_of_caption_sidecars_imports_through_the_cli(proj, tmp_path, capsys):
    side = write_sidecars(tmp_path / "caps", {"photo.caption": "a photo\n", "sub/cat.caption": "a cat"})
    root = proj.root
    proj.close()
    assert main(["import", str(root), "--format", "txt", str(side), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["matched"] == 2 and out["unmatched"] == [] and out["sidecars_skipped"] == []
    p = Project.open(root)
    try:
        caps = captions(p)
        assert (caps["photo.jpg"], caps["sub/cat.png"], caps["dog.png"]) == ("a photo", "a cat", None)
    finally:
        p.close()


def test_a_folder_of_caption_sidecars_is_sniffed_as_the_sidecar_format(proj, tmp_path):
    side = write_sidecars(tmp_path / "caps", {"photo.caption": "a photo", "dog.CAPTION": "a dog"})
    assert looks_like(side) == "txt"
    with pytest.raises(WrongFormat) as err:  # given as a YOLO folder: what it looks like
        import_file(proj, "yolo", side)
    assert err.value.looks_like == "txt"
    assert "this looks like a folder of caption .txt or .caption sidecars, not yolo" in str(err.value)


def test_txt_and_caption_for_one_image_the_txt_is_read_the_caption_reported(proj, tmp_path):
    side = write_sidecars(tmp_path / "caps", {"photo.txt": "from txt", "photo.caption": "from caption",
                                          "dog.caption": "only a caption"})
    rep = import_file(proj, "txt", side)
    caps = captions(proj)
    assert caps["photo.jpg"] == "from txt" and caps["dog.png"] == "only a caption"
    assert rep.sidecars_skipped == [("photo.caption", "photo.jpg", "photo.txt")]
    assert rep.matched == 2 and not rep.unmatched and not rep.several
    assert "photo.caption for photo.jpg (photo.txt read)" in rep.summary()
    assert any("1 caption sidecar(s) skipped" in w for w in rep.warnings), rep.warnings


def test_caption_sidecars_in_whole_name_and_other_case_forms(proj, tmp_path):
    side = write_sidecars(tmp_path / "caps", {"photo.jpg.caption": "whole name", "DOG.Caption": "other case",
                                          "sub/CAT.png.CAPTION": "both"})
    rep = import_file(proj, "txt", side)
    caps = captions(proj)
    assert (caps["photo.jpg"], caps["dog.png"], caps["sub/cat.png"]) == ("whole name", "other case", "both")
    assert rep.matched == 3 and not rep.unmatched and not rep.several
    assert sorted(rep.matched_by_case) == [("DOG.Caption", "dog.png"), ("sub/CAT.png.CAPTION", "sub/cat.png")]


def test_closeness_of_the_name_comes_before_the_suffix(proj, tmp_path):
    # bird.caption names bird.png by its stem, bird.png.txt by the whole name: the stem wins;
    # a whole-name .caption is read before a .txt of another letter case
    side = write_sidecars(tmp_path / "caps", {"bird.caption": "stem", "bird.png.txt": "whole",
                                          "photo.jpg.caption": "whole caption", "PHOTO.txt": "case txt"})
    rep = import_file(proj, "txt", side)
    caps = captions(proj)
    assert (caps["bird.png"], caps["photo.jpg"]) == ("stem", "whole caption")
    assert sorted(rep.sidecars_skipped) == [("PHOTO.txt", "photo.jpg", "photo.jpg.caption"),
                                            ("bird.png.txt", "bird.png", "bird.caption")]


def test_a_zip_of_caption_sidecars_imports(proj, tmp_path):
    z = tmp_path / "captions.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("captions/photo.caption", "zipped photo")
        zf.writestr("captions/sub/cat.caption", "zipped cat")
        zf.writestr("captions/dog.txt", "zipped dog")
        zf.writestr("captions/dog.caption", "zipped dog caption")
    rep = import_file(proj, "txt", z)
    caps = captions(proj)
    assert (caps["photo.jpg"], caps["sub/cat.png"], caps["dog.png"]) == ("zipped photo", "zipped cat", "zipped dog")
    assert rep.sidecars_skipped == [("dog.caption", "dog.png", "dog.txt")]
    only = tmp_path / "only.zip"
    with zipfile.ZipFile(only, "w") as zf:
        zf.writestr("bird.caption", "top level")  # (no folder above it)
    assert import_file(proj, "txt", only).matched == 1 and captions(proj)["bird.png"] == "top level"


def test_a_folder_without_any_sidecar_names_both_suffixes(proj, tmp_path):
    empty = tmp_path / "none"
    (empty / "x").mkdir(parents=True)
    (empty / "x" / "notes.md").write_text("no caption", encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"no \.txt or \.caption sidecar in the folder"):
        import_file(proj, "txt", empty)
