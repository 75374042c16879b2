"""Two repairs saved at once under one free name: the second never replaces the first.

The output's name is chosen free, then the repair is encoded (seconds for a large TIFF),
then renamed into place; a rename replaces what it finds. Two repairs that chose one name
(the same image repaired in two windows, or ``a.jpg`` and ``a.png`` repaired side by side
by a script: both ``a.repaired.png``) left the last one's pixels under that name, the
first's record naming them. The name is now claimed only if still free; else the next
free name is taken (a name given with ``out`` is refused, never replaced)."""
import os

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.repair import RepairError
from llmvis_desktop.core.repair import apply as apply_mod

OTHER = b"another repair's pixels, saved meanwhile"


def _image(folder):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (40, 48), dtype=np.uint8)).save(folder / "a.png")
    m = np.zeros((40, 48), bool)
    m[10:20, 10:30] = True
    return folder / "a.png", m


def _saved_meanwhile(monkeypatch, path):
    """While this repair is encoded, another saves ``path``."""
    real = apply_mod.encode

    def encode(*args, **kwargs):
        data = real(*args, **kwargs)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(OTHER)
        return data

    monkeypatch.setattr(apply_mod, "encode", encode)


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "no-hard-links"])
def test_a_name_taken_meanwhile_is_never_replaced(tmp_path, monkeypatch, links):
    if not links:  # FAT, some network shares
        def no_link(*_a, **_k):
            raise PermissionError(1, "Operation not permitted")
        monkeypatch.setattr(os, "link", no_link)
    img, m = _image(tmp_path / "imgs")
    first = tmp_path / "imgs" / "repaired" / "a.repaired.png"
    _saved_meanwhile(monkeypatch, first)
    res = apply_mod.repair_file(img, m, method="telea")
    assert first.read_bytes() == OTHER  # the other repair's file is as it saved it
    assert res.output_path.name == "a.repaired-2.png" and res.output_path.is_file()
    assert res.mask_path.name == "a.repaired-2.mask.png" and res.mask_path.is_file()
    assert np.array_equal(np.asarray(Image.open(res.output_path)), res.pixels)
    assert not [p for p in first.parent.rglob("*.part")]  # no temporary file left


def test_the_record_names_the_file_saved(tmp_path, monkeypatch):
    from llmvis_desktop.core.project import Project

    img, m = _image(tmp_path / "imgs")
    _saved_meanwhile(monkeypatch, tmp_path / "imgs" / "repaired" / "a.repaired.png")
    with Project.open(tmp_path / "imgs") as p:
        p.index()
        res = apply_mod.repair_file(img, m, method="telea", project=p, actor="t")
        (rec,) = p.repairs(p.image_by_path("a.png").id)
        assert rec.output_path == "repaired/a.repaired-2.png" and rec.id == res.repair_id
        assert rec.mask_path == "repaired/.masks/a.repaired-2.mask.png"


def test_a_given_name_taken_meanwhile_is_refused(tmp_path, monkeypatch):
    img, m = _image(tmp_path / "imgs")
    out = tmp_path / "out" / "fixed.png"
    _saved_meanwhile(monkeypatch, out)
    with pytest.raises(RepairError, match="fixed.png: already exists"):
        apply_mod.repair_file(img, m, method="telea", out=out)
    assert out.read_bytes() == OTHER
    assert sorted(p.name for p in out.parent.rglob("*") if p.is_file()) == ["fixed.png"]
