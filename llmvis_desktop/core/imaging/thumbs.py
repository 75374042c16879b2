"""Thumbnails and their disk cache.

A thumbnail is keyed by sha1(absolute path, size, mtime_ns, file size): editing or
replacing a file gives it a new key, so entries never need invalidating (stale ones are
simply never asked for again).  Files live under two levels of fan-out directories
(``ab/cd/abcd....jpg``) and are written atomically (temporary file + ``os.replace``), so a
reader never sees half a file even with several processes sharing the cache.

A file that cannot be read is remembered as ``<key>.err`` holding the reason; ``get``
raises ImageReadError with it again, without decoding, until the file changes.  Problems
that can go away without the file changing (permission denied, file missing, I/O
errors, a pixel limit the user may raise) are not remembered.

Everything here is safe to call from several threads at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Callable

from PIL import Image

from .errors import (
    BROKEN_SYMLINK,
    FILE_NOT_FOUND,
    IS_DIRECTORY,
    PERMISSION_DENIED,
    ImageReadError,
    PathLike,
    from_os_error,
)
from .reader import (
    DEFAULT_MAX_PIXELS,
    _pil_orientation,
    load_strict,
    open_pillow,
    open_source,
    read_image,
)

log = logging.getLogger(__name__)

JPEG_QUALITY = 85
_TRANSIENT = (PERMISSION_DENIED, FILE_NOT_FOUND, BROKEN_SYMLINK, IS_DIRECTORY)
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _flatten(im: Image.Image) -> Image.Image:
    """Any 8-bit Pillow mode -> "RGB" or "L" (alpha composited over white)."""
    if im.mode in ("RGB", "L"):
        return im
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        rgba = im.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return im.convert("L" if im.mode == "1" else "RGB")


def make_thumbnail(
    path: PathLike, size: int, max_pixels: int | None = DEFAULT_MAX_PIXELS
) -> Image.Image:
    """A thumbnail (mode RGB or L, longest side <= ``size``, orientation applied), no cache.

    JPEGs decode at reduced scale (``draft``); 16-bit, float, multi-page TIFF and DICOM
    go through :func:`read_image` and use its 8-bit display rendering.
    """
    if size < 1:
        raise ValueError(f"thumbnail size must be positive, got {size}")
    box = (size, size)
    with open_source(path) as (fh, kind):
        if kind == "pillow":
            im = open_pillow(fh, path, max_pixels)
            with im:
                if im.mode not in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
                    orientation = _pil_orientation(im)
                    if im.format in ("JPEG", "MPO") and im.mode in ("RGB", "L"):
                        im.draft(im.mode, box)
                    load_strict(im, path)
                    thumb = _flatten(im)
                    thumb.thumbnail(box)
                    if orientation in _TRANSPOSE:
                        thumb = thumb.transpose(_TRANSPOSE[orientation])
                    return thumb
    # high bit depth, TIFF via tifffile, DICOM: full decode, then the display rendering
    thumb = Image.fromarray(read_image(path, max_pixels=max_pixels).display)
    thumb.thumbnail(box)
    return thumb


def _is_transient(reason: str) -> bool:
    return (
        reason in _TRANSIENT
        or reason.startswith(("I/O error", "cannot read file", "image too large"))
    )


class ThumbnailCache:
    """Disk cache of thumbnails under ``cache_dir`` (created if missing)."""

    def __init__(
        self,
        cache_dir: PathLike,
        *,
        max_pixels: int | None = DEFAULT_MAX_PIXELS,
        quality: int = JPEG_QUALITY,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.max_pixels = max_pixels
        self.quality = quality
        # striped locks: two threads asking for the same thumbnail decode it once
        self._locks = [threading.Lock() for _ in range(64)]

    # ------------------------------------------------------------------ keys
    @staticmethod
    def key(path: PathLike, size: int, st: os.stat_result) -> str:
        text = f"{os.path.abspath(os.fspath(path))}\0{int(size)}\0{st.st_mtime_ns}\0{st.st_size}"
        return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()

    def path_for(self, path: PathLike, size: int, st: os.stat_result | None = None) -> Path:
        """Where the thumbnail of ``path`` at ``size`` lives (``st``: its os.stat result)."""
        if st is None:
            st = self._stat(path)
        key = self.key(path, size, st)
        return self.cache_dir / key[:2] / key[2:4] / f"{key}.jpg"

    @staticmethod
    def _stat(path: PathLike) -> os.stat_result:
        try:
            return os.stat(path)
        except OSError as exc:
            raise from_os_error(path, exc) from None

    # ------------------------------------------------------------------ lookup
    def get(self, path: PathLike, size: int) -> Image.Image:
        """The thumbnail of ``path`` (RGB or L, longest side <= ``size``).

        Served from disk when cached; otherwise made, stored and returned.
        Raises ImageReadError for unreadable files (remembered until the file changes).
        """
        st = self._stat(path)
        target = self.path_for(path, size, st)
        cached = self._load_cached(target)
        if cached is not None:
            return cached
        lock = self._locks[int(target.name[:4], 16) % len(self._locks)]
        with lock:
            cached = self._load_cached(target)  # another thread may have made it meanwhile
            if cached is not None:
                return cached
            self._raise_cached_error(path, target)
            try:
                thumb = make_thumbnail(path, size, self.max_pixels)
            except ImageReadError as exc:
                reason = exc.reason.encode()
                if not _is_transient(exc.reason):
                    self._store(target.with_suffix(".err"), lambda f: f.write(reason))
                raise
            self._store(target, lambda f: thumb.save(f, "JPEG", quality=self.quality))
            return thumb

    def _load_cached(self, target: Path) -> Image.Image | None:
        try:
            with open(target, "rb") as fh:
                im = Image.open(fh, formats=("JPEG",))
                im.load()
                return im
        except FileNotFoundError:
            return None
        except Exception as exc:  # a damaged cache entry: drop it and make it again
            log.warning("dropping unreadable thumbnail %s: %s", target, exc)
            try:
                target.unlink()
            except OSError:
                pass
            return None

    @staticmethod
    def _raise_cached_error(path: PathLike, target: Path) -> None:
        try:
            reason = target.with_suffix(".err").read_text("utf-8", "replace").strip()
        except OSError:
            return
        raise ImageReadError(path, reason or "unreadable image (cached failure)")

    @staticmethod
    def _store(target: Path, write: Callable) -> None:
        """Write atomically; a cache that cannot be written only costs speed."""
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            log.warning("cannot write thumbnail cache entry %s: %s", target, exc)
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def clear(self) -> None:
        """Delete every cached thumbnail and failure record."""
        for sub in self.cache_dir.glob("??/??/*"):
            if sub.suffix in (".jpg", ".err"):
                try:
                    sub.unlink()
                except OSError:
                    pass


__all__ = ["JPEG_QUALITY", "ThumbnailCache", "make_thumbnail"]
