"""Thumbnails and their disk cache.

A thumbnail is keyed by sha1(absolute path, size, mtime_ns, file size, inode,
ctime_ns, RENDER_VERSION): editing or replacing a file gives it a new key, so entries
never need invalidating (stale ones are simply never asked for again, and go at the next
prune).  ``RENDER_VERSION`` is raised whenever a thumbnail of some file would look other
than before (a reader or display rendering fixed): the thumbnails, and the remembered
failures, of every earlier version are then made again once.  The inode and ctime catch
a file replaced by one of the same byte size with its mtime kept (``cp -p``,
``rsync -t``, ``tar x``): no program can set ctime, and any write, rename or replace
changes it.  (A ``chmod`` changes it too: that costs one thumbnail made again.)  Files live under two levels of fan-out directories
(``ab/cd/abcd....jpg``) and are written atomically (temporary file + ``os.replace``), so a
reader never sees half a file even with several processes sharing the cache.

A file that cannot be read is remembered as ``<key>.err`` holding the reason; ``get``
raises ImageReadError with it again, without decoding, until the file changes.  Problems
that can go away without the file changing (permission denied, file missing, I/O
errors, a pixel limit the user may raise) are not remembered.

The cache is bounded by :meth:`ThumbnailCache.prune`: least recently used entries go
first.  "Used" is the entry's mtime, which a cache hit refreshes at most once per
``TOUCH_AFTER_S`` (an fstat per hit, a utime per entry per hour); atime is not used, as
``noatime`` and ``relatime`` mounts, Windows and backup tools make it unreliable.

Everything here is safe to call from several threads at once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

from .errors import (
    ImageReadError,
    PathLike,
    from_os_error,
    is_transient,
)
from . import aspect, png16, strip_view, tiff_reduced
from .files import not_regular
from .reader import (
    DEFAULT_MAX_PIXELS,
    _colour_key,
    _pil_meta,
    _pil_orientation,
    load_strict,
    open_pillow,
    open_source,
    read_display_image,
    read_header,
    read_image,
)

log = logging.getLogger(__name__)

JPEG_QUALITY = 85
#: what a thumbnail looks like; raise it when a change of reading or rendering makes any
#: file's thumbnail other than before. 1: the keys before it was in them (16-bit colour
#: and gray+alpha PNGs were Pillow's 8-bit high bytes, a near-black tile for a 12-bit
#: camera's); 2: those PNGs windowed as the viewer shows them; 3: 16-bit gray+alpha PNGs
#: and 16-bit RGBA TIFFs composited over white (their transparent parts were their raw
#: colour, often black); 4: an image of one value or one colour at 16 bits (or float) shown
#: in that colour (it was black: a zero-width stretch); a gray or RGB PNG's transparent
#: colour (tRNS) shown over white (it was shown in its colour); 5: a line-scan strip folded
#: into the square (:mod:`.strip_view`; it was a sliver 1 to 9 pixels across); 6: a gray
#: TIFF's unspecified extra samples are channels, its first one shown (the second was
#: taken for alpha: the tile was nearly white); 7: a DICOM's non-square pixels stretched to
#: their physical shape (:mod:`.aspect`), a gray DICOM saying Presentation LUT Shape INVERSE
#: inverted (both were shown as stored), and a multi-page TIFF of such channels its first
#: page's first channel (the second was alpha); 8: a TIFF, PNG or JPEG whose resolution
#: differs in x and y (a repair of such a DICOM) stretched as a DICOM is (shown squashed);
#: 9: a JPEG or WebP whose unequal resolution is in its EXIF only stretched too (was square)
RENDER_VERSION = 9
TOUCH_AFTER_S = 3600  # a hit marks an entry used when its mark is older than this
PRUNE_TARGET = 0.9  # a cache over its limit is pruned down to this fraction of it
STALE_TMP_S = 86400  # a temporary file this old was left by a crash
STAMP = ".prune-stamp"  # beside the fan-out folders: when the last prune ran, its limit
_FANOUT = re.compile(r"[0-9a-f]{2}")
_ENTRY = re.compile(r"[0-9a-f]{40}\.(?:jpg|err)")
_TMP = re.compile(r"\.tmp-[a-z0-9_]+\.(?:jpg|err)")  # tempfile.mkstemp's names in _store
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
    if im.mode in ("RGB", "L") and _colour_key(im) is not None:  # a PNG's transparent colour (tRNS)
        im = im.convert("RGBA")
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
    """A thumbnail (mode RGB or L, longest side <= ``size``, orientation applied), no cache;
    a line-scan strip folded into the square (:mod:`.strip_view`).

    JPEGs decode at reduced scale (``draft``); TIFF and DICOM files, and 16-bit or float
    ones, are shrunk from their 8-bit display rendering (:func:`read_display_image`: a
    plain 8-bit TIFF as Pillow decoded and turned it, without a trip through numpy); a
    large stripped gray TIFF read a strip at a time, averaged down (:mod:`.tiff_reduced`).
    """
    if size < 1:
        raise ValueError(f"thumbnail size must be positive, got {size}")
    box = (size, size)
    meta = None  # (a TIFF's or a high-depth image's: its pixel spacing, for the stretch below)
    with open_source(path) as (fh, kind):
        if kind == "pillow":
            im = open_pillow(fh, path, max_pixels)
            with im:
                orientation = _pil_orientation(im)
                meta = _pil_meta(im, swap=orientation >= 5)
                # 16-bit gray, and 16-bit colour or gray+alpha PNG (Pillow: 8-bit "RGB"/"RGBA"):
                # windowed as the viewer shows them, below
                if im.mode not in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F") and not png16.deep_colour_channels(im):
                    if im.format in ("JPEG", "MPO") and im.mode in ("RGB", "L"):
                        im.draft(im.mode, box)
                    load_strict(im, path)
                    square = aspect.display_scale(meta) == (1.0, 1.0)
                    # non-square pixels (a resolution unequal in x and y): stretched at full size, then shrunk
                    thumb = strip_view.shrink(_flatten(im), size) if square else _flatten(im)
                    if orientation in _TRANSPOSE:
                        thumb = thumb.transpose(_TRANSPOSE[orientation])
                    if not square:
                        thumb = strip_view.shrink(aspect.stretched(thumb, meta, size), size)
                    return strip_view.fold(thumb, size)
    # a large gray TIFF: read strip by strip, averaged down as it comes (bounded memory)
    thumb = tiff_reduced.reduced_source(path, size, max_pixels)
    # TIFF, DICOM, high bit depth: full decode, then the display rendering
    if thumb is None and kind == "dicom":  # (its pixels stretched where they are not square)
        data = read_image(path, max_pixels=max_pixels)
        thumb = aspect.stretched(Image.fromarray(data.display), data.meta, size)
    else:
        if thumb is None:
            thumb = read_display_image(path, max_pixels=max_pixels)
        thumb = aspect.stretched(thumb, meta or _header_or_none(path, max_pixels), size)
    return strip_view.fold(strip_view.shrink(thumb, size), size)


def _header_or_none(path: PathLike, max_pixels: int | None):
    """``path``'s header (for a TIFF's pixel spacing), or None where it cannot be read
    alone (its pixels were: it is shown square)."""
    try:
        return read_header(path, max_pixels=max_pixels, complete=False)
    except ImageReadError:
        return None


@dataclass
class CacheUsage:
    """What a walk of the cache found (sizes are file sizes)."""

    thumbnails: int = 0
    failures: int = 0  # ``.err`` records
    temporary: int = 0  # being written, or left by a crash
    bytes: int = 0

    @property
    def files(self) -> int:
        return self.thumbnails + self.failures + self.temporary


@dataclass
class PruneResult:
    skipped: bool = False  # no limit, or pruned less than ``min_interval_s`` ago: no walk
    files: int = 0  # entries found (temporary files included)
    bytes: int = 0
    removed_files: int = 0
    removed_bytes: int = 0
    cancelled: bool = False

    @property
    def bytes_left(self) -> int:
        return self.bytes - self.removed_bytes


def _scan(folder: str) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:  # gone meanwhile, or unreadable: nothing of ours to see there
        return []


def _real_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)  # a link may lead out of the cache
    except OSError:
        return False


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
        text = (f"{os.path.abspath(os.fspath(path))}\0{int(size)}\0{st.st_mtime_ns}\0{st.st_size}"
                f"\0{st.st_ino}\0{st.st_ctime_ns}\0r{RENDER_VERSION}")
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
            st = os.stat(path)
        except OSError as exc:
            raise from_os_error(path, exc) from None
        return ThumbnailCache._regular(path, st)

    @staticmethod
    def _regular(path: PathLike, st: os.stat_result) -> os.stat_result:
        if not stat.S_ISREG(st.st_mode):  # a pipe would block the loader; nothing cached
            raise ImageReadError(path, not_regular(st.st_mode))
        return st

    # ------------------------------------------------------------------ lookup
    def get(self, path: PathLike, size: int, larger: tuple[int, ...] = (),
            st: os.stat_result | None = None) -> Image.Image:
        """The thumbnail of ``path`` (RGB or L, longest side <= ``size``).

        Served from disk when cached; otherwise made, stored and returned: from the
        cached thumbnail of one of the sizes ``larger`` if there is one (a smaller grid
        size without decoding a large original again), else from the file.
        Raises ImageReadError for unreadable files (remembered until the file changes,
        unless the failure can pass with the file unchanged: :func:`.errors.is_transient`,
        a missing DICOM decoder among them). ``st``: the file's ``os.stat`` result when
        the caller has just taken it (the grid's loader keeps it as the thumbnail's
        signature): the file is not stat'ed a second time.
        """
        st = self._stat(path) if st is None else self._regular(path, st)
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
            thumb = self._from_larger(path, size, larger, st)
            try:
                if thumb is None:
                    thumb = make_thumbnail(path, size, self.max_pixels)
            except ImageReadError as exc:
                reason = exc.reason.encode()
                if not is_transient(exc.reason):
                    self._store(target.with_suffix(".err"), lambda f: f.write(reason))
                raise
            self._store(target, lambda f: thumb.save(f, "JPEG", quality=self.quality))
            return thumb

    def _from_larger(self, path: PathLike, size: int, larger: tuple[int, ...],
                     st: os.stat_result) -> Image.Image | None:
        for other in sorted(s for s in larger if s > size):
            big = self._load_cached(self.path_for(path, other, st))
            if big is not None:
                big.thumbnail((size, size))  # (a thumbnail under its size was the whole image)
                return big
        return None

    def _load_cached(self, target: Path) -> Image.Image | None:
        try:
            with open(target, "rb") as fh:
                self._mark_used(fh, target)
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
    def _mark_used(fh, target: Path) -> None:
        """Refresh the entry's mtime (its last use, for :meth:`prune`) if over an hour old."""
        try:
            if time.time() - os.fstat(fh.fileno()).st_mtime > TOUCH_AFTER_S:
                os.utime(fh.fileno() if os.utime in os.supports_fd else target)
        except OSError:  # a read-only cache still serves hits
            pass

    @classmethod
    def _raise_cached_error(cls, path: PathLike, target: Path) -> None:
        err = target.with_suffix(".err")
        try:
            with open(err, "rb") as fh:
                cls._mark_used(fh, err)
                reason = fh.read().decode("utf-8", "replace").strip()
        except OSError:
            return
        if reason and is_transient(reason):  # stored by an older version ("needs pylibjpeg
            try:                             # plugins"): the plugin may be installed now
                err.unlink()
            except OSError:
                pass
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

    # ------------------------------------------------------------------ size
    def _walk(self, cancelled: Callable[[], bool] | None = None):
        """(path, size, mtime, temporary) of each regular file of ours: ``xx/yy/<key>.jpg``,
        ``.err`` and ``_store``'s temporary files. Nothing else in the folder is looked
        at, symbolic links are not followed, whatever vanishes meanwhile is skipped."""
        for top in _scan(self.cache_dir):
            if cancelled is not None and cancelled():
                return
            if not (_FANOUT.fullmatch(top.name) and _real_dir(top)):
                continue
            for mid in _scan(top.path):
                if not (_FANOUT.fullmatch(mid.name) and _real_dir(mid)):
                    continue
                prefix = top.name + mid.name
                for entry in _scan(mid.path):
                    name = entry.name
                    temporary = _TMP.fullmatch(name) is not None
                    if not temporary and not (_ENTRY.fullmatch(name) and name.startswith(prefix)):
                        continue
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISREG(st.st_mode):
                        yield entry.path, st.st_size, st.st_mtime, temporary

    def usage(self) -> CacheUsage:
        """Files and bytes in the cache now (one walk)."""
        found = CacheUsage()
        for path, size, _mtime, temporary in self._walk():
            found.bytes += size
            kind = "temporary" if temporary else "failures" if path.endswith(".err") else "thumbnails"
            setattr(found, kind, getattr(found, kind) + 1)
        return found

    def prune(self, max_bytes: int, *, min_interval_s: float = 0,
              cancelled: Callable[[], bool] | None = None) -> PruneResult:
        """Delete least recently used entries (``.err`` ones too) while the cache is over
        ``max_bytes``, down to ``PRUNE_TARGET`` of it; ``max_bytes`` <= 0: no limit.

        Under the limit this costs one walk (a scandir per folder, an lstat per file);
        with ``min_interval_s`` it is skipped altogether when the last prune with the
        same limit finished less than that long ago.  Temporary files a crash left (a
        day old) are deleted too.  Files another process removes or rewrites meanwhile
        are fine: the worst case is a thumbnail made again.  ``cancelled()`` true stops
        it early (no stamp is written then).
        """
        if max_bytes <= 0 or (min_interval_s > 0 and self._pruned_within(max_bytes, min_interval_s)):
            return PruneResult(skipped=True)
        result = PruneResult()
        now = time.time()
        entries = []
        for path, size, mtime, temporary in self._walk(cancelled):
            result.files += 1
            result.bytes += size
            if temporary and now - mtime > STALE_TMP_S:
                self._remove(path, size, result)
            elif not temporary:
                entries.append((mtime, path, size))
        if cancelled is not None and cancelled():
            result.cancelled = True
            return result
        goal = int(max_bytes * PRUNE_TARGET)
        if result.bytes_left > max_bytes:
            entries.sort()  # oldest mark first; the path breaks ties, for a stable order
            for _mtime, path, size in entries:
                if result.bytes_left <= goal:
                    break
                if cancelled is not None and cancelled():
                    result.cancelled = True
                    return result
                self._remove(path, size, result)
        if result.removed_files:
            log.info("thumbnail cache %s: %d file(s), %d bytes removed; %d bytes left",
                     self.cache_dir, result.removed_files, result.removed_bytes, result.bytes_left)
        self._store(self.cache_dir / STAMP, lambda f: f.write(f"{max_bytes}\n".encode()))
        return result

    @staticmethod
    def _remove(path: str, size: int, result: PruneResult) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:  # another process removed it meanwhile: not there after all
            result.files -= 1
            result.bytes -= size
            return
        except OSError as exc:  # open elsewhere (Windows), read-only cache: left in place
            log.debug("cannot remove thumbnail cache entry %s: %s", path, exc)
            return
        result.removed_files += 1
        result.removed_bytes += size

    def _pruned_within(self, max_bytes: int, seconds: float) -> bool:
        stamp = self.cache_dir / STAMP
        try:
            age = time.time() - stamp.stat().st_mtime
            return 0 <= age < seconds and stamp.read_text("ascii").strip() == str(max_bytes)
        except (OSError, ValueError):
            return False

    def clear(self) -> None:
        """Delete every cached thumbnail and failure record."""
        for sub in self.cache_dir.glob("??/??/*"):
            if sub.suffix in (".jpg", ".err"):
                try:
                    sub.unlink()
                except OSError:
                    pass


__all__ = ["JPEG_QUALITY", "RENDER_VERSION", "CacheUsage", "PruneResult", "ThumbnailCache", "make_thumbnail"]
