"""How a repair is written to disk: its lossless format (:func:`output_format`), the
encoded bytes (:func:`encode`, keeping what :func:`source_meta` read of the source: a
TIFF's resolution and description, a PNG/JPEG's colour profile, dpi and EXIF, a DICOM's
pixel spacing, and a DICOM's display hints) and the atomic write through a temporary
files, a repair and its mask together (:func:`write_repair_files`),
whose failures are said in words (:func:`save_error`). A temporary file is named
``.NAME.<pid>@<host>.XXXXXXXX.part``; one whose process is gone (killed mid-save) is
removed by the next save into its folder (:func:`clear_dead_temps`).
Used by :func:`.apply.repair_file`.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from . import RepairError
from .png_ratio import bare_ratio, ratio_meta, with_ratio


def output_format(src_format: Optional[str], pixels: np.ndarray, inverted: bool = False) -> str:
    """'png' or 'tiff': lossless, at the source depth.  JPEG/BMP/WEBP become PNG (a JPEG
    re-encode would change pixels outside the mask); DICOM becomes a derived PNG
    (8/16-bit gray, 8-bit RGB) or TIFF (signed, float, 16-bit RGB).  A gray image shown
    with low values white (``inverted``: MONOCHROME1, MinIsWhite) becomes a MinIsWhite
    TIFF, the only one of the two that can say so."""
    fmt = (src_format or "").upper()
    if fmt == "TIFF" or (inverted and pixels.ndim == 2):
        return "tiff"
    if pixels.dtype == np.uint8:
        return "png"
    if pixels.dtype == np.uint16 and pixels.ndim == 2:
        return "png"
    return "tiff"


def encode(pixels: np.ndarray, fmt: str, inverted: bool = False, hints: Optional[dict] = None,
           tiff_meta: Optional[dict] = None) -> bytes:
    """``hints``: how to show it (a DICOM source's window and S-curve), kept in a TIFF's
    description for the reader (:data:`..imaging.tiff.DISPLAY_HINTS`). ``tiff_meta``:
    what the source says of itself (:func:`source_meta`): its resolution and unit (a PNG's
    dpi; one of no unit, a bare ratio, a pHYs of unit 0), its own description (TIFF only), its colour profile (when it describes the
    output's colours: RGB or gray) and its EXIF (PNG only)."""
    buf = io.BytesIO()
    meta = tiff_meta or {}
    icc = meta.get("icc_profile") if _icc_fits(meta.get("icc_profile"), pixels) else None
    if fmt == "png":
        from PIL import Image

        extra: dict = {}
        dpi = _per_inch(meta)
        if dpi:
            extra["dpi"] = dpi
        if icc:
            extra["icc_profile"] = icc
        if meta.get("exif"):
            extra["exif"] = meta["exif"]
        ratio = None if dpi else bare_ratio(meta)  # a ratio of no unit: a pHYs Pillow cannot write
        if pixels.dtype == np.uint16 and pixels.ndim == 3:  # Pillow writes no 16-bit colour PNG
            data = png16_bytes(pixels, extra)
            return with_ratio(data, ratio) if ratio else data
        Image.fromarray(pixels).save(buf, format="PNG", **extra)
        if ratio:
            return with_ratio(buf.getvalue(), ratio)
    else:
        import tifffile

        extra: dict = {}
        if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
            photometric = "rgb"
        else:
            photometric = "miniswhite" if inverted else "minisblack"
            if pixels.ndim == 3 and pixels.shape[2] == 2:  # gray+alpha: one page, not H pages of Wx2
                extra = {"planarconfig": "contig", "extrasamples": ["unassalpha"]}
        if hints:
            import json

            from ..imaging.tiff import DISPLAY_HINTS

            extra.update(description=json.dumps({DISPLAY_HINTS: hints}), metadata=None)
        if icc:
            extra["iccprofile"] = icc
        if meta.get("resolution"):
            extra["resolution"] = meta["resolution"]
            extra["resolutionunit"] = meta.get("resolutionunit")
        if meta.get("description") and "description" not in extra:
            extra.update(description=meta["description"], metadata=None)
        tifffile.imwrite(buf, pixels, photometric=photometric, compression="zlib", **extra)
    return buf.getvalue()


def png_refusal(pixels: np.ndarray) -> Optional[str]:
    """Why a PNG cannot hold ``pixels`` exactly, in words; None when it can: 8 or 16 bits
    per sample, gray, gray+alpha, RGB or RGBA."""
    if pixels.dtype.kind == "f":
        return f"its samples are {pixels.dtype.itemsize * 8}-bit floating-point values, which no PNG can hold"
    if pixels.dtype.kind == "i":
        return f"its samples are signed {pixels.dtype.itemsize * 8}-bit values, which no PNG can hold"
    if pixels.dtype not in (np.uint8, np.uint16):
        return f"its samples are {pixels.dtype.itemsize * 8}-bit, and a PNG holds 8 or 16 bits"
    if pixels.ndim == 3 and pixels.shape[2] not in (2, 3, 4):
        return f"it has {pixels.shape[2]} channels, and a PNG holds gray, gray+alpha, RGB or RGBA"
    return None


_PNG_ROWS = 256  # rows filtered and compressed at a time: a 24 MP scan is not copied whole
_IDAT_MAX = 1 << 20


def png16_bytes(pixels: np.ndarray, extra: dict) -> bytes:
    """A 16-bit gray+alpha, RGB or RGBA PNG of the HxWx2/3/4 uint16 ``pixels`` (Pillow
    writes none), each row Up-filtered; ``extra``'s dpi, icc_profile and exif are written
    as Pillow writes them (its chunks for a 1x1 image are taken over)."""
    import struct
    import zlib

    from PIL import Image

    h, w, ch = pixels.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    probe = io.BytesIO()
    Image.new("RGB" if ch >= 3 else "L", (1, 1)).save(probe, format="PNG", **extra)
    raw, at, kept = probe.getvalue(), 8, []
    while at + 8 <= len(raw):
        length = int.from_bytes(raw[at:at + 4], "big")
        if raw[at + 4:at + 8] not in (b"IHDR", b"IDAT", b"IEND"):
            kept.append(raw[at:at + 12 + length])
        at += 12 + length
    z = zlib.compressobj(6)
    parts, above = [], np.zeros(w * ch * 2, np.uint8)
    for start in range(0, h, _PNG_ROWS):
        rows = pixels[start:start + _PNG_ROWS].astype(">u2").reshape(-1, w * ch).view(np.uint8)
        block = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
        block[:, 0] = 2  # filter Up: each byte less the one above it
        np.subtract(rows[0], above, out=block[0, 1:])
        np.subtract(rows[1:], rows[:-1], out=block[1:, 1:])
        above = rows[-1].copy()
        parts.append(z.compress(block.tobytes()))
    parts.append(z.flush())
    data = b"".join(parts)
    head = struct.pack(">IIBBBBB", w, h, 16, {2: 4, 3: 2, 4: 6}[ch], 0, 0, 0)
    idats = [chunk(b"IDAT", data[i:i + _IDAT_MAX]) for i in range(0, len(data), _IDAT_MAX)] or [chunk(b"IDAT", b"")]
    return b"".join([b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", head), *kept, *idats, chunk(b"IEND", b"")])


def source_meta(path: Path, src_format: Optional[str], frame: int = 0) -> dict:
    """What a repair keeps of its source (for :func:`encode`): a TIFF's (:func:`tiff_source_meta`);
    a DICOM's pixel spacing as a resolution per centimetre (:func:`dicom_source_meta`); a
    PNG/JPEG/WebP/BMP's ICC profile, dpi (as a resolution per inch; a ratio of no unit as a
    resolution of none: :func:`.png_ratio.ratio_meta`) and EXIF, its orientation set to 1 (the repair's pixels are saved upright). {} when unreadable."""
    fmt = (src_format or "").upper()
    if fmt == "TIFF":
        return tiff_source_meta(path, frame)
    if fmt == "DICOM":
        return dicom_source_meta(path, frame)
    try:
        from PIL import Image

        with Image.open(path) as im:
            if frame:
                im.seek(frame)
            out: dict = {}
            exif = im.getexif()
            turned = int(exif.get(ORIENTATION) or 1) >= 5  # shown turned a quarter: x and y swap
            dpi = im.info.get("dpi")
            if dpi and len(dpi) == 2 and min(float(dpi[0]), float(dpi[1])) > 0:
                # a PNG's pHYs is per metre: 300 dpi reads back as 299.9994; kept as 300
                x, y = (round(float(v)) if abs(float(v) - round(float(v))) < 0.01 else float(v) for v in dpi)
                out["resolution"], out["resolutionunit"] = ((y, x) if turned else (x, y)), 2
            else:  # a PNG's pHYs or a JPEG's JFIF density of no unit: a bare ratio
                out.update(ratio_meta(im.info, turned))
            if im.info.get("icc_profile"):
                out["icc_profile"] = bytes(im.info["icc_profile"])
            raw = im.info.get("exif")
            if int(exif.get(ORIENTATION) or 1) != 1 or (len(exif) and not raw):
                for ifd in (0x8769, 0x8825, 0xA005):  # Exif, GPS, Interop: loaded so they are written
                    if ifd in exif:  # (one the photo lacks was written empty: an empty GPS block)
                        exif.get_ifd(ifd)
                exif[ORIENTATION] = 1
                if turned:  # the upright pixels' width is the stored height: so say the tags of both
                    _swap(exif, 0x011A, 0x011B)  # X/YResolution
                    _swap(exif.get_ifd(0x8769), 0xA002, 0xA003)  # PixelX/YDimension
                raw = exif.tobytes()
            if raw:
                out["exif"] = bytes(raw)
            return out
    except Exception:  # unreadable metadata: the pixels are saved without it
        return {}


ORIENTATION = 0x0112


def _swap(tags, a: int, b: int) -> None:
    """Swap tags ``a`` and ``b`` of an EXIF directory where it has both."""
    if a in tags and b in tags:
        tags[a], tags[b] = tags[b], tags[a]


def dicom_source_meta(path: Path, frame: int = 0) -> dict:
    """A DICOM's pixel spacing (mm: between rows, between columns) as a resolution per
    centimetre (10 / spacing): its PixelSpacing, for an Enhanced object the frame's or the
    shared Pixel Measures, else whatever else :func:`~..imaging.aspect.spacing_of` reads
    (Imager / Nominal Scanned Pixel Spacing, an ultrasound region's calibration); a bare
    Pixel Aspect Ratio as a resolution with no unit (a TIFF keeps it; a PNG as a pHYs of unit 0).
    {} without one."""
    unit = 3
    try:
        import pydicom

        from ..imaging.aspect import spacing_of
        from ..imaging.dicom import _functional

        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        spacing = ds.get("PixelSpacing")
        if not spacing:
            item = _functional(ds, int(frame), "PixelMeasuresSequence")
            spacing = item.get("PixelSpacing") if item is not None else None
        if not spacing:
            row, col, said = spacing_of(ds)  # None: nothing to keep (the TypeError below)
            spacing, unit = (row, col), (3 if said else 1)
        row, col = float(spacing[0]), float(spacing[1])
    except Exception:  # no spacing, or not readable: nothing to keep
        return {}
    if not (row > 0 and col > 0 and np.isfinite(row) and np.isfinite(col)):
        return {}
    per = 10.0 if unit == 3 else 1.0
    return {"resolution": (per / col, per / row), "resolutionunit": unit}


def _per_inch(meta: dict):
    """The resolution in ``meta`` as a PNG's dpi (x, y); None without one or a unit."""
    res, unit = meta.get("resolution"), meta.get("resolutionunit")
    if not res or unit not in (2, 3):
        return None
    x, y = (float(v[0]) / float(v[1]) if isinstance(v, tuple) else float(v) for v in res)
    scale = 2.54 if unit == 3 else 1.0
    return (x * scale, y * scale) if x > 0 and y > 0 else None


def _icc_fits(icc, pixels: np.ndarray) -> bool:
    """Whether the ICC profile describes the output's colours: an RGB profile for RGB(A),
    a gray one for gray (a CMYK JPEG's profile does not fit its RGB repair)."""
    if not icc or len(icc) < 20:
        return False
    space = bytes(icc[16:20])
    colour = pixels.ndim == 3 and pixels.shape[2] in (3, 4)
    return space == (b"RGB " if colour else b"GRAY")


def tiff_source_meta(path: Path, frame: int = 0) -> dict:
    """A TIFF's resolution (x, y as rationals), its unit and its own description, from page
    ``frame``, to keep in its repair; {} for any other file or what cannot be read. A
    description tifffile or llmvis wrote (shape JSON, display hints) is not the source's
    own and is left out. The description is the document's: tifffile (like Software and
    DateTime) writes it on page 1 only, so a later page without one of its own takes page
    1's. Resolution and colour profile are written on every page and are the page's."""
    try:
        import tifffile

        with tifffile.TiffFile(path) as t:
            index = min(int(frame), len(t.pages) - 1)
            page = t.pages[index]
            tags = page.tags
            out: dict = {}
            x, y, unit = tags.get("XResolution"), tags.get("YResolution"), tags.get("ResolutionUnit")
            if x is not None and y is not None:
                # the repair's pixels are upright: a page shown turned a quarter (Orientation 5-8)
                # has its x and y swapped, and so its resolutions (a line-scan's 300 x 150 dpi
                # went to a repair whose rows were its columns as 300 x 150 still)
                turned = int(getattr(tags.get("Orientation"), "value", 1) or 1) >= 5
                out["resolution"] = tuple(tuple(v.value) for v in ((y, x) if turned else (x, y)))
                out["resolutionunit"] = int(unit.value) if unit is not None else 2  # TIFF default: inch
            icc = tags.get("InterColorProfile")
            if icc is not None and isinstance(icc.value, (bytes, bytearray)):
                out["icc_profile"] = bytes(icc.value)
            text = _own_description(page) or (_own_description(t.pages[0]) if index else "")
            if text:
                out["description"] = text
            return out
    except Exception:  # not a TIFF, or unreadable tags: nothing to keep
        return {}


def _own_description(page) -> str:
    """The page's first ImageDescription that is its writer's own, not tifffile's shape
    JSON or llmvis's display hints (tifffile writes the user's before its own); ''."""
    for tag in page.tags.values():
        if tag.name == "ImageDescription" and isinstance(tag.value, str):
            text = tag.value
            if text.strip() and not _generated_description(text):
                return text
    return ""


def _generated_description(text: str) -> bool:
    import json

    from ..imaging.tiff import DISPLAY_HINTS

    try:
        value = json.loads(text)
    except ValueError:
        return text.startswith("ImageJ=")  # ImageJ's own (it describes the stack, not the page)
    return isinstance(value, dict) and ("shape" in value or DISPLAY_HINTS in value)


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and fsync (monkeypatched in tests to simulate ENOSPC)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class NameTaken(RepairError):
    """The output's name was free when it was chosen, and a file has it now (another repair,
    in this process or another, saved under it meanwhile): nothing was written."""


def write_repair_files(out_path: Path, data: bytes, mask_path: Path, mask_data: bytes,
                       new: bool = False) -> None:
    """Write a repair (``data`` to ``out_path``) and its mask as a pair: both in full to
    temporary files first, then the output renamed into place, then the mask. A kill at
    any point leaves no mask under its final name without its output (a killed save
    once left ``.masks/a.repaired-2.mask.png`` with no ``a.repaired-2.png``, and the next
    repair got the output ``a.repaired-2.png`` with the mask ``a.repaired-2.mask-2.png``):
    only temporary files, which :func:`clear_dead_temps` removes, or an output whose mask
    was about to be renamed. Any failure is a :class:`RepairError` naming ``out_path``,
    with no file of the pair left behind. ``new``: ``out_path`` is taken only if no file
    has that name (:func:`_place_new`), else :class:`NameTaken`."""
    temps: list[Path] = []
    placed = False
    try:
        for path, content in ((out_path, data), (mask_path, mask_data)):
            temps.append(_make_temp(path))
            _write_file(temps[-1], content)
        umask = os.umask(0)
        os.umask(umask)
        for tmp in temps:
            os.chmod(tmp, 0o666 & ~umask)
        # the output first: a mask never names a missing output
        if not new:
            os.replace(temps[0], out_path)
        elif not _place_new(temps[0], out_path):  # (the temporary files are discarded below)
            raise NameTaken(f"{out_path}: already exists (saved meanwhile); nothing was written")
        placed = True
        os.replace(temps[1], mask_path)
    except OSError as exc:
        _discard(*temps, *([out_path] if placed else []))
        raise RepairError(save_error(out_path, exc)) from None
    except BaseException:
        _discard(*temps, *([out_path] if placed else []))
        raise


def _place_new(tmp: Path, path: Path) -> bool:
    """Rename ``tmp`` to ``path`` unless a file has that name (then False, ``tmp`` kept).
    The name is claimed by a hard link, which fails where it exists: a rename replaces what
    it finds, and two saves that chose one free name (two repairs of one image, or of
    ``a.jpg`` and ``a.png``, accepted together in two windows or run side by side from a
    script) left one repair under it and the other's record naming the survivor's pixels.
    Where no hard link can be made (FAT, some network shares), checked, then renamed."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError:  # no hard links here
        if os.path.lexists(path):
            return False
        os.replace(tmp, path)
        return True
    os.unlink(tmp)
    return True


def _discard(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


_TEMP = re.compile(r"^\..+\.(\d+)@([A-Za-z0-9_-]*)\.[A-Za-z0-9_]+\.part$")


def clear_dead_temps(folder: Path) -> list[Path]:
    """Remove the temporary files of saves into ``folder`` whose process is gone (see
    :func:`..owner.gone`: on this host, exited; another host's, a day old); those of a
    save still running are left. Returns what it removed (nothing when the folder cannot
    be read)."""
    from ..owner import gone

    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            since = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if gone(m.group(2), int(m.group(1)), since):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def check_folder(path: Path) -> None:
    """Make ``path``'s folder (if need be) and check a file can be written there, before
    anything is: a read-only or missing folder is a :class:`RepairError` naming ``path``
    (the repair's image, not the hidden mask file written beside it)."""
    _temp_beside(path).unlink(missing_ok=True)


def _temp_beside(path: Path) -> Path:
    """A new empty temporary file in ``path``'s folder (made if need be); a folder where
    none can be made is a :class:`RepairError` naming ``path``."""
    try:
        return _make_temp(path)
    except OSError as exc:
        raise RepairError(save_error(path, exc)) from None


def _make_temp(path: Path) -> Path:
    """A new empty ``.NAME.<pid>@<host>.XXXXXXXX.part`` in ``path``'s folder (made if need be)."""
    from ..owner import host_name

    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name  # a long one cut, so that the temporary name fits in a file name too
    name = name if len(name.encode("utf-8", "surrogateescape")) <= 120 else name[:40] + "~"
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}@{host_name()}.", suffix=".part",
                               dir=path.parent)
    os.close(fd)
    return Path(tmp)


def save_error(path: Path, exc: OSError) -> str:
    """Why ``path`` cannot be saved, in words, with what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot save {path}: the disk is full; nothing was written, the original is untouched"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "read-only file system" if exc.errno == errno.EROFS else "permission denied"
        return (f"cannot save {path}: {why}; nothing was written. Choose another output folder "
                f"(the repair_output setting, or --out)")
    blocker = _file_in_the_way(path) if exc.errno in (errno.EEXIST, errno.ENOTDIR) else None
    if blocker is not None:  # ("File exists" read as if the output were there already)
        return (f"cannot save {path}: {blocker} is a file, not a folder; nothing was written. Choose another "
                f"output folder (the repair_output setting, or --out)")
    return f"cannot save {path}: {exc.strerror or exc}; nothing was written"


def _file_in_the_way(path: Path) -> Optional[Path]:
    """The nearest folder of ``path``'s that is a file (what made its folder impossible), if any."""
    for folder in Path(path).parents:
        if folder.is_file():
            return folder
        if folder.is_dir():
            return None
    return None
