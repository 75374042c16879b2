"""Small wording helpers for sentences shown to the user (no Qt)."""
from __future__ import annotations

import re
from typing import Optional


def took(seconds: float) -> str:
    """``65`` -> ``"1 min 05 s"``: a time as the Jobs panel and the jobs' notes say it."""
    s = int(round(max(0.0, seconds)))
    if s >= 3600:
        return f"{s // 3600} h {(s % 3600) // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


def plural(n: int, word: str, many: Optional[str] = None) -> str:
    """``word`` for one, else ``many`` (default ``word + "s"``): "1 more reviewed image",
    "2 more reviewed images" (the bare number is the caller's)."""
    return word if n == 1 else (many or word + "s")


#: said with a name shown by :func:`visible_name` when it differs (the grid's tooltip)
CONTROL_NOTE = "(control and invisible characters in the name are shown escaped: \\t tab, \\n newline, \\xNN or \\uNNNN others)"


#: characters a terminal acts on or that break a line: C0 controls (ESC, newline, carriage
#: return, tab...), DEL, C1 controls (0x9b is a one-byte CSI), the Unicode line and
#: paragraph separators and the bidirectional overrides (which reorder what is shown)
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: "re.Match[str]") -> str:
    ch = match.group()
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def one_line(text: str) -> str:
    """``text`` (a file name, or a line naming one) as one line a terminal shows as it is:
    each control character written as its escape (``\\x1b``, ``\\n``), and a byte that
    is not UTF-8 (a lone surrogate of a name) as ``\\xff``. A name holding ESC[2J cleared
    the screen; one holding a newline faked a line of its own ("warning: ...")."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROLS.sub(_escaped, text) if _CONTROLS.search(text) else text


#: characters a window draws as nothing in a name: a soft hyphen, the zero-width space,
#: non-joiner and joiner, the word joiner, a byte order mark (as search ignores them:
#: ``store/fold.INVISIBLE``). "CT_s\u00admall.dcm" was drawn as "CT_small.dcm", the same
#: text as another file's.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def visible_name(text: str) -> str:
    """A file name as the window shows it: :func:`one_line` (the grid showed
    ``tab\\there.png`` as "tab…png" and wrapped a newline into two clipped lines), and
    the characters drawn as nothing escaped too (a soft hyphen as ``\\xad``). Escapes, not the Control
    Pictures symbols: the fonts of many Linux desktops (DejaVu) have no glyph for those,
    and drew boxes."""
    text = one_line(text)
    return _INVISIBLE.sub(_escaped, text) if _INVISIBLE.search(text) else text


def model_short_name(model_id) -> str:
    """A model as the cards and the History name it: a local folder by its name
    ("/data/models/tiny-clip" -> "tiny-clip"), a Hugging Face cache folder by its id
    (".../models--openai--clip-vit-base-patch32/snapshots/<hash>" ->
    "openai/clip-vit-base-patch32"); an id ("org/name", "learned:...") as it is. The
    stored provenance keeps the whole; the GUI gives it as the tooltip."""
    text = str(model_id or "")
    if not (text.startswith(("/", "~", "\\\\")) or re.match(r"[A-Za-z]:[\\/]", text)):
        return text
    parts = [p for p in re.split(r"[\\/]+", text) if p]
    for part in parts:
        cached = hf_cache_id(part)
        if cached:
            return cached
    return parts[-1] if parts else text


def hf_cache_id(folder_name: str) -> str:
    """The model id a Hugging Face cache repo folder stands for ("models--org--name" ->
    "org/name"); "" for any other folder name."""
    if not folder_name.startswith("models--") or len(folder_name) <= len("models--"):
        return ""
    return folder_name[len("models--"):].replace("--", "/")


def second_label_example(have: str) -> str:
    """A second label to suggest, quoted, beside a taxonomy's only label ``have`` (a
    one-label CLIP-style labeler's refusal): 'ok', or 'defect' when the label is 'ok'."""
    return "'defect'" if have.strip().casefold() == "ok" else "'ok'"
