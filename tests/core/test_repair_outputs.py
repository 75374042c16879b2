"""Where a repair is saved and what it keeps of its source: the colour profile, the
resolution and EXIF of a PNG/JPEG, a DICOM's pixel spacing; the configured output
folder in the CLI; a repair of a repair beside its parent, not nested."""
import functools

import numpy as np
import pytest
from PIL import Image

from llmvis_desktop.core.repair import apply as apply_mod

from repair_helpers import one_torch_thread  # noqa: F401 - fixture

ORIENTATION, MAKE, DATETIME, EXIF_IFD, DATETIME_ORIGINAL = 0x0112, 0x010F, 0x0132, 0x8769, 0x9003


@functools.lru_cache(maxsize=None)
def _profile() -> bytes:
    """An sRGB profile, made once (its header holds the time it was made)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _camera_image(path, orientation=1):
    """A 40x60 RGB image with an ICC profile, 300 dpi and camera EXIF."""
    rng = np.random.default_rng(3)
    im = Image.fromarray(rng.integers(0, 255, (40, 60, 3)).astype(np.uint8))
    ex = im.getexif()
    ex[MAKE] = "CamMaker"
    ex[DATETIME] = "2026:01:02 03:04:05"
    ex[ORIENTATION] = orientation
    ex.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2026:01:02 03:04:05"
    kw = {"quality": 95} if path.suffix == ".jpg" else {}
    im.save(path, icc_profile=_profile(), dpi=(300, 300), exif=ex.tobytes(), **kw)
    return path


@pytest.mark.parametrize("name,orientation", [("cam.png", 1), ("cam.jpg", 1), ("cam.jpg", 6)])
def test_a_png_or_jpeg_repair_keeps_the_profile_resolution_and_exif(tmp_path, name, orientation):
    """The repaired PNG had no ICC profile (colours shift in a colour-managed viewer), no
    dpi and no EXIF (capture date, camera)."""
    src = _camera_image(tmp_path / name, orientation)
    with Image.open(src) as im:
        upright = im.size if orientation == 1 else im.size[::-1]
    mask = np.zeros(upright[::-1], bool)
    mask[5:15, 5:25] = True
    res = apply_mod.repair_file(src, mask, method="telea")
    with Image.open(res.output_path) as out:
        assert out.format == "PNG" and out.size == upright  # saved upright
        assert out.info.get("icc_profile") == _profile()
        assert out.info.get("dpi") == pytest.approx((300, 300), abs=0.1)
        ex = out.getexif()
        assert ex.get(MAKE) == "CamMaker" and ex.get(DATETIME) == "2026:01:02 03:04:05"
        assert ex.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) == "2026:01:02 03:04:05"
        assert ex.get(ORIENTATION, 1) == 1  # the pixels are upright: shown as they are


def test_a_plain_png_repair_gets_no_invented_metadata(tmp_path):
    src = tmp_path / "plain.png"
    Image.fromarray(np.full((30, 30), 90, np.uint8)).save(src)
    mask = np.zeros((30, 30), bool)
    mask[5:10, 5:10] = True
    res = apply_mod.repair_file(src, mask, method="telea")
    with Image.open(res.output_path) as out:
        assert "icc_profile" not in out.info and "dpi" not in out.info and not dict(out.getexif())


def test_a_dicom_repair_keeps_its_pixel_spacing_as_tiff_resolution(tmp_path):
    """The derived TIFF said 1 pixel per no unit: measurements on the repair were impossible."""
    import shutil

    import pydicom.data as pydicom_data
    import tifffile

    src = tmp_path / "ct.dcm"
    shutil.copy(pydicom_data.get_testdata_file("CT_small.dcm", download=False), src)
    m = np.zeros((128, 128), bool)
    m[40:60, 50:70] = True
    res = apply_mod.repair_file(src, m, method="telea")
    with tifffile.TiffFile(res.output_path) as t:
        tags = t.pages[0].tags
        x, y = tags["XResolution"].value, tags["YResolution"].value
        assert int(tags["ResolutionUnit"].value) == 3  # centimetre
        assert x[0] / x[1] == pytest.approx(10 / 0.661468, rel=1e-5)
        assert y[0] / y[1] == pytest.approx(10 / 0.661468, rel=1e-5)


def _save_repair_output(value):
    from llmvis_desktop.core.config import Config, save_config

    save_config(Config(repair_output=value))


def _loose_image(folder):
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 40)).astype(np.uint8)).save(folder / "a.png")
    m = np.zeros((40, 40), np.uint8)
    m[5:15, 5:25] = 255
    Image.fromarray(m).save(folder.parent / "mask.png")
    return folder / "a.png", folder.parent / "mask.png"


def test_cli_apply_saves_where_the_repair_output_setting_says(tmp_path, capsys):
    """The CLI's save error pointed to the repair_output setting, which it never read."""
    import json

    from llmvis_desktop.cli import main

    img, mask = _loose_image(tmp_path / "imgs")
    _save_repair_output(str(tmp_path / "alt"))
    assert main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["output"] == str(tmp_path / "alt" / "a.repaired.png") and not (tmp_path / "imgs" / "repaired").exists()
    _save_repair_output("fixed")  # a relative folder: beside the image
    assert main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea"]) == 0
    assert (tmp_path / "imgs" / "fixed" / "a.repaired.png").is_file()
    # --out still wins
    assert main(["repair", "apply", str(img), "--mask", str(mask), "--method", "telea",
                 "--out", str(tmp_path / "mine.png")]) == 0
    assert (tmp_path / "mine.png").is_file()


