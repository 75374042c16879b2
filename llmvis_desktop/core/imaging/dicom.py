"""DICOM through pydicom: header from tags, pixels through the modality LUT, display
through the file's window or VOI LUT (min/max when it has neither, the Pixel Padding
Value left out), MONOCHROME1 or Presentation LUT Shape INVERSE inverted.

Imported lazily by :mod:`.reader`, so pydicom loads only when a DICOM file is read.
"""

from __future__ import annotations

from dataclasses import replace
import logging
import struct
import zlib

import numpy as np
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.errors import BytesLengthException, InvalidDicomError
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from .errors import (
    NO_PIXEL_DATA,
    NOT_DICOM,
    TRUNCATED,
    ImageReadError,
    PathLike,
    check_size,
    from_os_error,
    out_of_range,
    short_detail,
)
from . import dicom_decoders as decoders
from .dicom_quiet import reading
from .dicom_bytes import UNDEFINED, encapsulated_cut, expected_bytes, int_tag, pixel_element, transfer_syntax
from .dicom_tags import dose_scale, first_number, integral, lut_inverse, measured_range, no_image_reason, padding_mask
from .formats import DICOMDIR_REASON, MEDIA_DIRECTORY_UID, is_dicom_name
from .aspect import spacing_of
from .display import to_display
from .reader import ImageMeta

try:  # pydicom >= 3
    from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut
    from pydicom.pixels import pixel_array as _pixel_array
except ImportError:  # pragma: no cover - pydicom 2.x
    from pydicom.pixel_data_handlers.util import (  # type: ignore[no-redef]
        apply_color_lut,
        apply_modality_lut,
        apply_voi_lut,
    )

    _pixel_array = None

_DECODERS_LOG = logging.getLogger("pydicom.pixels.decoders.base")


class _DecoderTracebackToDebug(logging.Filter):
    """pydicom's decoders log each plugin that fails on a frame with its whole traceback
    (``LOGGER.exception``, at ERROR) before raising: a compressed file Pillow could not
    decode printed two dozen traceback lines on stderr under ``llmvis suggest`` and the
    window's console, naming no file. :func:`_decode_frame` turns the failure into an
    ImageReadError naming the file and the decoder's reason, so the traceback is debug
    detail: kept only when debug logging is on (``--debug``), as ``tifffile``'s are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info is None:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        # (the app's debug switch sets the root logger's level; pydicom sets its own to WARNING)
        return logging.getLogger().getEffectiveLevel() <= logging.DEBUG


_DECODERS_LOG.addFilter(_DecoderTracebackToDebug())

def _dataset(fh, path: PathLike, *, header_only: bool):
    """Parse the file; files named .dcm without the DICM preamble are read with force."""
    try:
        try:
            ds = pydicom.dcmread(fh, stop_before_pixels=header_only)
        except InvalidDicomError:
            if not is_dicom_name(path):
                raise ImageReadError(path, NOT_DICOM) from None
            fh.seek(0)
            ds = pydicom.dcmread(fh, stop_before_pixels=header_only, force=True)
            if "Rows" not in ds and "PixelData" not in ds and "SOPClassUID" not in ds:
                raise ImageReadError(path, f"{NOT_DICOM} (no DICM marker, no DICOM tags)")
            _guess_transfer_syntax(ds)
    except ImageReadError:
        raise
    except OSError as exc:
        if exc.errno is not None:
            raise from_os_error(path, exc) from None
        raise ImageReadError(path, f"{TRUNCATED} (DICOM: {short_detail(exc)})") from None
    except (EOFError, ValueError, KeyError, TypeError, struct.error, zlib.error) as exc:
        # (zlib: a deflated file cut short; its own error failed a whole export)
        raise ImageReadError(path, f"{TRUNCATED} (DICOM: {short_detail(exc)})") from None
    if "Rows" not in ds or "Columns" not in ds:
        meta = getattr(ds, "file_meta", None)
        if str(getattr(meta, "MediaStorageSOPClassUID", "")) == MEDIA_DIRECTORY_UID:
            raise ImageReadError(path, f"{NO_PIXEL_DATA}: {DICOMDIR_REASON}")
        raise ImageReadError(path, no_image_reason(ds, NO_PIXEL_DATA))
    ts = transfer_syntax(ds)
    if ts is not None and str(ts).strip() and not ts.is_transfer_syntax:  # (pydicom raised ValueError on it)
        raise ImageReadError(path, f"cannot decode DICOM pixel data: its transfer syntax {str(ts).strip()} is none "
                                   f"the DICOM standard defines (a vendor's private one, or a damaged value)")
    return ds


def _guess_transfer_syntax(ds) -> None:
    """A file without file meta (ACR-NEMA style, a bare dataset) names no transfer syntax,
    so pydicom would not decode its pixels: take the encoding it detected while parsing
    (such files are never compressed). Every read of them failed as "truncated or corrupt"."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        ds.file_meta = meta = FileMetaDataset()
    if "TransferSyntaxUID" in meta:
        return
    encoding = getattr(ds, "original_encoding", None)  # pydicom 3
    if encoding is None or None in encoding:
        encoding = (getattr(ds, "is_implicit_VR", True), getattr(ds, "is_little_endian", True))
    implicit, little = encoding
    if implicit and little is not False:
        meta.TransferSyntaxUID = ImplicitVRLittleEndian
    elif not implicit:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian if little is not False else ExplicitVRBigEndian


