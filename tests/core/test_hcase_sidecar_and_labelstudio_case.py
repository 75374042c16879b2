"""Import files named as users' folders really are: a caption sidecar in another letter
case (``Photo.TXT`` for ``photo.jpg`` on a case-sensitive file system) or carrying the
whole image name (``photo.jpg.txt``), two sidecars of one image (the closest read, the
other reported); Label Studio paths in another letter case, below another folder, with
an upload hash prefix of 6 to 32 hex digits or percent-encoded. A name fitting two
images is reported, never guessed."""
from __future__ import annotations

import json

import pytest

from llmvis_desktop import cli_interchange
from llmvis_desktop.core.interchange import import_file

from sidecar_project import captions, open_project, write_sidecars

IMAGES = ("photo.jpg", "c.png", "c.jpg", "some/dir/Photo2.JPG", "x/cat.png", "y/cat.png", "dir/Other.png",
          "some dir/my pic.png", "dog.png", "cafe01-scan.png")


@pytest.fixture
def proj(tmp_path):
    p = open_project(tmp_path / "proj", IMAGES, 20)
    yield p
    p.close()


def _tasks(f, images):
    """A Label Studio task file captioning each image URL with the URL itself."""
    f.write_text(json.dumps([{"id": n, "data": {"image": image}, "annotations": [{"id": n, "result": [
        {"type": "textarea", "from_name": "caption", "to_name": "image", "value": {"text": [image]}}]}]}
        for n, image in enumerate(images, 1)]), encoding="utf-8")
    return f


def test_a_sidecar_in_another_letter_case_names_its_image(proj, tmp_path):
    side = write_sidecars(tmp_path / "caps", {"Photo.TXT": "upper case sidecar", "SOME/DIR/photo2.txt": "folders too"})
    rep = import_file(proj, "txt", side)
    caps = captions(proj)
    assert caps["photo.jpg"] == "upper case sidecar" and caps["some/dir/Photo2.JPG"] == "folders too"
    assert rep.matched == 2 and not rep.unmatched and not rep.several
    assert ("Photo.TXT", "photo.jpg") in rep.matched_by_case
    assert "matched ignoring letter case (" in rep.summary()


def test_a_sidecar_with_the_whole_image_name(proj, tmp_path):
    # c.txt would be c.png or c.jpg (ambiguous); c.png.txt says which
    side = write_sidecars(tmp_path / "caps", {"photo.jpg.txt": "whole name", "c.png.txt": "the png one"})
    rep = import_file(proj, "txt", side)
    caps = captions(proj)
    assert (caps["photo.jpg"], caps["c.png"], caps["c.jpg"]) == ("whole name", "the png one", None)
    assert rep.matched == 2 and not rep.unmatched and not rep.several
    # beside the image in the project, its whole name in another letter case
    root = proj.root
    (root / "some/dir/photo2.jpg.txt").write_text("beside it", encoding="utf-8")
    rep = import_file(proj, "txt", root / "some")
    assert captions(proj)["some/dir/Photo2.JPG"] == "beside it" and rep.matched == 1


def test_two_sidecars_of_one_image_the_exact_one_is_read_the_other_reported(proj, tmp_path):
    side = write_sidecars(tmp_path / "caps", {"photo.txt": "exact", "photo.jpg.txt": "whole name",
                                          "DOG.txt": "case", "dog.png.txt": "whole dog"})
    rep = import_file(proj, "txt", side)
    caps = captions(proj)
    assert caps["photo.jpg"] == "exact"  # photo.txt, the name llmvis's own export writes
    assert caps["dog.png"] == "whole dog"  # the whole name in its case before another case
    assert sorted(rep.sidecars_skipped) == [("DOG.txt", "dog.png", "dog.png.txt"),
                                            ("photo.jpg.txt", "photo.jpg", "photo.txt")]
    assert not rep.unmatched and not rep.several and rep.matched == 2
    assert any("2 caption sidecar(s) skipped" in w and "'photo.jpg.txt' (photo.jpg: 'photo.txt' read)" in w
               for w in rep.warnings), rep.warnings
    assert "2 sidecar(s) skipped: another names the same image" in rep.summary()
    assert "photo.jpg.txt for photo.jpg (photo.txt read)" in rep.summary()
    assert {"file_name": "photo.jpg.txt", "image": "photo.jpg", "read": "photo.txt"} \
        in cli_interchange.import_json(rep)["sidecars_skipped"]


