"""The streams `llmvis` writes through (:mod:`.cli` puts them in place around a command):
:class:`NoEscapes` keeps raw control characters off the terminal, :class:`Recorder`
keeps what was written for ``--json``'s failure object (:func:`bare_error` takes the
``llmvis CMD:`` prefix off its last line), :func:`drop_stdout` quiets a closed pipe, and
:func:`legible` escapes what a legacy code page cannot write."""
from __future__ import annotations

import re
import sys

#: C0 control characters but newline, carriage return (the progress bar) and tab (a
#: pattern, not compiled at import: an import a Ctrl+C stopped compiles nothing)
_RAW_CONTROLS = "[\x00-\x08\x0b\x0c\x0e-\x1f]"


class NoEscapes:
    """A stream that writes each C0 control character but newline, carriage return and
    tab as its escape (``\\x1b``): the last guard, for a line naming a file that was not
    passed through :func:`~llmvis_desktop.core.wording.one_line` (an ESC sequence in a
    name cleared the terminal). JSON output holds none raw (json escapes them)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.written = False  # anything but white space (an interrupt's JSON object is printed once)

    def write(self, text):
        self.written = self.written or bool(text.strip())
        if isinstance(text, str) and re.search(_RAW_CONTROLS, text):
            text = re.sub(_RAW_CONTROLS, lambda m: f"\\x{ord(m.group()):02x}", text)
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


class Recorder:
    """A stream that passes writes through and keeps them (``--json`` failures)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)

    @property
    def written(self) -> bool:
        return any(p.strip() for p in self.parts)

    def last_line(self) -> str:
        """The last line written (after any progress bar's carriage return)."""
        lines = [ln.rsplit("\r", 1)[-1].strip() for ln in "".join(self.parts).splitlines()]
        return next((ln for ln in reversed(lines) if ln), "")


def bare_error(line: str) -> str:
    """The message of a stderr error line, for ``--json``'s "error": without the ``error: ``,
    ``llmvis CMD: `` or ``llmvis CMD: error: `` before it, which differed from command to
    command (scripts could not match the same failure)."""
    return re.sub(r"^(?:llmvis(?: [\w-]+)*: )?(?:error: )?", "", line, count=1)


def drop_stdout() -> None:
    """Point stdout at the null device, so the interpreter's flush at exit does not fail
    again on the closed pipe ("Exception ignored ... BrokenPipeError")."""
    import os

    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass


def legible(stream) -> None:
    """Write what ``stream``'s encoding lacks as its escape (``\\u50b7``) instead of failing:
    Windows writes redirected output in its ANSI code page (cp1252), where printing a
    Japanese label or folder name raised UnicodeEncodeError after the command's work was
    done (exit 1, "'charmap' codec can't encode"). A UTF-8 stream is left as it is."""
    import codecs

    try:
        if codecs.lookup(stream.encoding).name != "utf-8":
            stream.reconfigure(errors="backslashreplace")
    except (AttributeError, LookupError, TypeError, ValueError):  # not a text file (a test's capture)
        pass
