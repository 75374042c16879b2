"""What a suggest job says of the images it could not read: the reason the index recorded
for each (over the pixel limit, a DICOM object with no image, a damaged file) and, apart,
the files missing since; not "missing or damaged files" for all of them alike."""
from __future__ import annotations

import shutil

from PIL import Image
from pydicom.data import get_testdata_file

try:
    from . import tiny_models
except ImportError:
    import tiny_models

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.store.records import ImageFilter
from llmvis_desktop.core.suggest import inspect_folder
from llmvis_desktop.core.suggest.batch import run_suggest

NO_IMAGE = get_testdata_file("ExplVR_LitEndNoMeta.dcm", download=False)  # a DICOM object with no pixel data


def _folder(tmp_path):
    folder = tiny_models.image_folder(tmp_path / "images", 2)
    Image.new("L", (600, 400)).save(folder / "big.png")  # over the 0.1 MP limit the project opens with
    shutil.copy(NO_IMAGE, folder / "plan.dcm")
    (folder / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    Image.new("RGB", (20, 20)).save(folder / "gone.png")
    (folder / "sub").mkdir()
    (folder / "sub" / "empty.png").write_bytes(b"")
    return folder


def _note(report) -> str:
    return "\n".join(msg for msg in report.messages if "no suggestions" in msg)


def test_each_unreadable_image_is_named_with_the_reason_the_index_gave(tiny, tmp_path, worker):
    folder = _folder(tmp_path)
    with Project.open(folder, max_pixels=100_000) as p:
        p.index()
        (folder / "gone.png").unlink()
        p.index()
        why = dict(p.unreadable_files())
        assert "exceeds the limit" in why["big.png"] and "no pixel data" in why["plan.dcm"], why
        report = run_suggest(p, inspect_folder(tiny["blip"]), None, worker=worker)
        assert report.images == 2
        note = _note(report)
        # the unreadable files (the first three by name), with the reason the index recorded
        # (and `llmvis info` shows), the others counted
        for rel in ("big.png", "cut.png", "plan.dcm"):
            assert f"{rel}: {why[rel]}" in note, (rel, note)
        assert "sub/empty.png" not in note and "and 1 more" in note, note
        assert "damaged files" not in note, note
        assert "once the limit is raised (Settings, Largest image; or max_image_pixels in config.json)" in note, note
        # the missing file is said apart, as missing, not as unreadable
        assert "1 image missing since the folder was indexed" in note and "gone.png" in note, note
        assert "4 images could not be read" in note, note

        # a job on a part of the folder names only what it holds
        only = run_suggest(p, inspect_folder(tiny["blip"]), None, worker=worker, only_unsuggested=False,
                           flt=ImageFilter(path_prefix="sub"))
        note = _note(only)
        assert "sub/empty.png: empty file" in note and "1 image could not be read" in note, note
        assert "big.png" not in note and "gone.png" not in note and "missing" not in note, note
        assert "pixel limit" not in note, note  # said only where an image is over it


def test_many_unreadable_images_name_the_first_and_count_the_rest(tiny, tmp_path, worker):
    folder = tiny_models.image_folder(tmp_path / "images", 1)
    for i in range(7):
        (folder / f"bad{i}.png").write_bytes(b"")
    with Project.open(folder) as p:
        p.index()
        note = _note(run_suggest(p, inspect_folder(tiny["blip"]), None, worker=worker))
    assert "7 images could not be read" in note and "bad0.png: empty file" in note, note
    assert "bad6.png" not in note and "and 4 more" in note and "`llmvis info`" in note, note


def test_a_file_that_crashes_its_reader_process_costs_only_that_file(tiny, tmp_path, worker, monkeypatch):
    """A reader process dying on a file (a decoder bug) breaks its pool: the batch is read
    again a file at a time by fresh helpers, and the job goes on, naming the file."""
    from llmvis_desktop.core.suggest import reading

    folder = tiny_models.image_folder(tmp_path / "images", 6)
    Image.new("RGB", (20, 20)).save(folder / "crashme.png")
    monkeypatch.setenv(reading.CRASH_ENV, "crashme")  # seen by helpers started from now on
    reading.shutdown_shared()
    try:
        with Project.open(folder) as p:
            p.index()
            report = run_suggest(p, inspect_folder(tiny["blip"]), None, worker=worker, batch=3,
                                 read_processes=2, max_new_tokens=3)
            assert report.images == 6 and report.suggestions == 6, report.summary()
            assert report.failed == [("crashme.png", reading.CRASHED)]
            assert len(tiny_models.all_suggestions(p)) == 6
    finally:
        reading.shutdown_shared()  # (its helpers carry the crash marker)
