"""Which installed decoder can decompress a compressed DICOM, and why not, in words.

A missing or unsuitable decoder is not the file's fault: its reason starts with
:data:`.errors.NEEDS_DECODER`, which :func:`.errors.is_transient` treats as a failure
that installing a plugin takes away (the index reads the header again, the thumbnail
cache does not remember it). Pillow is the usual only decoder; what it refuses from the
header alone (12-bit JPEG, colour JPEG 2000 over 8 bits) is said before decoding
anything; what it fails on while decoding is said with its own words. Only reading the
pixels needs a decoder: the index reads a compressed file's size, depth and frames from
its tags whatever is installed.
"""

from __future__ import annotations

import sys

from pydicom import uid

from .errors import NEEDS_DECODER, short_detail

_NAMES = {"pillow": "Pillow", "pylibjpeg": "pylibjpeg", "gdcm": "GDCM", "pyjpegls": "pyjpegls"}


_PYDICOM2 = object()  # pydicom 2 cannot be asked which decoders it has


def _decoder(ts):
    """pydicom's decoder for ``ts``; None when there is none, _PYDICOM2 under pydicom 2."""
    try:
        from pydicom.pixels import get_decoder
    except ImportError:  # pragma: no cover - pydicom 2
        return _PYDICOM2
    try:
        return get_decoder(ts)
    except (NotImplementedError, ValueError):
        return None


def _install(ts) -> str:
    """The pip command that brings a decoder for ``ts``; in a packaged (frozen) build,
    which has no pip to run, what the reviewer can do instead."""
    if ts in uid.JPEG2000TransferSyntaxes:
        cmd = "pip install pylibjpeg pylibjpeg-openjpeg"
    elif ts in uid.JPEGTransferSyntaxes or ts in uid.JPEGLSTransferSyntaxes:
        cmd = "pip install pylibjpeg pylibjpeg-libjpeg"
    else:
        cmd = "pip install pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg"
    if getattr(sys, "frozen", False):
        return (f"this packaged build has no such decoder: convert the file to uncompressed DICOM, "
                f"or use llmvis-desktop installed with pip and then {cmd}")
    return cmd


def _needs(ts, why: str) -> str:
    name = getattr(ts, "name", None) or str(ts)
    return f"{NEEDS_DECODER} {name}) needs a decoder plugin: {why}; {_install(ts)}"


def _int(ds, keyword: str, default: int) -> int:
    try:
        return int(ds.get(keyword, default))
    except (TypeError, ValueError):
        return default


def header_problem(ds, ts) -> str | None:
    """Why no installed decoder can read this compressed file, from its header alone
    (cheap: nothing is decoded); None when one may."""
    decoder = _decoder(ts)
    if decoder is _PYDICOM2:
        return None  # found out when decoding
    if decoder is None or not decoder.is_available:
        return _needs(ts, "none is installed for it")
    if tuple(decoder.available_plugins) != ("pillow",):
        return None
    bits = _int(ds, "BitsStored", 8)
    if ts == uid.JPEGExtended12Bit and bits != 8:
        return _needs(ts, f"{bits}-bit JPEG, which Pillow (the only decoder installed) cannot decode")
    if ts in uid.JPEG2000TransferSyntaxes and _int(ds, "SamplesPerPixel", 1) > 1 and bits > 8:
        return _needs(ts, f"{bits}-bit colour JPEG 2000, which Pillow (the only decoder installed) "
                          "cannot decode correctly")
    if ts in uid.JPEG2000TransferSyntaxes and bits > 16:
        return _needs(ts, f"{bits}-bit JPEG 2000, which Pillow (the only decoder installed) cannot decode")
    return None


def decode_failure(ts, exc: BaseException) -> str:
    """The reason for a compressed frame the installed decoders failed on: each one's
    own words, and the plugin to install when one is missing (then transient)."""
    name = getattr(ts, "name", None) or str(ts)
    decoder = _decoder(ts)
    if decoder is _PYDICOM2:  # pragma: no cover - pydicom 2
        return _needs(ts, short_detail(exc))
    if decoder is None or not decoder.is_available:
        return _needs(ts, "none is installed for it")
    # pydicom: "Unable to decode as exceptions were raised by all available plugins:\n  pillow: ..."
    lines = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()]
    said = "; ".join(_named(line) for line in lines if ":" in line) or short_detail(exc)
    if "pylibjpeg" not in decoder.available_plugins and (
        ts in uid.JPEG2000TransferSyntaxes or ts in uid.JPEGTransferSyntaxes or ts in uid.JPEGLSTransferSyntaxes
    ):
        return _needs(ts, said)  # the plugin that decodes more of them is not installed yet
    return f"cannot decode compressed DICOM pixel data ({name}: {said})"


def _named(line: str) -> str:
    """``"pillow: broken data stream"`` -> ``"Pillow could not decode it (broken data stream)"``."""
    label, _, why = line.partition(":")
    who = _NAMES.get(label.strip(), label.strip())
    return f"{who} could not decode it ({short_detail(Exception(why.strip()), 120)})"
