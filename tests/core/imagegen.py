"""Writers of small sample images (good and bad) for the imaging tests.

Each ``write_*`` function writes into ``directory`` and returns the new file's Path;
``write_samples`` writes them all, ``write_bad_files`` writes the failure corpus.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

TIFF16_MAX = 61420
# JPEG sample stored as 40 wide x 30 high, EXIF orientation 6 (display: 30 x 40)
JPEG_STORED_SIZE = (40, 30)


def _gradient_rgb(width: int, height: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255 // max(1, width - 1)).astype(np.uint8)
    g = (y * 255 // max(1, height - 1)).astype(np.uint8)
    b = ((x + y) * 255 // max(1, width + height - 2)).astype(np.uint8)
    return np.dstack([r, g, b])


def write_jpeg_exif6(directory: Path, name: str = "rotated.jpg") -> Path:
    """RGB JPEG stored 40x30 with a red left third, EXIF orientation 6 (rotate 90 CW)."""
    arr = np.zeros((JPEG_STORED_SIZE[1], JPEG_STORED_SIZE[0], 3), np.uint8)
    arr[:, :, 2] = 200
    arr[:, :13] = (230, 20, 20)  # red band along the stored left edge
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = Path(directory) / name
    im.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def write_png_rgba(directory: Path, name: str = "alpha.png") -> Path:
    arr = np.zeros((24, 32, 4), np.uint8)
    arr[:, :, :3] = _gradient_rgb(32, 24)
    arr[:, :16, 3] = 255  # left half opaque, right half transparent
    path = Path(directory) / name
    Image.fromarray(arr, "RGBA").save(path)
    return path


def write_bmp(directory: Path, name: str = "plain.bmp") -> Path:
    path = Path(directory) / name
    Image.fromarray(_gradient_rgb(33, 17)).save(path)
    return path


def write_webp(directory: Path, name: str = "photo.webp") -> Path:
    path = Path(directory) / name
    Image.fromarray(_gradient_rgb(48, 36)).save(path, "WEBP", quality=90)
    return path


def write_tiff8(directory: Path, name: str = "gray8.tif") -> Path:
    path = Path(directory) / name
    Image.fromarray(_gradient_rgb(64, 40)[:, :, 0]).save(path)
    return path


def tiff16_array(width: int = 80, height: int = 60) -> np.ndarray:
    """Horizontal ramp 0..TIFF16_MAX with a little row texture: max is exactly TIFF16_MAX."""
    y, x = np.mgrid[0:height, 0:width]
    ramp = x.astype(np.float64) / (width - 1) * TIFF16_MAX
    arr = np.clip(ramp - (y % 4) * 37, 0, TIFF16_MAX).astype(np.uint16)
    arr[0, -1] = TIFF16_MAX
    return arr


def write_tiff16(directory: Path, name: str = "gray16.tif") -> Path:
    import tifffile

    path = Path(directory) / name
    tifffile.imwrite(path, tiff16_array(), photometric="minisblack")
    return path


def write_tiff16_lzw(directory: Path, name: str = "gray16_lzw.tif") -> Path:
    """16-bit LZW TIFF written by Pillow (tifffile may lack the codec without imagecodecs)."""
    path = Path(directory) / name
    Image.fromarray(tiff16_array()).save(path, compression="tiff_lzw")
    return path


def write_tiff_multipage(directory: Path, name: str = "stack.tif", pages: int = 3) -> Path:
    """``pages`` separate 16-bit IFDs; page i is filled with 1000 * (i + 1)."""
    import tifffile

    path = Path(directory) / name
    with tifffile.TiffWriter(path) as tw:
        for i in range(pages):
            page = np.full((20, 30), 1000 * (i + 1), np.uint16)
            page[0, 0] = 0
            tw.write(page, photometric="minisblack", contiguous=False)
    return path


def bundled_dicom(name: str) -> Path:
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name, download=False)
    if not found:
        raise FileNotFoundError(f"pydicom does not bundle {name}")
    return Path(found)


def copy_dicom(directory: Path, source: str = "CT_small.dcm", name: str | None = None) -> Path:
    path = Path(directory) / (name or source)
    shutil.copyfile(bundled_dicom(source), path)
    return path


def write_dicom_extensionless(directory: Path, name: str = "1.2.840.99999.1") -> Path:
    """A DICOM Part 10 file named like a UID (its 'extension' is '.1', not a DICOM one)."""
    return copy_dicom(directory, "CT_small.dcm", name)


def write_dicom_noext(directory: Path, name: str = "IM0001") -> Path:
    return copy_dicom(directory, "MR_small.dcm", name)


def write_dicom_monochrome1(directory: Path, name: str = "mr_mono1.dcm") -> Path:
    """MR_small with PhotometricInterpretation MONOCHROME1 (same pixels and window)."""
    import pydicom

    ds = pydicom.dcmread(bundled_dicom("MR_small.dcm"))
    ds.PhotometricInterpretation = "MONOCHROME1"
    path = Path(directory) / name
    ds.save_as(path)
    return path


def write_dicom_multiframe(directory: Path, name: str = "ct_3frames.dcm", frames: int = 3) -> Path:
    """CT_small repeated ``frames`` times; frame i has stored values + 100 * i."""
    import pydicom

    ds = pydicom.dcmread(bundled_dicom("CT_small.dcm"))
    base = ds.pixel_array.astype(np.int16)
    stack = np.stack([base + 100 * i for i in range(frames)]).astype("<i2")
    ds.NumberOfFrames = frames
    ds.PixelData = stack.tobytes()
    path = Path(directory) / name
    ds.save_as(path)
    return path


def write_samples(directory: Path) -> dict[str, Path]:
    """Every good sample, by short name."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "jpeg_exif6": write_jpeg_exif6(directory),
        "png_rgba": write_png_rgba(directory),
        "bmp": write_bmp(directory),
        "webp": write_webp(directory),
        "tiff8": write_tiff8(directory),
        "tiff16": write_tiff16(directory),
        "tiff16_lzw": write_tiff16_lzw(directory),
        "tiff_multi": write_tiff_multipage(directory),
        "ct": copy_dicom(directory, "CT_small.dcm"),
        "mr": copy_dicom(directory, "MR_small.dcm"),
        "dicom_uid_name": write_dicom_extensionless(directory),
        "dicom_noext": write_dicom_noext(directory),
        "mr_mono1": write_dicom_monochrome1(directory),
        "ct_multiframe": write_dicom_multiframe(directory),
        "dicom_rgb": copy_dicom(directory, "examples_rgb_color.dcm", "rgb.dcm"),
    }


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png_bytes(width: int = 20000, height: int = 20000) -> bytes:
    """A valid-looking PNG of a few dozen bytes whose IHDR declares ``width`` x ``height``."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray
    idat = zlib.compress(b"\x00\x00")  # one filter byte + one pixel: far too little data
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _dicom_codec_available() -> bool:
    import importlib.util

    return any(
        importlib.util.find_spec(mod) is not None
        for mod in ("pylibjpeg", "libjpeg", "jpeg_ls", "gdcm")
    )


def write_bad_files(directory: Path) -> dict[str, str]:
    """The failure corpus: file name -> substring expected in the ImageReadError reason."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}

    (d / "empty.png").write_bytes(b"")
    expected["empty.png"] = "empty file (0 bytes)"

    good = d / "_good.jpg"
    Image.fromarray(_gradient_rgb(64, 48)).save(good, quality=90)
    data = good.read_bytes()
    good.unlink()
    (d / "truncated.jpg").write_bytes(data[: len(data) * 2 // 3])
    expected["truncated.jpg"] = "truncated or corrupt image data"

    png = d / "_good.png"
    Image.fromarray(_gradient_rgb(64, 48)).save(png)
    data = png.read_bytes()
    png.unlink()
    (d / "truncated.png").write_bytes(data[: len(data) // 2])
    expected["truncated.png"] = "truncated or corrupt image data"

    (d / "notes.jpg").write_text("these are my notes, not a photo\n" * 10)
    expected["notes.jpg"] = "not an image (content does not match .jpg)"

    (d / "bomb.png").write_bytes(bomb_png_bytes())
    expected["bomb.png"] = "image too large: 20000x20000 = 400.0 MP exceeds the limit of 178.9 MP"

    os.symlink(d / "no_such_target.png", d / "dangling.png")
    expected["dangling.png"] = "broken symbolic link"

    (d / "notes.dcm").write_text("not a dicom file at all\n" * 10)
    expected["notes.dcm"] = "not a DICOM file"

    copy_dicom(d, "rtplan.dcm", "plan.dcm")
    expected["plan.dcm"] = "DICOM has no pixel data"

    copy_dicom(d, "MR_truncated.dcm", "mr_truncated.dcm")
    expected["mr_truncated.dcm"] = "truncated or corrupt image data"

    if not _dicom_codec_available():
        copy_dicom(d, "MR_small_jpeg_ls_lossless.dcm", "jpegls.dcm")
        expected["jpegls.dcm"] = "compressed DICOM (transfer syntax JPEG-LS Lossless"
    return expected


# Files whose header is intact: read_header succeeds, only decoding fails.
HEADER_OK_BAD_FILES = frozenset({"truncated.jpg", "truncated.png", "mr_truncated.dcm", "jpegls.dcm"})
