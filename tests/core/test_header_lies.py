"""Headers that lie about the pixel data their files hold: a TIFF whose size or bit depth
claims more bytes than its strips hold, a DICOM whose pixel data element's length field is
corrupt. Both were indexed as good images (with the false size) and failed only when
viewed or exported; they are caught at index time now, from the header alone."""
from __future__ import annotations

import numpy as np
import pydicom
import pytest
from PIL import Image

from llmvis_desktop.core.imaging import ImageReadError, read_header, read_image
from llmvis_desktop.core.imaging.errors import TRUNCATED
from llmvis_desktop.core.interchange import ExportOptions, export_project
from llmvis_desktop.core.project import Project

from interchange_helpers import ct_small


def _reason(path, fn=read_header) -> str:
    with pytest.raises(ImageReadError) as info:
        fn(path)
    assert str(path) in str(info.value)  # names the file
    return info.value.reason


def _tiff_lying(path, tag: str, value: int, **write) -> None:
    import tifffile

    tifffile.imwrite(path, np.arange(512 * 512, dtype=np.uint16).reshape(512, 512), **write)
    with tifffile.TiffFile(path, mode="r+") as tf:
        tf.pages[0].tags[tag].overwrite(value)


def test_a_tiff_whose_bit_depth_lies_is_caught_at_header_time(tmp_path):
    path = tmp_path / "bps_lie.tif"
    _tiff_lying(path, "BitsPerSample", 32)
    reason = _reason(path)
    assert reason.startswith(TRUNCATED) and "inconsistent" in reason, reason
    assert "512x512 32-bit = 1,048,576 bytes of pixels" in reason and "the strips hold 524,288" in reason, reason
    viewed = _reason(path, read_image)  # was "failed to read 1048576 bytes, got 524288"
    assert viewed == reason


def test_a_tiff_whose_size_lies_is_caught_at_header_time(tmp_path):
    path = tmp_path / "liar2.tif"
    _tiff_lying(path, "ImageLength", 4000)
    with __import__("tifffile").TiffFile(path, mode="r+") as tf:
        tf.pages[0].tags["ImageWidth"].overwrite(4000)
    reason = _reason(path)
    assert "4000x4000 16-bit = 32,000,000 bytes of pixels, the strips hold 524,288" in reason, reason
    assert "header is inconsistent" in _reason(path, read_image)


def test_a_tiled_tiff_and_a_later_page_are_checked_too(tmp_path):
    import tifffile

    tiles = tmp_path / "tiles.tif"
    _tiff_lying(tiles, "BitsPerSample", 32, tile=(64, 64))
    assert "the tiles hold 524,288" in _reason(tiles)
    pages = tmp_path / "pages.tif"
    tifffile.imwrite(pages, np.zeros((3, 64, 64), np.uint16), photometric="minisblack")
    with tifffile.TiffFile(pages, mode="r+") as tf:
        tf.pages[2].tags["ImageLength"].overwrite(640)
    assert read_header(pages).frames == 3  # the first page is the one indexed
    read_image(pages, frame=1)
    reason = _reason(pages, lambda p: read_image(p, frame=2))
    assert "page 3 of 3" in reason and "64x640 16-bit = 81,920 bytes" in reason, reason


