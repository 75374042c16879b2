"""Open an image file for reading, refusing anything that is not a regular file.

Opening a named pipe (FIFO) for reading blocks until some other process opens it for
writing, and reading a character device (``/dev/zero``, a terminal) may never end; a
folder of images can hold either (a link to ``/dev``, a pipe someone left named
``x.png``).  Every open of an image file goes through :func:`open_regular`, which opens
without blocking (``O_NONBLOCK``), checks the open file with ``fstat`` and only then
hands it back, so such a file becomes an :class:`ImageReadError` at once.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from .errors import IS_DIRECTORY, NOT_REGULAR, ImageReadError, PathLike, from_os_error

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX; Windows has no FIFOs in its folders


class _Special(Exception):
    """Raised by the opener for a file that is not a regular one (its ``st_mode``)."""


def _opener(path, flags: int) -> int:
    """open()'s opener: without blocking, and only a regular file."""
    fd = os.open(path, flags | _NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _Special(mode)
        if _NONBLOCK:  # a regular file ignores O_NONBLOCK; cleared all the same, for plain reads
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def not_regular(mode: int) -> str:
    """The reason a file of ``mode`` (an ``st_mode``) is not read as an image."""
    if stat.S_ISDIR(mode):
        return IS_DIRECTORY
    if stat.S_ISFIFO(mode):
        kind = "a named pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "a special file"
    return f"{NOT_REGULAR} ({kind})"


def open_regular(path: PathLike) -> BinaryIO:
    """``open(path, "rb")`` for a regular file (links followed); never blocks.

    Raises ImageReadError naming the file for a pipe, device, socket or folder, and
    for the OS errors of opening (missing, permission denied...)."""
    if not _NONBLOCK:  # no O_NONBLOCK (Windows): look before opening
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise from_os_error(path, exc) from None
        if not stat.S_ISREG(mode):
            raise ImageReadError(path, not_regular(mode))
    try:
        return open(path, "rb", opener=_opener)  # the file's name stays ``path`` (tifffile uses it)
    except _Special as exc:
        raise ImageReadError(path, not_regular(exc.args[0])) from None
    except OSError as exc:
        raise from_os_error(path, exc) from None
