"""pydicom's remarks while the index, a thumbnail or the viewer reads a DICOM file.

pydicom says what it tolerated in a file ("Expected explicit VR, but found implicit VR",
"Invalid value for VR IS: '1A'") twice: on its logger and as a Python ``UserWarning``.
Neither names the file, the warning points into pydicom's own source, and the value
quoted can be one of the file's attributes. ``llmvis index`` on the pydicom sample
folder printed six such lines between its own, the window's console the same. The read
itself says what matters: it succeeds, or raises an ImageReadError naming the file and
why. So while this module reads (:func:`reading`), pydicom's log records on that thread
are kept off the log unless debug logging is on (``--debug``: then as DEBUG), and its
``UserWarning`` copies are not shown (the log's copy is the one kept).

A record on another thread (an export's de-identification, which keeps pydicom's words
to say them in its own: ``interchange.pydicom_quiet``) is left as it is.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from typing import Iterator

_LOG = logging.getLogger("pydicom")
_HERE = threading.local()


class _ReadingRemarksToDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(_HERE, "depth", 0):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        # (the app's debug switch sets the root logger's level; pydicom sets its own)
        return logging.getLogger().getEffectiveLevel() <= logging.DEBUG


def _install() -> None:
    if not any(isinstance(f, _ReadingRemarksToDebug) for f in _LOG.filters):
        _LOG.addFilter(_ReadingRemarksToDebug())
    # pydicom.misc.warn_and_log warns from the module that found the problem
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom\.")


_install()


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Within: pydicom's log records on this thread are debug detail (see the module)."""
    _HERE.depth = getattr(_HERE, "depth", 0) + 1
    try:
        yield
    finally:
        _HERE.depth -= 1
