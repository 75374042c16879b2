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

``instr``/``strpos`` need no LIKE escaping and have no pattern length limit (SQLite's
LIKE refused patterns over 50,000 bytes).
"""
from __future__ import annotations

import unicodedata

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import Boolean

SQLITE_FOLD = "llmvis_fold"


def fold(text):
    """NFC, then casefold (None and non-text pass through): the SQLite UDF."""
    if not isinstance(text, str):
        return text
    if text.isascii():
        return text.casefold()
    # a Turkish dotted capital I casefolds to "i" + a combining dot: "istanbul" missed
    # "İstanbul" here while PostgreSQL's lower() found it
    return unicodedata.normalize("NFC", text).casefold().replace(DOTTED_I, "i")


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
    # an ASCII text: the column as it is (so "cafe" finds an NFD "café"), else normalised
    other = f"lower({col})" if element.ascii else f"lower(normalize({col}, NFC))"
    text = f"lower({text})" if element.ascii else f"lower(normalize({text}, NFC))"
    for a, b in element.same:  # "ß"/"ss", final "ς"/"σ", "i̇"/"i": as casefold (SQLite) has them
        other, text = f"replace({other}, '{a}', '{b}')", f"replace({text}, '{a}', '{b}')"
    if element.ascii and not element.same:
        return f"strpos(lower({col}), {text}) > 0"
    return f"strpos(CASE WHEN octet_length({col}) = length({col}) THEN lower({col}) ELSE {other} END, {text}) > 0"
