"""A repair's original rewritten between the preview and Accept: the saved pixels came from
the old content and the record took the new file's hash. The save is refused, naming the
file, with nothing written or recorded."""
import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.hashing import file_sha256
from llmvis_desktop.core.project import Project
from llmvis_desktop.core.repair import RepairError, SourceChanged
from llmvis_desktop.core.repair import apply as apply_mod


def _setup(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(root / "part.png")
    mask = np.zeros((40, 48), bool)
    mask[10:20, 12:24] = True
    return root, mask


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".llmvis" not in p.parts)


def _rewrite(path):
    Image.fromarray(np.full((40, 48, 3), 7, np.uint8)).save(path)


def test_a_source_rewritten_after_the_preview_is_not_saved(tmp_path):
    root, mask = _setup(tmp_path)
    with Project.open(root) as p:
        p.index()
        src = root / "part.png"
        prev = apply_mod.repair_file(src, mask, method="telea", save=False)
        assert prev.source_sha256 == file_sha256(src)
        _rewrite(src)
        before = _files(root)
        with pytest.raises(SourceChanged) as got:
            apply_mod.repair_file(src, mask, method="telea", project=p, result_pixels=prev.pixels,
                                  source_sha256=prev.source_sha256)
        assert str(src) in str(got.value) and "Run the repair again" in str(got.value)
        assert isinstance(got.value, RepairError)  # (said as every refused repair is)
        assert _files(root) == before
        assert p.repairs(p.image_by_path("part.png").id) == []
        # run again on the image as it is now: saved, recorded with the hash of what it read
        again = apply_mod.repair_file(src, mask, method="telea", save=False)
        res = apply_mod.repair_file(src, mask, method="telea", project=p, result_pixels=again.pixels,
                                    source_sha256=again.source_sha256)
        [rec] = p.repairs(p.image_by_path("part.png").id)
        assert rec.source_sha256 == file_sha256(src) == res.source_sha256


def test_a_source_rewritten_while_the_repair_is_encoded_is_not_saved(tmp_path, monkeypatch):
    root, mask = _setup(tmp_path)
    src = root / "part.png"
    real = apply_mod.encode

    def rewritten_meanwhile(*a, **k):
        _rewrite(src)
        return real(*a, **k)

    monkeypatch.setattr(apply_mod, "encode", rewritten_meanwhile)
    with Project.open(root) as p:
        p.index()
        before = _files(root)
        with pytest.raises(SourceChanged, match="part.png changed on disk"):
            apply_mod.repair_file(src, mask, method="telea", project=p)
        assert _files(root) == before
        assert p.repairs(p.image_by_path("part.png").id) == []


def test_the_recorded_hash_is_of_the_content_read_not_of_a_later_one(tmp_path, monkeypatch):
    """A file rewritten while a preview was computed (the GAN takes seconds): the preview's
    hash is the content its pixels came from, so its save is refused, not recorded wrong."""
    from llmvis_desktop.core.repair import inference

    root, mask = _setup(tmp_path)
    src = root / "part.png"
    first = file_sha256(src)
    real = inference.inpaint

    def rewritten_meanwhile(*a, **k):
        out = real(*a, **k)
        _rewrite(src)
        return out

    monkeypatch.setattr(inference, "inpaint", rewritten_meanwhile)
    prev = apply_mod.repair_file(src, mask, method="telea", save=False)
    assert prev.source_sha256 == first