def _float_tag(ds, keyword: str, default: float) -> float:
    try:
        value = ds.get(keyword, default)
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _photometric(ds) -> str:
    return str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()


def _meta(ds) -> ImageMeta:
    rows, cols = int_tag(ds, "Rows", 0), int_tag(ds, "Columns", 0)
    frames = max(1, int_tag(ds, "NumberOfFrames", 1))
    samples = int_tag(ds, "SamplesPerPixel", 1)
    bits = int_tag(ds, "BitsAllocated", 16)
    photometric = _photometric(ds)
    if photometric == "PALETTE COLOR":
        channels, depth, stored, rescale = 3, 8, None, None
    else:
        # the depth the file stores (a fractional rescale slope makes the pixels float32:
        # a 16-bit CT was called "DICOM 32-bit"), with its Bits Stored and rescale said apart
        channels = samples
        depth = 32 if bits > 16 else (16 if bits > 8 else 8)
        stored = int_tag(ds, "BitsStored", bits)
        stored = stored if 0 < stored < bits else None
        rescale = _rescale(ds) if samples == 1 else None
    return ImageMeta(cols, rows, "DICOM", depth, channels, frames, photometric, sigmoid=_sigmoid(ds),
                     modality=str(ds.get("Modality", "") or "").strip().upper(), rescale_type=_rescale_type(ds),
                     stored_bits=stored, rescale=rescale, lut_inverse=lut_inverse(ds, channels),
                     pixel_spacing=spacing_of(ds), dose_scale=dose_scale(ds) if samples == 1 else None)


def _rescale(ds) -> tuple[float, float] | None:
    """(slope, intercept) of the stored values to modality values: top level, else an
    Enhanced object's first frame's pixel value transformation; None when (1, 0) or when
    a Modality LUT stands in its place."""
    if "ModalityLUTSequence" in ds:
        return None
    source = ds
    if "RescaleSlope" not in ds and "RescaleIntercept" not in ds:
        source = _functional(ds, 0, "PixelValueTransformationSequence")
        if source is None:
            return None
    slope, intercept = _float_tag(source, "RescaleSlope", 1.0), _float_tag(source, "RescaleIntercept", 0.0)
    return None if (slope, intercept) == (1.0, 0.0) else (slope, intercept)


def _rescale_type(ds) -> str:
    """What the modality values are in ("HU" for CT): top level, else an Enhanced object's
    first frame's pixel value transformation; "" when the file does not say."""
    value = ds.get("RescaleType")
    if value is None:
        item = _functional(ds, 0, "PixelValueTransformationSequence")
        value = item.get("RescaleType") if item is not None else None
    return str(value or "").strip().upper()


def _sigmoid(ds) -> bool:
    """Whether the window is applied as the standard's SIGMOID curve (some mammography and
    radiography): VOI LUT Function at the top level, else an Enhanced object's first frame."""
    value = ds.get("VOILUTFunction")
    if value is None:
        item = _functional(ds, 0, "FrameVOILUTSequence")
        value = item.get("VOILUTFunction") if item is not None else None
    return str(value or "").strip().upper() == "SIGMOID"


#: what pydicom raises when a damaged element is first read (a length that is no whole
#: number of values, a value representation DICOM has none of): the index said "unexpected
#: error" of such a file and an export of the project failed on it
_DAMAGED = (BytesLengthException, NotImplementedError)


