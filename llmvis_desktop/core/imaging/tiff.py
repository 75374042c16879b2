"""Read a TIFF with tifffile: 16-bit, float, multi-page, MinIsWhite and palette TIFFs at
full depth, with the TIFF orientation applied; a truncated file caught at header time
(:func:`_check_data_inside`) and the display hints a repair of a DICOM image writes
(:data:`DISPLAY_HINTS`). A plain 8-bit single-page TIFF is left to Pillow.

Used by :mod:`.reader` (:func:`.reader.read_header`, :func:`.reader.read_image`), which
imports it when it first reads a TIFF, as it does :mod:`.dicom`.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from PIL import Image

from .aspect import tiff_spacing
from .errors import TRUNCATED, ImageReadError, check_size, page_of
from .reader import _HUGE, ImageMeta, _check_frame, _decode_error


def _orient(arr: np.ndarray, orientation: int) -> np.ndarray:
    """Apply a TIFF/EXIF orientation (1-8) to an HxW[xC] array."""
    if orientation in (2, 4, 5, 7):
        arr = arr[:, ::-1] if orientation in (2, 7) else arr[::-1]
    if orientation in (5, 6, 7, 8):  # 5: transpose, 6: rot 90 CW, 7: transverse, 8: rot 90 CCW
        arr = np.swapaxes(arr, 0, 1)
        if orientation in (6, 7):
            arr = arr[:, ::-1]
        elif orientation == 8:
            arr = arr[::-1]
    elif orientation == 3:
        arr = arr[::-1, ::-1]
    return np.ascontiguousarray(arr)


def _tiff_page_info(page) -> tuple[int, int, int, int, str, bool, int]:
    """(width, height, bit_depth, channels, mode, is_float, orientation) of a tifffile page."""
    bits = int(page.bitspersample)
    samples = int(page.samplesperpixel)
    is_float = int(page.sampleformat) == 3
    palette = int(page.photometric) == 3
    depth = 32 if is_float or bits > 16 else (16 if bits > 8 else 8)
    channels = 3 if palette or _is_cmyk(page) else samples
    if palette:
        mode = "P"
    elif channels == 1:
        mode = {8: "L", 16: "I;16"}.get(depth, "F" if is_float else "I")
    else:
        mode = {3: "RGB", 4: "RGBA"}.get(channels, f"{channels}ch") + ("" if depth == 8 else f";{depth}")
    tag = page.tags.get(274)
    orientation = int(tag.value) if tag is not None and 1 <= int(tag.value) <= 8 else 1
    width, height = int(page.imagewidth), int(page.imagelength)
    if orientation >= 5:
        width, height = height, width
    return width, height, depth, channels, mode, is_float, orientation


def _channel_stack(page) -> int:
    """How many channels a gray page (min-is-black or min-is-white) holds as samples whose
    extra ones are unspecified data, not alpha (fluorescence microscopy: DAPI and FITC as
    two 16-bit samples): each is shown as a frame of its own, gray at full depth, as
    ImageJ shows channels (the second was composited as alpha: the image showed nearly
    white). A multi-page file of such pages (a z-stack, a time series) has a frame per
    channel of each page: page 1's channels, then page 2's (only its first page counted
    them: each page showed its second channel as alpha). 0 for any other page: declared
    alpha stays alpha."""
    try:
        extras = [int(e) for e in (page.extrasamples or ())]
        gray = int(page.photometric) in (0, 1)
    except (TypeError, ValueError):
        return 0
    return int(page.samplesperpixel) if gray and extras and not any(extras) else 0


def _is_cmyk(page) -> bool:
    """A separated (CMYK) page of 4 or more samples: read as RGB (:func:`_cmyk_to_rgb`),
    as Pillow reads an 8-bit one; its K channel is no alpha."""
    return int(page.photometric) == 5 and int(page.samplesperpixel) >= 4


def _cmyk_to_rgb(arr: np.ndarray) -> np.ndarray:
    """CMYK (integer samples; extra samples after K dropped) -> RGB of the same type:
    ``R = (max - C) * (max - K) / max``, Pillow's formula at 8 bits."""
    if arr.dtype.kind != "u":
        return arr[:, :, :3]  # float or signed CMYK: no agreed scale; shown as the first three
    top = int(np.iinfo(arr.dtype).max)
    ink = arr[:, :, :3].astype(np.uint64)
    white = top - arr[:, :, 3:4].astype(np.uint64)
    return (((top - ink) * white + top // 2) // top).astype(arr.dtype)


#: the key of the display hints a repair of a DICOM image writes in its TIFF's description
DISPLAY_HINTS = "llmvis_display"


def _display_hints(page) -> tuple[tuple[float, float] | None, bool]:
    """(window, S-curve) a repair of a DICOM image wrote into its TIFF, so that it shows as
    its source did (it was shown through an automatic window, linear: another study)."""
    import json

    try:
        text = page.description or ""
        if DISPLAY_HINTS not in text:
            return None, False
        hints = json.loads(text).get(DISPLAY_HINTS) or {}
        c, w = (float(v) for v in hints.get("window") or ())
        ok = math.isfinite(c) and math.isfinite(w) and w > 0
        return ((c, w) if ok else None), bool(hints.get("sigmoid"))
    except (ValueError, TypeError, AttributeError):
        return None, False


def _check_data_inside(tf, page, path, part: str = "") -> None:
    """Catch a truncated TIFF at header time (the header sits at the start, so it reads
    fine): every strip or tile of the first page must end inside the file. No data is
    read, only the offsets and byte counts the header gives. Decoding a page checks it
    first too, so the viewer says what the index said ("failed to read 524288 bytes,
    got 262016" before)."""
    try:
        size = int(tf.filehandle.size)
        offsets, counts = page.dataoffsets, page.databytecounts
        end = max((int(o) + int(n) for o, n in zip(offsets, counts) if n), default=0)
    except Exception:  # no usable offsets: left to the decoder (Pillow may still read it)
        return
    where = f"{part}: " if part else ""
    if not len(offsets):  # the table of strips or tiles points past the end (tifffile dropped it)
        raise ImageReadError(path, f"{TRUNCATED} ({where}the table of its image data is missing or lies past "
                                   f"the end of the file: the file was cut short)")
    if end > size:
        raise ImageReadError(path, f"{TRUNCATED} ({where}the image data runs to byte {end} but the file has "
                                   f"{size}: the file was cut short)")


def _pixel_bytes(page) -> tuple[int, str] | None:
    """(bytes of pixels the page's header asks for, "strips" or "tiles") for an
    uncompressed page, from its size, depth, samples, planar configuration and strip or
    tile layout alone; None where there is no cheap answer (compressed, subsampled)."""
    if int(page.compression) != 1 or int(page.photometric) == 6:  # YCbCr may be subsampled
        return None
    bits, samples = int(page.bitspersample), int(page.samplesperpixel)
    planes = samples if int(page.planarconfig) == 2 else 1
    per_pixel = bits * (samples // planes)  # a row of each plane is padded to a whole byte
    width, height, depth = int(page.imagewidth), int(page.imagelength), max(1, int(page.imagedepth))
    if page.is_tiled:
        tw, tl, td = int(page.tilewidth), int(page.tilelength), max(1, int(page.tiledepth))
        tiles = -(-width // tw) * -(-height // tl) * -(-depth // td) * planes
        return tiles * td * tl * -(-tw * per_pixel // 8), "tiles"
    return planes * depth * height * -(-width * per_pixel // 8), "strips"


def _described(page) -> str:
    """``4000x4000 16-bit`` (``3x16-bit`` for 3 samples) as the page's header says it."""
    samples = int(page.samplesperpixel)
    each = f"{samples}x{int(page.bitspersample)}-bit" if samples > 1 else f"{int(page.bitspersample)}-bit"
    size = f"{int(page.imagewidth)}x{int(page.imagelength)}"
    depth = int(page.imagedepth)
    return f"{size}x{depth} {each}" if depth > 1 else f"{size} {each}"


def _check_pixel_bytes(page, path, part: str = "") -> None:
    """Catch a header that asks for more pixel bytes than its uncompressed strips or tiles
    hold (a size or bit depth changed by hand, a damaged tag): it was indexed as a good
    image with the false size and failed only when viewed ("failed to read 32000000
    bytes, got 524288"). Only the header's numbers are compared; no data is read."""
    try:
        wanted = _pixel_bytes(page)
        counts = [int(n) for n in page.databytecounts]
    except Exception:  # no usable layout: left to the decoder
        return
    if wanted is None or not counts or 0 in counts:  # a sparse file leaves chunks out
        return
    need, chunks = wanted
    have = sum(counts)
    if have < need:
        where = f"{part}: " if part else ""
        raise ImageReadError(path, f"{TRUNCATED} (the TIFF header is inconsistent with its data: {where}the header "
                                   f"says {_described(page)} = {need:,} bytes of pixels, the {chunks} hold {have:,})")


def _page_array(tf, page) -> np.ndarray:
    """``page.asarray()``; a tiled page that :mod:`.tiff_bands` reads is set together a row
    of tiles at a time: tifffile decoded one whose height is no whole number of tiles into
    a padded array and copied it out (a 2048x60000 RGB TIFF in 256-px tiles: 908 MB at the
    peak for 368 MB of pixels)."""
    from .tiff_bands import bandable, rows

    if not (page.is_tiled and bandable(page)):
        return page.asarray()
    out = None
    for y0, band in rows(tf, page):
        if out is None:
            out = np.zeros((int(page.imagelength),) + band.shape[1:], band.dtype)  # (tiles left out: 0)
        out[y0:y0 + len(band)] = band
    return out


def read_tiff(fh, path, frame, max_pixels, *, decode: bool):
    """Header (and pixels) via tifffile; returns None when Pillow should decode instead."""
    import tifffile

    try:
        with tifffile.TiffFile(fh) as tf:
            frames = len(tf.pages)
            page = tf.pages.first
            width, height, depth, channels, mode, is_float, orientation = _tiff_page_info(page)
            pages, stack = frames, _channel_stack(page)
            if stack:  # each page's channels are frames, each gray: page 1's channels first
                frames, channels = pages * stack, 1
                mode = {8: "L", 16: "I;16"}.get(depth, "F" if is_float else "I")
            check_size(path, width, height, max_pixels)
            # MinIsWhite gray (8 bits or more): kept as stored and shown inverted, like
            # DICOM MONOCHROME1 (Pillow would invert the values themselves)
            white = int(page.photometric) == 0 and channels == 1 and int(page.bitspersample) >= 8
            _check_data_inside(tf, page, path)  # the data must be in the file (no data is read)
            _check_pixel_bytes(page, path)  # and as much of it as the header says
            window, sigmoid = _display_hints(page)
            meta = ImageMeta(width, height, "TIFF", depth, channels, frames, mode, white, sigmoid, window,
                             pixel_spacing=tiff_spacing(page.tags, orientation >= 5))
            pil_ok = (frames == 1 and depth == 8 and not white and window is None
                      and width * height <= (Image.MAX_IMAGE_PIXELS or _HUGE))
            if pil_ok or not decode:
                return (None if pil_ok else meta), None
            _check_frame(path, frame, frames)
            at, channel = divmod(frame, stack) if stack else (frame, 0)
            page = tf.pages[at]
            if at:  # every page has its own size: checked from its header, before decoding
                page_w, page_h, *_, page_turn = _tiff_page_info(page)
                # and its own resolution: the page is shown at its own physical aspect; the
                # meta says the page's size (it said the first page's beside this page's pixels)
                meta = replace(meta, width=page_w, height=page_h,
                               pixel_spacing=tiff_spacing(page.tags, page_turn >= 5))
                check_size(path, page_w, page_h, max_pixels, page_of(at, pages))
                _check_data_inside(tf, page, path, page_of(at, pages))
                _check_pixel_bytes(page, path, page_of(at, pages))
                if stack and _channel_stack(page) != stack:
                    held = int(page.samplesperpixel)
                    raise ImageReadError(path, f"{page_of(at, pages)} holds {held} sample{'s' * (held != 1)} "
                                               f"a pixel, not the {stack} channels of the first page")
            arr = _page_array(tf, page)
            if int(page.planarconfig) == 2 and arr.ndim == 3:
                arr = np.moveaxis(arr, 0, -1)
            if stack and arr.ndim == 3:
                arr = arr[:, :, channel]
            if arr.dtype == np.bool_:  # bilevel: as Pillow shows a page (the window refused booleans)
                arr = (arr if int(page.photometric) != 0 else ~arr).astype(np.uint8) * np.uint8(255)
            if _is_cmyk(page) and arr.ndim == 3:
                arr = _cmyk_to_rgb(arr)
            if int(page.photometric) == 3 and page.colormap is not None:
                arr = (np.moveaxis(page.colormap[:, arr], 0, -1) // 257).astype(np.uint8)
            if arr.ndim == 3 and arr.shape[2] == 1:
                arr = arr[:, :, 0]
            return meta, _orient(arr, _tiff_page_info(page)[6])
    except ImageReadError:
        raise
    except (ValueError, KeyError) as exc:
        if "imagecodecs" in str(exc):  # e.g. LZW without imagecodecs: Pillow can decode it
            fh.seek(0)
            return None, None
        raise _decode_error(path, exc) from None
    except Exception as exc:  # tifffile raises a wide variety on corrupt files
        fh.seek(0)
        if decode:
            return None, None  # give Pillow a chance; it reports its own error
        raise _decode_error(path, exc) from None
