"""The "Name" sort's key: natural, case-insensitive order that a database sorts by bytes.

The grid's Name sort ordered by the relative path's bytes: ``B.png`` before ``a.png``,
``img10.png`` before ``img2.png``, ``Äpfel`` after ``zebra``. File managers and labelme
list names naturally. :func:`name_key` gives a text whose plain code-point order (SQLite's
BINARY collation, PostgreSQL's "C"; UTF-8 bytes keep code-point order) is that order, so
the database keeps it in an index (``images.name_key``, migration 0011) and sorts 100k
images without Python.

Per path component (folders first, then the file name, so a folder's images stay together):

* the component folded: NFKD, accents (combining marks) dropped, ``casefold``, so "É"
  sits with "e", before "f", and "B" with "b";
* each run of digits written by value: the count of its significant digits, itself
  preceded by the count of that count's digits, then the digits ("7" -> ``117``,
  "10" -> ``1210``, "007" -> ``117`` too), so img2 < img10 and numbers of any length
  compare by value. Digits sort where ASCII has them: after space and ``.``/``-``,
  before letters and ``_``;
* then, after :data:`END`, the component as written (escaped), which orders names equal
  when folded ("B.png"/"b.png", "007"/"7", "é"/"e") by their code points, and keeps two
  folders that differ only in case apart.

Components are joined by :data:`SEP`. Neither the folded part nor the escaped name holds
:data:`END` or :data:`SEP`, so the key determines the path: distinct paths never have equal
keys. A key over :data:`MAX_CHARS` (paths of several hundred characters; PostgreSQL
refuses an index entry over 2,704 bytes) keeps its first :data:`LONG_PREFIX` characters
and ends with the path's SHA-256 instead.

Changing this function changes stored keys: a new migration must recompute them
(``backfill``), as 0011 computed them first.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

#: ends a component's folded part, before the name as written; sorts below everything
END = "\x01"
#: between path components
SEP = "\x02"
#: escapes END, SEP and itself inside a name as written (a control character in a file name)
ESC = "\x03"
MAX_CHARS = 600  # at most 4 bytes a character: under PostgreSQL's 2,704-byte index entry
LONG_PREFIX = 500

_DIGITS = re.compile(r"\d+")
_LOW = str.maketrans({END: ESC, SEP: ESC})  # in a folded part: END/SEP become ESC (order only)
_ESCAPE = str.maketrans({ESC: ESC + "\x06", END: ESC + "\x04", SEP: ESC + "\x05"})


def _number(match: re.Match) -> str:
    run = match.group()
    if not run.isascii():  # another script's digits (Arabic-Indic...): by value too
        run = "".join(str(unicodedata.decimal(c)) for c in run)
    digits = run.lstrip("0") or "0"
    n = len(digits)
    return f"1{n}{digits}" if n < 10 else f"{len(str(n))}{n}{digits}"


def _fold(name: str) -> str:
    if name.isascii():
        return name.lower()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def _component(name: str) -> str:
    folded = _DIGITS.sub(_number, _fold(name))
    if ESC in name or END in name or SEP in name:
        return folded.translate(_LOW) + END + name.translate(_ESCAPE)
    return folded + END + name


@lru_cache(maxsize=4096)  # a folder's files come one after another
def _ascii_folder(folder: str) -> str:
    return SEP.join([_DIGITS.sub(_number, part.lower()) + END + part for part in folder.split("/")]) + SEP


def name_key(relpath: str) -> str:
    """The Name sort's key of a relative path (``/``-separated): see the module."""
    if relpath.isascii() and relpath.isprintable():  # the common case, 100k at a first index
        folder, _, name = relpath.rpartition("/")
        key = (_ascii_folder(folder) if folder else "") + _DIGITS.sub(_number, name.lower()) + END + name
        if len(key) <= MAX_CHARS:
            return key
    key = SEP.join(_component(part) for part in relpath.split("/"))
    if len(key) <= MAX_CHARS:
        return key
    # the same key cut short (compared as the others up to there), then the path's hash:
    # a full key never holds two ENDs in a row (a component's name as written is not empty)
    digest = hashlib.sha256(relpath.encode("utf-8", "surrogatepass")).hexdigest()
    return key[:LONG_PREFIX] + END + END + digest
