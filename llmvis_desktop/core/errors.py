"""Turning an exception into the short text a user is shown."""
from __future__ import annotations

from typing import Optional


def first_line(exc: BaseException, limit: Optional[int] = None) -> str:
    """The first non-blank line of ``exc``'s message, at most ``limit`` characters; the
    exception's type name when the message is empty (a library's bare ``KeyError()``)."""
    for line in str(exc).splitlines():
        if line.strip():
            line = line.strip()
            return line if limit is None else line[:limit]
    return type(exc).__name__