def test_two_sidecars_as_loose_as_each_other_are_both_skipped(proj, tmp_path):
    side = write_sidecars(tmp_path / "caps", {"PHOTO.txt": "one", "Photo.txt": "other", "dog.txt": "dog"})
    rep = import_file(proj, "txt", side)
    caps = captions(proj)
    assert caps["photo.jpg"] is None and caps["dog.png"] == "dog"
    assert sorted(rep.sidecars_skipped) == [("PHOTO.txt", "photo.jpg", ""), ("Photo.txt", "photo.jpg", "")]
    assert not rep.unmatched and rep.matched == 1
    assert "PHOTO.txt for photo.jpg (as close as another)" in rep.summary()


def test_labelstudio_local_files_in_another_letter_case(proj, tmp_path):
    f = _tasks(tmp_path / "ls.json", ["/data/local-files/?d=some/dir/photo2.jpg",  # the project's own path
                                      "http://localhost:8080/data/local-files/?d=srv/DATA/C.PNG",  # folders above
                                      "/data/local-files/?d=DIR/OTHER.PNG"])
    rep = import_file(proj, "labelstudio", f)
    caps = captions(proj)
    assert caps["some/dir/Photo2.JPG"] == "/data/local-files/?d=some/dir/photo2.jpg"
    assert caps["c.png"].endswith("C.PNG") and caps["c.jpg"] is None
    assert caps["dir/Other.png"] == "/data/local-files/?d=DIR/OTHER.PNG"
    assert rep.matched == 3 and not rep.unmatched and not rep.several
    assert ("srv/DATA/C.PNG", "c.png") in rep.matched_by_case


def test_labelstudio_upload_hash_prefix_of_6_to_32_hex_digits(proj, tmp_path):
    f = _tasks(tmp_path / "ls.json", ["/data/upload/3/1a2b3c-photo.jpg", "/data/upload/3/" + "0f" * 16 + "-dog.png",
                                      "/data/upload/3/1a2b3g4d-dog.png",  # g: not hex, not a prefix
                                      "/data/upload/3/1a2b3-dog.png",  # 5 digits: not a prefix
                                      "/data/upload/3/" + "a" * 33 + "-dog.png",  # 33: not a prefix
                                      "/data/upload/3/cafe01-scan.png"])  # the file's own name began so
    rep = import_file(proj, "labelstudio", f)
    caps = captions(proj)
    assert caps["photo.jpg"] == "/data/upload/3/1a2b3c-photo.jpg"
    assert caps["dog.png"].endswith("0f-dog.png")
    assert caps["cafe01-scan.png"] == "/data/upload/3/cafe01-scan.png"
    assert sorted(rep.unmatched) == ["1a2b3-dog.png", "1a2b3g4d-dog.png", "a" * 33 + "-dog.png"]
    assert rep.matched == 3


def test_labelstudio_percent_encoded_names(proj, tmp_path):
    f = _tasks(tmp_path / "ls.json", ["/data/local-files/?d=Some%20Dir/My%20Pic.PNG",
                                      "/data/upload/7/abcdef12-Photo%2EJPG"])
    rep = import_file(proj, "labelstudio", f)
    caps = captions(proj)
    assert caps["some dir/my pic.png"] == "/data/local-files/?d=Some%20Dir/My%20Pic.PNG"
    assert caps["photo.jpg"] == "/data/upload/7/abcdef12-Photo%2EJPG"
    assert rep.matched == 2 and not rep.unmatched
    assert ("Some Dir/My Pic.PNG", "some dir/my pic.png") in rep.matched_by_case


def test_labelstudio_path_end_of_two_images_is_reported_not_guessed(proj, tmp_path):
    f = _tasks(tmp_path / "ls.json", ["/data/local-files/?d=z/cat.png",  # x/cat.png or y/cat.png
                                      "/data/local-files/?d=other.png",  # only dir/Other.png ends so
                                      "/data/local-files/?d=nowhere/none.png"])
    rep = import_file(proj, "labelstudio", f)
    caps = captions(proj)
    assert caps["x/cat.png"] is None and caps["y/cat.png"] is None
    assert caps["dir/Other.png"] == "/data/local-files/?d=other.png"
    assert rep.several == ["z/cat.png"] and rep.unmatched == ["nowhere/none.png"] and rep.matched == 1
    assert any("'z/cat.png'" in w and "'x/cat.png', 'y/cat.png'" in w and "skipped" in w for w in rep.warnings)
    assert "1 record(s) skipped: each could be several images" in rep.summary()
