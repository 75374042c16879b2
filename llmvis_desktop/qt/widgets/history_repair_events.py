"""The History panel's lines for repairs, on both images of one (the link is derived at
read time, :mod:`llmvis_desktop.core.store.repo_repair_trail`; no stored event is changed).

On the original: ``repair`` ("repaired → a.repaired.png"), ``rerepair`` and ``unrepair``,
with what made the repair on a second line when the read added it ("with GAN (starter
model), painted mask"). On the repair output, whose History was empty: ``repair_of``
("repair of cam1/a.png", the same second line), ``repair_of_undone`` and ``repair_of_redone``.
"""
from __future__ import annotations

from typing import Optional

from llmvis_desktop.core.wording import visible_name

ARROW = "\u2192"
ENGINES = {"gan": "GAN", "telea": "Telea (OpenCV)", "ns": "Navier-Stokes (OpenCV)"}


def _name(path) -> str:
    return visible_name(str(path).replace("\\", "/").rsplit("/", 1)[-1]) if path else "?"


def made_with(a: dict) -> str:
    """"with ENGINE (MODEL model), MASK" of a repair's derived details; "" without them."""
    engine = a.get("engine")
    if not engine:
        return ""
    text = "with " + ENGINES.get(str(engine), str(engine))
    model = a.get("model")
    if model:
        text += " (starter model)" if model == "starter" else f" (model {_name(model)})"
    mask = a.get("mask_source")
    if mask == "painted":
        text += ", painted mask"
    elif mask:
        path, edited = (str(mask)[:-len(", edited")], True) if str(mask).endswith(", edited") else (mask, False)
        text += f", mask from {_name(path)}" + (", edited" if edited else "")
    return text


def describe_repair(base: str, b: dict, a: dict) -> Optional[str]:
    """The line of a repair event (``b``/``a``: its before/after dicts); None for another kind."""
    line = None
    if base == "repair":
        line = f"repaired {ARROW} {_name(a.get('output'))}"
    elif base == "rerepair":
        line = f"repair redone {ARROW} {_name(a.get('output'))}"
    elif base == "unrepair":
        name = _name(b.get("output"))
        if a.get("file_deleted"):
            return f"repair undone ({name} deleted)"
        kept = a.get("kept")
        return f"repair undone ({name} kept" + (f": {kept})" if kept else ")")
    elif base == "repair_of":
        line = f"repair of {visible_name(str(a.get('source') or '?'))}"
    elif base == "repair_of_undone":
        fate = "deleted" if a.get("file_deleted") else "kept"
        return f"repair link to {visible_name(str(a.get('source') or '?'))} undone (this file {fate})"
    elif base == "repair_of_redone":
        line = f"repair link to {visible_name(str(a.get('source') or '?'))} redone"
    if line is None:
        return None
    made = made_with(a)
    return f"{line}\n{made}" if made else line
