"""Label names of an import file in another Unicode form than the project's: macOS
tools write accents decomposed (NFD, ``e`` + U+0301), most others composed (NFC). Such
a name is the project's label that looks the same; a new label is made composed."""
from __future__ import annotations

import unicodedata
from dataclasses import replace

from sqlalchemy import select

from ..store import models as m
from .parsing import ParsedFile


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def one_form(project, parsed: ParsedFile, source: str) -> None:
    """Rewrite the label names of ``parsed`` (its taxonomy, records and label suggestions)
    that differ from a project label only in their Unicode form to that label, and the
    other names not in NFC to NFC; warn once when any was."""
    items = parsed.items
    names = set(parsed.taxonomy) | {n for it in items for n in (it.labels or [])} | {
        sg.value for it in items for sg in it.suggestions if sg.kind == "label"}
    if all(n.isascii() for n in names):
        return
    with project.store.read() as s:
        existing = set(s.scalars(select(m.Label.name)))
    by_key = {_nfc(n): n for n in existing}
    mapping = {n: by_key.get(_nfc(n), _nfc(n)) for n in names if n not in existing}
    mapping = {a: b for a, b in mapping.items() if a != b}
    if not mapping:
        return

    def fix(values):
        return list(dict.fromkeys(mapping.get(v, v) for v in values))

    parsed.taxonomy = fix(parsed.taxonomy)
    for it in items:
        if it.labels is not None:
            it.labels = fix(it.labels)
        if any(sg.kind == "label" and sg.value in mapping for sg in it.suggestions):
            it.suggestions = [replace(sg, value=mapping[sg.value]) if sg.kind == "label" and sg.value in mapping
                              else sg for sg in it.suggestions]
    a, b = next(iter(mapping.items()))
    parsed.warnings.append(f"{source}: {len(mapping)} label name(s) written in another Unicode form (accents "
                           f"decomposed or not, as macOS tools write them) were taken as the label that looks the "
                           f"same, made composed (NFC) where new: e.g. {ascii(a)} as {b!r}")