def header(fh, path: PathLike, max_pixels: int | None) -> ImageMeta:
    with reading():  # pydicom's remarks on the file: debug detail (dicom_quiet)
        try:
            return _header(fh, path, max_pixels)
        except _DAMAGED as exc:
            raise ImageReadError(path, f"{TRUNCATED} (DICOM: {short_detail(exc)})") from None


def _header(fh, path: PathLike, max_pixels: int | None) -> ImageMeta:
    ds = _dataset(fh, path, header_only=True)
    meta = _meta(ds)
    check_size(path, meta.width, meta.height, max_pixels)
    _check_pixel_bytes(ds, fh, path)
    if not _native(ds):  # compressed: can an installed decoder read it? (nothing decoded)
        problem = decoders.header_problem(ds, transfer_syntax(ds))
        if problem is not None:
            meta = replace(meta, undecodable=problem)
    return meta


def _check_decoder(ds, ts, path: PathLike) -> None:
    """Reading the pixels of a compressed file no installed decoder can read fails with
    the reason, found from the header alone (the index does not ask: it needs no pixels)."""
    problem = decoders.header_problem(ds, ts)
    if problem is not None:
        raise ImageReadError(path, problem)


def _native(ds) -> bool:
    """Whether the pixel data is stored plainly (not compressed, not deflated), so its
    length follows from the header's size, depth, samples and frames."""
    ts = transfer_syntax(ds)
    if ts is not None and getattr(ts, "is_compressed", False):
        return False
    return ts is None or str(ts) != "1.2.840.10008.1.2.1.99"  # deflated: checked when decoded


def _short(path: PathLike, expected: int, held: int) -> ImageReadError:
    """Pixel data cut short: the same words at index time and when viewed."""
    return ImageReadError(path, f"{TRUNCATED} (DICOM pixel data needs {expected} bytes, the file holds {max(held, 0)})")


def _check_pixel_bytes(ds, fh, path: PathLike) -> None:
    """An uncompressed file must still hold all its pixel bytes after the header, and its
    pixel data element must say a length that holds them: a truncated DICOM, or one whose
    element length is corrupt (read as no pixel data at all), is caught at index time
    without decoding it.

    A compressed file is not checked here, and a missing decoder is not a header failure:
    its size, depth, frames and modality come from the tags alone, so it is indexed with
    them; only its pixels need the decoder, which :func:`read` says ("needs a decoder
    plugin", retried once one is installed)."""
    if not _native(ds):
        ts = transfer_syntax(ds)
        if ts is not None and getattr(ts, "is_compressed", False):
            _check_items(ds, fh, path)
        return
    expected = expected_bytes(ds)
    try:
        here = fh.tell()  # stop_before_pixels leaves the file at the pixel data element
        fh.seek(0, 2)
        remaining = fh.tell() - here
        fh.seek(here)
        element = pixel_element(ds, fh)
    except (OSError, struct.error):
        return
    if remaining == 0 and expected:  # the header ends the file: no pixel data element at all
        raise ImageReadError(path, NO_PIXEL_DATA)
    head, length = element or (0, None)
    if length == UNDEFINED:  # pydicom reads it as a sequence of items: it found no pixels
        raise ImageReadError(path, f"{TRUNCATED} (the DICOM pixel data element's length is invalid: it says "
                                   f"'undefined', which only compressed data may; the pixels need {expected} bytes)")
    if remaining - head < expected:
        raise _short(path, expected, remaining - head)
    if length is not None and length < expected:
        raise ImageReadError(path, f"{TRUNCATED} (the DICOM pixel data element's length is invalid: it says "
                                   f"{length} bytes, the pixels need {expected})")


def _check_items(ds, fh, path: PathLike) -> None:
    """Compressed pixel data must reach its end marker within the file: cut short, pydicom
    reads the file as an empty dataset (the viewer said "its image is missing (no rows,
    columns or pixel data)", the index listed it, an export wrote it without pixels)."""
    try:
        here = fh.tell()
        fh.seek(0, 2)
        end = fh.tell()
        fh.seek(here)
        element = pixel_element(ds, fh)
        why = encapsulated_cut(fh, end) if element is not None and element[1] == UNDEFINED else None
        fh.seek(here)
    except (OSError, struct.error):
        return
    if why:
        raise ImageReadError(path, f"{TRUNCATED} (the compressed DICOM pixel data is cut short: {why})")


