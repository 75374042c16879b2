"""Repair apply at the edges: a project database that cannot record the repair, and an
image whose name leaves no room for ``.repaired.png`` in a 255-byte file name."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair import apply as apply_mod

from test_read_only_db import _disk_full


def _mask(h=12, w=16):
    m = np.zeros((h, w), bool)
    m[2:5, 3:7] = True
    return m


def test_a_read_only_project_database_refuses_the_repair_before_writing_it(png_folder, monkeypatch):
    """It said "nothing was saved" but wrote the repaired PNG and its mask anyway, and a
    rerun then made img0.repaired-2.png."""
    with Project.open(png_folder) as p:
        p.index()
    _disk_full(monkeypatch, png_folder / ".llmvis" / "project.sqlite")
    with Project.open(png_folder) as p:
        assert p.store.read_only()
        with pytest.raises(RepairError) as info:
            apply_mod.repair_file(png_folder / "img0.png", _mask(), method="telea", project=p)
    text = str(info.value)
    assert "nothing was saved" in text and "is full" in text, text
    assert not (png_folder / "repaired").exists()


def test_a_refused_record_after_the_save_says_where_the_file_is(png_folder, monkeypatch):
    """The database turning read-only between the check and the record (another process
    chmods it): the message says the repair was saved, where, and that it is not recorded."""
    from llmvis_desktop.core.store.writable import DatabaseReadOnly

    with Project.open(png_folder) as p:
        p.index()

        def refuse(*a, **k):
            raise DatabaseReadOnly("nothing was saved: the project database X is read-only")

        monkeypatch.setattr(p, "add_repair", refuse)
        with pytest.raises(RepairError) as info:
            apply_mod.repair_file(png_folder / "img0.png", _mask(), method="telea", project=p)
    text = str(info.value)
    out = png_folder / "repaired" / "img0.repaired.png"
    assert out.is_file() and str(out) in text and "not recorded" in text, text
    assert "nothing was saved" not in text, text


@pytest.mark.parametrize("length", [240, 251])
def test_a_long_file_name_is_repaired_to_a_shortened_default_name(tmp_path, length):
    """NAME.repaired.png exceeded 255 bytes: "File name too long", every time."""
    stem = "x" * length
    src = tmp_path / f"{stem}.png"
    Image.new("RGB", (16, 12), (90, 20, 20)).save(src)
    first = apply_mod.repair_file(src, _mask(), method="telea")
    second = apply_mod.repair_file(src, _mask(), method="telea")
    for res in (first, second):
        assert res.output_path.is_file() and res.mask_path.is_file()
        assert len(res.output_path.name.encode()) <= 255 and len(res.mask_path.name.encode()) <= 255
        assert res.output_path.name.startswith("x" * 100) and ".repaired" in res.output_path.name
    assert first.output_path != second.output_path
    # another long name with the same start gets its own name, not a number of the first's
    other = tmp_path / f"{stem[:-1]}y.png"
    Image.new("RGB", (16, 12), (90, 20, 20)).save(other)
    third = apply_mod.repair_file(other, _mask(), method="telea")
    assert third.output_path.stem.split(".repaired")[0] != first.output_path.stem.split(".repaired")[0]
    # a repair of the shortened output goes beside it, its name no longer
    again = apply_mod.repair_file(first.output_path, _mask(), method="telea")
    assert again.output_path.parent == first.output_path.parent and again.output_path.is_file()


def test_a_short_name_keeps_its_default_name(tmp_path):
    src = tmp_path / "a.png"
    Image.new("RGB", (16, 12)).save(src)
    assert apply_mod.repair_file(src, _mask(), method="telea").output_path.name == "a.repaired.png"
