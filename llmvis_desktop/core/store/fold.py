"""Text search that ignores case and Unicode normalisation, on both databases.

A name written by a Mac is NFD ("cafe" + a combining accent), one typed elsewhere NFC:
``lower(col) LIKE lower(text)`` found only the items spelled the way the text was typed.
``folded_contains(col, text, folded)`` compares both sides folded the same way in SQL:

* SQLite: ``instr(folded, fold(text)) > 0``, where ``folded`` is the column's stored folded
  copy (``images.caption_folded``, ``images.relpath_folded``: migration 0012, written with
  the column, see models.py): :func:`fold` (NFC, then ``casefold``, so "STRASSE" finds
  "Straße") of the value. It was ``instr(llmvis_fold(col), llmvis_fold(text))``, the
  Python function called on every row: 0.2-0.9 s a query at 100k images, now a few ms
  (``tests/benchmarks/bench_text_search.py``). Without ``folded``, that is still the SQL;
  ``llmvis_fold`` (:func:`fold`) is registered on every connection by ``engine.py``.
* PostgreSQL: ``strpos(F(col), F(text)) > 0`` with ``F(x) = lower(normalize(x, NFC))``
  (``normalize`` is PostgreSQL 13+), and ``replace(.., 'ß', 'ss')`` around it when the
  text holds "ss" or "ß" (PostgreSQL has no casefold before 18); so too a final sigma
  "ς" -> "σ" and a Turkish "İ" lowered to "i" + combining dot -> "i" (which SQLite's fold
  also makes "i": "istanbul" finds "İstanbul" on both). A column is normalised
  only when it is not ASCII, and only for a text that is not ASCII: ``normalize`` on
  every row made the 100k-image search 4x slower (0.12 -> 0.48 s). An ASCII text is
  compared with ``lower(col)`` as before, so "cafe" still finds an NFD "café" there.
  The stored folded copy is not read there (it is written on both databases): that
  would change what PostgreSQL finds ("cafe" finding an NFD "café", lower() vs casefold).

Both drop the characters that show nothing (:data:`INVISIBLE`: a soft hyphen from a PDF,
zero-width spaces and joiners, a BOM) from the text and the column: SQLite's copies are
folded without them (the copies of older rows re-folded once at open: ``refold.RULES``);
PostgreSQL takes them out of a non-ASCII column with ``translate``, so an ASCII text too is compared
through the ``CASE`` on the column's length (an ASCII column, most rows: ``lower(col)`` as
before).

``instr``/``strpos`` need no LIKE escaping and have no pattern length limit (SQLite's
LIKE refused patterns over 50,000 bytes).
"""
from __future__ import annotations

import unicodedata

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import Boolean

SQLITE_FOLD = "llmvis_fold"


#: characters that show nothing, dropped on both sides of a search: a soft hyphen (a
#: caption pasted from a PDF: "inspec\u00adtion" was not found by "inspection"), the zero-width
#: space, non-joiner and joiner, the word joiner, a byte order mark. Stored folded copies
#: made before they were dropped are re-folded once at open (``refold.RULES``).
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_DROP = str.maketrans("", "", INVISIBLE)


def visible(text: str) -> str:
    """``text`` without the :data:`INVISIBLE` characters."""
    return text if text.isascii() else text.translate(_DROP)


def fold(text):
    """The invisible characters dropped, NFC, then casefold (None and non-text pass
    through): the SQLite UDF and the stored copies."""
    if not isinstance(text, str):
        return text
    if text.isascii():
        return text.casefold()
    # a Turkish dotted capital I casefolds to "i" + a combining dot: "istanbul" missed
    # "İstanbul" here while PostgreSQL's lower() found it
    return unicodedata.normalize("NFC", text.translate(_DROP)).casefold().replace(DOTTED_I, "i")


#: what casefold (and some lower()s) make of "İ"
DOTTED_I = "i\u0307"
#: (this, that) pairs PostgreSQL's lower() leaves apart and casefold makes one, replaced
#: on both sides when the folded text holds the second (only non-ASCII columns hold the first)
_PG_SAME = (("ß", "ss"), ("ς", "σ"), (DOTTED_I, "i"))


class folded_contains(ColumnElement):  # noqa: N801 - used like a SQL function
    """``text`` occurs in ``column``, ignoring case and Unicode normalisation."""

    type = Boolean()
    inherit_cache = False  # its SQL depends on the text (ASCII, "ss"): never cached by SQLAlchemy

    def __init__(self, column, text: str, folded=None) -> None:
        from sqlalchemy import literal

        self.column = column
        text = visible(text)
        self.text = literal(text)
        self.ascii = text.isascii()
        folded_text = fold(text)
        self.same = [(a, b) for a, b in _PG_SAME if b in folded_text]
        #: SQLite: the column holding fold(column) (None: fold each row in SQL)
        self.folded = folded
        self.folded_text = literal(folded_text)


@compiles(folded_contains, "sqlite")
def _sqlite(element, compiler, **kw):
    if element.folded is not None:  # the stored copy: no Python call per row
        folded, text = compiler.process(element.folded, **kw), compiler.process(element.folded_text, **kw)
        return f"instr({folded}, {text}) > 0"
    col, text = compiler.process(element.column, **kw), compiler.process(element.text, **kw)
    return f"instr({SQLITE_FOLD}({col}), {SQLITE_FOLD}({text})) > 0"


@compiles(folded_contains)
def _default(element, compiler, **kw):  # PostgreSQL
    col, text = compiler.process(element.column, **kw), compiler.process(element.text, **kw)
    # a non-ASCII column without its invisible characters (the text lost them in Python);
    # an ASCII text: the column otherwise as it is (so "cafe" finds an NFD "café"), else normalised
    shown = f"translate({col}, '{INVISIBLE}', '')"
    other = f"lower({shown})" if element.ascii else f"lower(normalize({shown}, NFC))"
    text = f"lower({text})" if element.ascii else f"lower(normalize({text}, NFC))"
    for a, b in element.same:  # "ß"/"ss", final "ς"/"σ", "i̇"/"i": as casefold (SQLite) has them
        other, text = f"replace({other}, '{a}', '{b}')", f"replace({text}, '{a}', '{b}')"
    return f"strpos(CASE WHEN octet_length({col}) = length({col}) THEN lower({col}) ELSE {other} END, {text}) > 0"