def _header_failure(fh, path: PathLike) -> None:
    """Raise the header pass's reason, if it finds one, for a file whose full read found
    no or too few pixel bytes: the viewer then says what the index said (it said "DICOM
    has no pixel data" of a file whose pixel data element's length is corrupt)."""
    fh.seek(0)
    _check_pixel_bytes(_dataset(fh, path, header_only=True), fh, path)


def _pixels_short(ds) -> bool:
    if not _native(ds):
        return False
    for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        value = ds.get(keyword)
        if value is not None:
            return isinstance(value, bytes) and len(value) < expected_bytes(ds)
    return True


def _frames_header(fh, path: PathLike):
    """The header of a multi-frame file whose frames are read one at a time from the file
    (:func:`_decode_frame` given ``fh``), its pixel bytes checked; None for any other file
    (read whole, as before). Stepping through an Enhanced CT's slices or a cine loop read
    the whole pixel data for each frame (112 MB held for 0.5 MB of a 200-frame file)."""
    if _pixel_array is None:  # pydicom 2.x reads frames from a dataset only
        return None
    try:
        ds = _dataset(fh, path, header_only=True)
        here = fh.tell()
        element = pixel_element(ds, fh)  # (None: no pixel data here, or an unknown encoding)
        fh.seek(here)
    except (ImageReadError, OSError, struct.error):
        element = None
    ts = transfer_syntax(ds) if element is not None else None
    if ts is None or int_tag(ds, "NumberOfFrames", 1) <= 1 or str(ts) == "1.2.840.10008.1.2.1.99":
        fh.seek(0)  # (deflated: the pixels lie in the compressed stream)
        return None
    _check_pixel_bytes(ds, fh, path)  # a cut or corrupt file says what the index said
    return ds


def _decode_frame(ds, path: PathLike, frame: int, frames: int, fh=None) -> np.ndarray:
    """Decode ``frame`` from ``ds``; with ``fh`` (``ds`` a header: :func:`_frames_header`),
    from the file, reading that frame's bytes only."""
    if fh is None and "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise ImageReadError(path, NO_PIXEL_DATA)
    ts = transfer_syntax(ds)
    compressed = ts is not None and getattr(ts, "is_compressed", False)
    if compressed:
        _check_decoder(ds, ts, path)
    try:
        if fh is not None:  # (the transfer syntax given: a file without file meta names none)
            return _pixel_array(fh, index=frame, transfer_syntax_uid=ts)
        if _pixel_array is not None:
            return _pixel_array(ds, index=frame)
        arr = ds.pixel_array
        return arr[frame] if frames > 1 else arr
    except (RuntimeError, NotImplementedError, ImportError) as exc:
        if compressed:  # the decoders' own words (each said "needs plugins" before)
            raise ImageReadError(path, decoders.decode_failure(ts, exc)) from None
        raise ImageReadError(path, f"cannot decode DICOM pixel data ({short_detail(exc)})") from None
    except (ValueError, EOFError, IndexError, KeyError, TypeError, AttributeError, struct.error) as exc:
        raise ImageReadError(path, f"{TRUNCATED} (DICOM: {short_detail(exc)})") from None


def _tag_window(ds) -> tuple[float, float] | None:
    if "WindowCenter" not in ds or "WindowWidth" not in ds:
        return None
    try:
        center, width = first_number(ds.WindowCenter), first_number(ds.WindowWidth)
    except (TypeError, ValueError, IndexError):
        return None
    return (center, width) if width > 0 else None


def _functional(ds, frame: int, sequence: str):
    """An Enhanced (multi-frame) object's ``sequence`` item for ``frame``: from the
    frame's own functional groups, else the shared ones; None when there is none.
    Modern CT/MR put their rescale and window there, not at the top level."""
    for groups, index in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        seq = ds.get(groups)
        if seq and index < len(seq):
            item = seq[index].get(sequence)
            if item:
                return item[0]
    return None


def _modality(arr: np.ndarray, ds, frame: int) -> np.ndarray:
    """Stored values -> modality values (CT: Hounsfield units): the top-level LUT or
    rescale, or an Enhanced object's per-frame/shared pixel value transformation."""
    if "RescaleSlope" in ds or "RescaleIntercept" in ds or "ModalityLUTSequence" in ds:
        return apply_modality_lut(arr, ds)
    item = _functional(ds, frame, "PixelValueTransformationSequence")
    if item is None or ("RescaleSlope" not in item and "RescaleIntercept" not in item):
        return arr
    slope, intercept = float(item.get("RescaleSlope", 1.0)), float(item.get("RescaleIntercept", 0.0))
    if slope == 1.0 and intercept == 0.0:
        return arr
    return arr.astype(np.float64) * slope + intercept


