"""Which of a model folder's JSON files (tokenizer, processor, config) do not parse.

A download cut short or a file overwritten by an editor leaves ``tokenizer.json`` or
``processor_config.json`` half written; transformers then fails with a bare
``JSONDecodeError`` that names no file. Offline and torch-free; read only when a load
has failed, so listing models reads no more than before.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional

#: a JSON file larger than this is not read (a tokenizer.json is a few MB to ~30 MB)
MAX_BYTES = 256 * 1024 * 1024


def damaged_json(folder: Path | str, limit: int = 3) -> Optional[str]:
    """A sentence naming the folder's top-level ``*.json`` files that are not JSON (at most
    ``limit`` named), or None when every one parses (or the folder cannot be listed)."""
    folder = Path(folder)
    try:
        files = sorted(p for p in folder.iterdir() if p.name.endswith(".json") and p.is_file())
    except OSError:
        return None
    bad = [why for why in map(damaged_file, files) if why]
    if not bad:
        return None
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return "; ".join(bad[:limit]) + more + "; fetch or copy the model again"


def damaged_file(p: Path) -> Optional[str]:
    """``'NAME is not valid JSON (...)'`` (or ``is empty``) for one JSON file; None when it
    parses, is missing or unreadable (another problem, said elsewhere) or is too large to read."""
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            return None
        if size == 0:
            return f"{p.name} is empty (0 bytes)"
        json.loads(p.read_bytes())
    except OSError:
        return None
    except ValueError as exc:
        return f"{p.name} is not valid JSON ({_short(exc)}; {size:,} bytes, cut short?)"
    return None


def _short(exc: ValueError) -> str:
    """The parser's first line without its character offset: 'Expecting ',' delimiter: line 5 column 51'."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r" \(char \d+\)$", "", text)
