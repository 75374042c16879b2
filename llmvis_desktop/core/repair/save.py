"""How a repair is written to disk: its lossless format (:func:`output_format`), the
encoded bytes (:func:`encode`, keeping a TIFF source's resolution and description and
a DICOM source's display hints) and the atomic write through a temporary file
(:func:`atomic_write`), whose failures are said in words (:func:`save_error`).
Used by :func:`.apply.repair_file`.
"""
from __future__ import annotations

import errno
import io
import os
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from . import RepairError


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
    description for the reader (:data:`..imaging.tiff.DISPLAY_HINTS`). ``tiff_meta``: a
    TIFF source's resolution, unit and description (:func:`tiff_source_meta`), kept in a
    TIFF output."""
    buf = io.BytesIO()
    if fmt == "png":
        from PIL import Image

        Image.fromarray(pixels).save(buf, format="PNG")
    else:
        import tifffile

        if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
            photometric = "rgb"
        else:
            photometric = "miniswhite" if inverted else "minisblack"
        extra = {}
        if hints:
            import json

            from ..imaging.tiff import DISPLAY_HINTS

            extra = {"description": json.dumps({DISPLAY_HINTS: hints}), "metadata": None}
        meta = tiff_meta or {}
        if meta.get("resolution"):
            extra["resolution"] = meta["resolution"]
            extra["resolutionunit"] = meta.get("resolutionunit")
        if meta.get("description") and "description" not in extra:
            extra.update(description=meta["description"], metadata=None)
        tifffile.imwrite(buf, pixels, photometric=photometric, compression="zlib", **extra)
    return buf.getvalue()


def tiff_source_meta(path: Path, frame: int = 0) -> dict:
    """A TIFF's resolution (x, y as rationals), its unit and its own description, from page
    ``frame``, to keep in its repair; {} for any other file or what cannot be read. A
    description tifffile or llmvis wrote (shape JSON, display hints) is not the source's
    own and is left out."""
    try:
        import tifffile

        with tifffile.TiffFile(path) as t:
            page = t.pages[min(int(frame), len(t.pages) - 1)]
            tags = page.tags
            out: dict = {}
            x, y, unit = tags.get("XResolution"), tags.get("YResolution"), tags.get("ResolutionUnit")
            if x is not None and y is not None:
                out["resolution"] = (tuple(x.value), tuple(y.value))
                out["resolutionunit"] = int(unit.value) if unit is not None else 2  # TIFF default: inch
            desc = tags.get("ImageDescription")
            text = desc.value if desc is not None and isinstance(desc.value, str) else ""
            if text.strip() and not _generated_description(text):
                out["description"] = text
            return out
    except Exception:  # not a TIFF, or unreadable tags: nothing to keep
        return {}


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


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder (created if need be);
    any failure (a read-only folder, a full disk) is a :class:`RepairError` naming ``path``,
    with nothing left behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise RepairError(save_error(path, exc)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        _write_file(tmp_path, data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise RepairError(save_error(path, exc)) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def save_error(path: Path, exc: OSError) -> str:
    """Why ``path`` cannot be saved, in words, with what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot save {path}: the disk is full; nothing was written, the original is untouched"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "read-only file system" if exc.errno == errno.EROFS else "permission denied"
        return (f"cannot save {path}: {why}; nothing was written. Choose another output folder "
                f"(the repair_output setting, or --out)")
    return f"cannot save {path}: {exc.strerror or exc}; nothing was written"