def _frame_window(ds, frame: int) -> tuple[float, float] | None:
    """The file's window for ``frame``: top level, else an Enhanced object's frame VOI."""
    used = _tag_window(ds)
    if used is None:
        item = _functional(ds, frame, "FrameVOILUTSequence")
        used = _tag_window(item) if item is not None else None
    return used


def _voi_lut_display(pixels: np.ndarray, ds) -> tuple[np.ndarray, tuple[float, float]] | None:
    """Display through the first VOI LUT, and the input window it roughly spans."""
    seq = ds.get("VOILUTSequence")
    if not seq:
        return None
    try:
        entries, first, bits = (int(v) for v in seq[0].LUTDescriptor)
        out = apply_voi_lut(pixels, ds, prefer_lut=True)
    except Exception:  # malformed LUT: fall back to min/max
        return None
    top = float(2 ** (bits or 16) - 1)
    entries = entries or 65536
    return to_display(out, (top / 2.0, top)), (first + entries / 2.0, float(entries))


def read(fh, path: PathLike, frame: int, max_pixels: int | None, window, default_window=None):
    """Returns (pixels, display, meta, window used). ``window`` overrides the file's
    window or VOI LUT; ``default_window`` replaces min/max where the file has neither."""
    with reading():  # pydicom's remarks on the file: debug detail (dicom_quiet)
        try:
            return _read(fh, path, frame, max_pixels, window, default_window)
        except _DAMAGED as exc:  # (a decoder's own NotImplementedError is said by _decode_frame)
            raise ImageReadError(path, f"{TRUNCATED} (DICOM: {short_detail(exc)})") from None


def _read(fh, path: PathLike, frame: int, max_pixels: int | None, window, default_window=None):
    ds = _frames_header(fh, path)
    whole = ds is None
    if whole:
        try:
            ds = _dataset(fh, path, header_only=False)
        except ImageReadError as exc:
            # ("DICOM has no pixel data: CT Image object, ...": what the object is follows)
            if exc.reason.startswith((NO_PIXEL_DATA, TRUNCATED)):
                _header_failure(fh, path)
            raise
    meta = _meta(ds)
    check_size(path, meta.width, meta.height, max_pixels)
    if whole and _pixels_short(ds):
        _header_failure(fh, path)
    if not 0 <= frame < meta.frames:
        raise ImageReadError(path, out_of_range(frame, meta.frames, "frame"))
    arr = _decode_frame(ds, path, frame, meta.frames, None if whole else fh)
    photometric = meta.mode
    if photometric == "PALETTE COLOR":
        try:
            rgb = apply_color_lut(arr, ds)
        except (ValueError, KeyError, IndexError, AttributeError) as exc:  # a raw ValueError before
            raise ImageReadError(path, f"DICOM palette colour image whose colour tables are missing or "
                                       f"damaged ({short_detail(exc)})") from None
        pixels = (rgb >> 8).astype(np.uint8) if rgb.dtype.itemsize > 1 else rgb.astype(np.uint8)
        display = to_display(pixels, window) if window else pixels
        return pixels, display, meta, window
    if arr.ndim == 3 and meta.channels > 1:  # RGB (pydicom converts YBR to RGB)
        if arr.dtype == np.uint8 and window is None:
            return arr, arr, meta, None
        used = window or (float(arr.max()) / 2.0, float(arr.max()) or 1.0)
        return arr, to_display(arr, used), meta, used
    pixels = integral(_modality(arr, ds, frame))
    padding = padding_mask(arr, ds)
    if padding is not None and not padding.all():  # the viewer's Auto and Full range leave it out too
        meta = replace(meta, padding=(float(pixels[padding].min()), float(pixels[padding].max())))
    used = window or _frame_window(ds, frame)
    voi = None if used else _voi_lut_display(pixels, ds)
    if voi is not None:
        display, used = voi
    else:
        used = used or default_window
        if used is None:
            lo, hi = measured_range(pixels, padding)
            used = ((lo + hi) / 2.0, (hi - lo) or 1.0)
        display = to_display(pixels, used, invert=meta.inverted, sigmoid=meta.sigmoid)
    if voi is not None and meta.inverted:
        display = 255 - display
    return pixels, display, meta, used