def _tiff12(path, width: int, height: int) -> None:
    """An uncompressed 12-bit gray TIFF, each row packed to whole bytes (tifffile writes
    none without imagecodecs)."""
    import struct

    rows = []
    for r in range(height):
        bits = "".join(f"{(r * width + c) % 4096:012b}" for c in range(width))
        bits += "0" * (-len(bits) % 8)
        rows.append(int(bits, 2).to_bytes(len(bits) // 8, "big"))
    data = b"".join(rows)
    tags = [(256, width), (257, height), (258, 12), (259, 1), (262, 1), (273, 8), (277, 1), (278, height),
            (279, len(data))]
    out = b"II*\x00" + struct.pack("<I", 8 + len(data)) + data + struct.pack("<H", len(tags))
    for tag, value in tags:
        out += struct.pack("<HHII", tag, 4, 1, value)  # LONG values
    path.write_bytes(out + struct.pack("<I", 0))


@pytest.mark.parametrize("kind", ["rgb16", "planar16", "tiled_rgb8", "bilevel", "gray12", "lzw_lie", "strips"])
def test_tiffs_whose_strips_hold_their_pixels_are_not_flagged(tmp_path, kind):
    """Samples, planar configuration, tiles, 1-bit rows padded to a byte, 12-bit packed
    rows; and a compressed file, which has no cheap check, is left alone."""
    import tifffile

    path = tmp_path / f"{kind}.tif"
    rgb = np.arange(50 * 70 * 3, dtype=np.uint16).reshape(50, 70, 3)
    if kind == "rgb16":
        tifffile.imwrite(path, rgb, photometric="rgb")
    elif kind == "planar16":
        tifffile.imwrite(path, np.moveaxis(rgb, -1, 0), photometric="rgb", planarconfig="separate")
    elif kind == "tiled_rgb8":
        tifffile.imwrite(path, (rgb % 256).astype(np.uint8), photometric="rgb", tile=(32, 32))
    elif kind == "bilevel":
        Image.fromarray(np.arange(37 * 29).reshape(29, 37) % 3 == 0).save(path)
    elif kind == "gray12":  # 50 bytes a row: decoding it needs imagecodecs, the header does not
        _tiff12(path, 33, 21)
        assert (read_header(path).width, read_header(path).bit_depth) == (33, 16)
        return
    elif kind == "strips":
        tifffile.imwrite(path, rgb[..., 0], rowsperstrip=7)
    else:
        _tiff_lying(path, "BitsPerSample", 32, compression="zlib")
        assert read_header(path).bit_depth == 32
        return
    meta = read_header(path)
    assert read_image(path).pixels.shape[:2] == (meta.height, meta.width)


def test_the_index_marks_a_lying_tiff_as_an_error_and_an_export_leaves_it_out(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("RGB", (8, 8)).save(folder / "ok.png")
    _tiff_lying(folder / "liar.tif", "BitsPerSample", 32)
    with Project.open(folder) as p:
        p.index()
        rec = p.image_by_path("liar.tif")
        assert rec.status == "error" and "the strips hold 524,288" in rec.error, rec
        report = export_project(p, "jsonl", tmp_path / "out", ExportOptions(split=(1.0, 0.0, 0.0)))
    assert not list((tmp_path / "out").rglob("liar.tif"))
    assert any(w.startswith("liar.tif: the index could not read it") for w in report.warnings), report.warnings


# ------------------------------------------------------------------ DICOM


def _pixel_length(raw: bytearray, value: int) -> bytearray:
    i = raw.rfind(b"\xe0\x7f\x10\x00")
    raw[i + 8:i + 12] = value.to_bytes(4, "little")  # CT_small: explicit VR little endian, OW
    return raw


def test_a_dicom_whose_pixel_data_length_is_undefined_is_an_error_when_indexed(tmp_path):
    """The length 0xFFFFFFFF (undefined, allowed only for compressed data) in a native
    file: indexed as a readable 128x128 image; the viewer then said 'DICOM has no pixel
    data' of a file that holds them."""
    path = tmp_path / "pixlen_undef.dcm"
    path.write_bytes(_pixel_length(bytearray(ct_small().read_bytes()), 0xFFFFFFFF))
    reason = _reason(path)
    assert "pixel data element's length is invalid" in reason, reason
    assert _reason(path, read_image) == reason


def test_a_dicom_whose_pixel_data_length_is_too_short_is_an_error(tmp_path):
    path = tmp_path / "pixlen_short.dcm"
    path.write_bytes(_pixel_length(bytearray(ct_small().read_bytes()), 1000))
    reason = _reason(path)
    assert "pixel data element's length is invalid" in reason and "1000" in reason, reason


def test_a_dicom_whose_pixel_data_length_runs_past_the_end_still_reads(tmp_path):
    """All the pixels are there (pydicom reads to the end of the file): not flagged."""
    path = tmp_path / "pixlen_huge.dcm"
    path.write_bytes(_pixel_length(bytearray(ct_small().read_bytes()), 0x7FFFFFF0))
    assert read_header(path).width == 128
    with pytest.warns(UserWarning):
        assert read_image(path).pixels.shape == (128, 128)


def test_a_cut_short_dicom_is_said_the_same_way_when_indexed_and_when_viewed(tmp_path):
    """The index said 'the file holds 27918' (counting the element's own tag and length),
    the viewer '(27906 vs 32768 bytes) - the dataset may be corrupted, have a...)'."""
    data = ct_small().read_bytes()
    path = tmp_path / "ct_trunc.dcm"
    start = data.rfind(b"\xe0\x7f\x10\x00") + 12  # after the pixel data element's tag, VR and length
    path.write_bytes(data[: start + 27906])
    indexed, viewed = _reason(path), _reason(path, read_image)
    assert indexed == viewed, (indexed, viewed)
    assert "needs 32768 bytes" in indexed and "holds 27906" in indexed and not indexed.endswith("...)"), indexed


def test_a_valid_ct_is_untouched(tmp_path):
    assert read_header(ct_small()).width == 128
    from pydicom.uid import ImplicitVRLittleEndian

    ds = pydicom.dcmread(ct_small())
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.save_as(tmp_path / "implicit.dcm")
    assert read_header(tmp_path / "implicit.dcm").width == 128


def test_a_cut_short_16bit_tiff_is_said_the_same_way_when_indexed_and_when_viewed(tmp_path):
    """The index said 'the file was cut short', the viewer 'failed to read 524288 bytes, got 262016'."""
    import tifffile

    path = tmp_path / "trunc.tif"
    tifffile.imwrite(path, np.arange(512 * 512, dtype=np.uint16).reshape(512, 512))
    path.write_bytes(path.read_bytes()[:262272])
    indexed = _reason(path)
    assert "cut short" in indexed and _reason(path, read_image) == indexed
