"""Small wording helpers for sentences shown to the user (no Qt)."""
from __future__ import annotations

from typing import Optional


def plural(n: int, word: str, many: Optional[str] = None) -> str:
    """``word`` for one, else ``many`` (default ``word + "s"``): "1 more reviewed image",
    "2 more reviewed images" (the bare number is the caller's)."""
    return word if n == 1 else (many or word + "s")


#: characters that reorder or break the text they sit in: bidirectional embeddings,
#: overrides and isolates (U+202E turns "gnp.exe" round), line and paragraph separators
_INVISIBLE = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

#: said with a name shown by :func:`visible_name` when it differs (the grid's tooltip)
CONTROL_NOTE = "(control characters in the name are shown escaped: \\t tab, \\n newline, \\xNN others)"


def visible_name(text: str) -> str:
    """A file name as one line that shows what it holds: a control character escaped as
    Python writes it (tab ``\\t``, newline ``\\n``, ESC ``\\x1b``, DEL ``\\x7f``, a C1
    control ``\\x85``), a character of :data:`_INVISIBLE` as ``\\u202e``; a name without
    any is returned as it is (the grid showed ``tab\\there.png`` as "tab…png" and wrapped
    a newline into two clipped lines). Escapes, not the Control Pictures symbols: the
    fonts of many Linux desktops (DejaVu) have no glyph for those, and drew boxes."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif ch in _INVISIBLE:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
