"""A compressed DICOM no decoder can read says so in one line naming the file, not with
pydicom's tracebacks on stderr (``llmvis suggest --learned`` printed two dozen traceback
lines per such file, naming none, besides its own warning that named it)."""
from __future__ import annotations

import io
import logging

import pytest

from imagegen import bundled_dicom


def _broken_j2k(path):
    import pydicom
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless

    ds = pydicom.dcmread(bundled_dicom("MR_small.dcm"))
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + b"\x00" * 200])  # a J2K start, then nothing sane
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.save_as(path, enforce_file_format=True)
    return path


def _read_logged(path, level):
    """Read ``path`` with the root logger as the CLI sets it (a stderr handler at
    ``level``); return (the error raised, what the handler printed)."""
    from llmvis_desktop.core.imaging.errors import ImageReadError
    from llmvis_desktop.core.imaging.reader import read_image

    root, stream = logging.getLogger(), io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    old = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        with pytest.raises(ImageReadError) as caught:
            read_image(path)
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    return caught.value, stream.getvalue()


def test_undecodable_frame_is_one_message_naming_the_file_not_a_traceback(tmp_path):
    path = _broken_j2k(tmp_path / "série 2 ü.dcm")
    err, printed = _read_logged(path, logging.WARNING)
    # the test extra installs a JPEG 2000 decoder: it must have tried (and failed on) the frame
    assert "could not decode" in str(err), err
    assert "série 2 ü.dcm" in str(err) and "needs a decoder plugin" in str(err)
    assert "Traceback" not in printed, printed
    assert "ERROR" not in printed, printed


def test_debug_logging_still_keeps_the_decoders_traceback(tmp_path):
    path = _broken_j2k(tmp_path / "b.dcm")
    err, printed = _read_logged(path, logging.DEBUG)
    # the test extra installs a JPEG 2000 decoder: it must have tried (and failed on) the frame
    assert "could not decode" in str(err), err
    assert "Traceback" in printed and "DEBUG pydicom.pixels.decoders.base" in printed
