"""pydicom's warnings about a file it reads or writes quote the file's values ("Invalid
value for VR UI: '<the original UID>'"), on its logger and as Python warnings, so while
a DICOM is de-identified they would print the identifiers the export removes to stderr
and the log. :func:`quiet_pydicom` keeps them (this thread's only) and
:func:`in_own_words` says what they were about, quoting nothing.
"""
from __future__ import annotations

import contextlib
import logging
import re
import threading
import warnings
from typing import Iterator

_LOGGER = logging.getLogger("pydicom")
_VR = re.compile(r"\b(AE|AS|AT|CS|DA|DS|DT|FD|FL|IS|LO|LT|OB|OD|OF|OL|OV|OW|PN|SH|SL|SQ|SS|ST|SV|TM|UC|UI|UL|UN|"
                 r"UR|US|UT|UV)\b")
_LOCK = threading.Lock()


class _Keep(logging.Filter):
    """Takes this thread's pydicom log records off the log, keeping their text."""

    def __init__(self, heard: list[str]) -> None:
        super().__init__()
        self.heard, self.thread = heard, threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread:
            return True
        self.heard.append(record.getMessage())
        return False


@contextlib.contextmanager
def quiet_pydicom() -> Iterator[list[str]]:
    """Within: pydicom's log records (this thread's) and pydicom's Python warnings are
    kept in the list yielded, not logged or shown; other warnings are shown as before.
    (pydicom says each problem both ways: the log's copy is the one kept.)"""
    heard: list[str] = []
    keep = _Keep(heard)
    _LOGGER.addFilter(keep)
    try:
        with _LOCK, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield heard
            finally:
                for w in caught:
                    if "pydicom" not in (w.filename or "").replace("\\", "/").split("/"):
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    finally:
        _LOGGER.removeFilter(keep)


def in_own_words(heard: list[str]) -> list[str]:
    """What pydicom said, as at most two warnings that quote no value: which VRs held
    values that do not follow the DICOM standard, and how many other problems it had."""
    vrs: set[str] = set()
    other = 0
    for text in dict.fromkeys(heard):  # the same problem is often said twice (read, write)
        found = _VR.search(text)
        if found:
            vrs.add(found.group(1))
        else:
            other += 1
    out = []
    if vrs:
        out.append(f"the source holds values that do not follow the DICOM standard ({', '.join('VR ' + v for v in sorted(vrs))}); "
                   f"de-identified like any other (pydicom's warnings, which quote them, are not shown)")
    if other:
        out.append(f"pydicom reported {other} other problem(s) reading or writing the source, not shown since "
                   f"they may quote identifying values")
    return out