def test_a_read_only_output_folder_is_named_not_the_hidden_mask(tmp_path, monkeypatch):
    """The error named repaired/.masks/a.repaired.mask.png (written first), not the image."""
    import errno

    from llmvis_desktop.core.repair import RepairError
    from llmvis_desktop.core.repair import save as save_mod

    img, mask = _loose_image(tmp_path / "imgs")

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(save_mod.tempfile, "mkstemp", read_only)
    with pytest.raises(RepairError) as err:
        apply_mod.repair_file(img, mask, method="telea")
    text = str(err.value)
    assert f"cannot save {tmp_path / 'imgs' / 'repaired' / 'a.repaired.png'}: read-only" in text
    assert ".masks" not in text


def test_repairing_a_repair_numbers_it_beside_its_parent_not_nested(tmp_path):
    """A second repair of a repaired image landed in repaired/repaired/a.repaired.repaired.png,
    a third one level deeper."""
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    img, mask = _loose_image(root)
    with Project.open(root) as p:
        p.index()
        first = apply_mod.repair_file(img, mask, method="telea", project=p)
        second = apply_mod.repair_file(first.output_path, mask, method="telea", project=p)
        third = apply_mod.repair_file(second.output_path, mask, method="ns", project=p)
        assert first.output_path == root / "repaired" / "a.repaired.png"
        assert second.output_path == root / "repaired" / "a.repaired-2.png"
        assert third.output_path == root / "repaired" / "a.repaired-3.png"
        assert second.mask_path == root / "repaired" / ".masks" / "a.repaired-2.mask.png"
        # provenance still links each repair to the file it was made from
        parent = p.image_by_path("repaired/a.repaired.png")
        reps = p.repairs(parent.id)
        assert [r.output_path for r in reps] == ["repaired/a.repaired-2.png"]
        reps = p.repairs(p.image_by_path("repaired/a.repaired-2.png").id)
        assert [r.output_path for r in reps] == ["repaired/a.repaired-3.png"]


def test_a_repair_of_a_recorded_output_saved_elsewhere_stays_in_its_folder(tmp_path):
    from llmvis_desktop.core.project import Project

    root = tmp_path / "proj"
    img, mask = _loose_image(root)
    with Project.open(root) as p:
        p.index()
        first = apply_mod.repair_file(img, mask, method="telea", project=p, out=root / "fixes" / "one.png")
        again = apply_mod.repair_file(first.output_path, mask, method="telea", project=p, out_dir="fixed")
        assert again.output_path == root / "fixes" / "one.repaired.png"
    # without a project, by name and folder: the setting's relative folder is not nested either
    loose = tmp_path / "loose"
    img, mask = _loose_image(loose)
    one = apply_mod.repair_file(img, mask, method="telea", out_dir="fixed")
    two = apply_mod.repair_file(one.output_path, mask, method="telea", out_dir="fixed")
    assert (one.output_path, two.output_path) == (loose / "fixed" / "a.repaired.png", loose / "fixed" / "a.repaired-2.png")


def test_a_pngs_dpi_is_kept_as_written_and_fits_a_tiff_output(tmp_path):
    """A PNG's pHYs is per metre (200 dpi reads back as 199.9996); a source kept in a TIFF
    output (a deep image) gets its resolution and profile as TIFF tags."""
    import io

    import tifffile

    from llmvis_desktop.core.repair import save as save_mod

    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "s.png", dpi=(200, 200), icc_profile=_profile())
    meta = save_mod.source_meta(tmp_path / "s.png", "PNG")
    assert meta["resolution"] == (200, 200) and meta["resolutionunit"] == 2
    data = save_mod.encode(np.zeros((8, 8, 3), np.uint16), "tiff", False, None, meta)
    with tifffile.TiffFile(io.BytesIO(data)) as t:
        tags = t.pages[0].tags
        assert tags["XResolution"].value == (200, 1) and int(tags["ResolutionUnit"].value) == 2
        assert tags["InterColorProfile"].value == _profile()


@pytest.mark.parametrize("frame", [0, 2])
def test_a_repair_of_any_page_of_a_multi_page_tiff_keeps_its_description(tmp_path, frame):
    """tifffile writes a stack's ImageDescription on page 1 only (with its own shape JSON
    after it): a repair of page 3 said {"shape": [256, 320]} instead of the source's
    description, which README says a TIFF repair keeps."""
    import tifffile

    src = tmp_path / "stack.tif"
    frames = np.random.default_rng(4).integers(0, 4000, (3, 40, 48)).astype(np.uint16)
    tifffile.imwrite(src, frames, photometric="minisblack", description="slide 7, stain H&E",
                     resolution=(300, 300), resolutionunit="INCH")
    with tifffile.TiffFile(src) as t:
        assert "ImageDescription" not in t.pages[2].tags  # the case: the page has none of its own
    mask = np.zeros((40, 48), bool)
    mask[10:20, 10:30] = True
    res = apply_mod.repair_file(src, mask, method="telea", frame=frame)
    with tifffile.TiffFile(res.output_path) as t:
        page = t.pages[0]
        assert page.tags["ImageDescription"].value == "slide 7, stain H&E"
        assert page.tags["XResolution"].value == (300, 1)
        assert np.array_equal(page.asarray()[:5], frames[frame, :5])  # the page asked for


def test_a_page_with_a_description_of_its_own_keeps_it(tmp_path):
    """A page's own description wins over page 1's."""
    import tifffile

    from llmvis_desktop.core.repair import save as save_mod

    src = tmp_path / "pages.tif"
    with tifffile.TiffWriter(src) as w:
        w.write(np.zeros((8, 8), np.uint8), description="first", metadata=None)
        w.write(np.zeros((8, 8), np.uint8), description="second", metadata=None)
        w.write(np.zeros((8, 8), np.uint8), metadata=None)
    assert [save_mod.tiff_source_meta(src, f).get("description") for f in range(3)] == ["first", "second", "first"]
