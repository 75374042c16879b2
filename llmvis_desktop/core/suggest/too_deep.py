"""The note on model folders too deep to be listed (models/team/vision/clip: the listing
looks two folders deep), as `llmvis models list` and the model manager say it: they were
left out and nothing said so."""
from __future__ import annotations

import os
from typing import Sequence

SHOW = 3  # model folders (and folders to add) named; the rest counted


def too_deep_note(paths: Sequence[str], *, window: bool = False, show: int = SHOW) -> str:
    """The note naming ``paths`` (:func:`.discovery.discover`'s ``too_deep``) and the folders
    holding them, to add as model folders: as ``--dir`` options, or (``window``) in the
    window's Settings."""
    paths = list(dict.fromkeys(paths))
    parents = list(dict.fromkeys(os.path.dirname(p) for p in paths))
    more = f" and {len(paths) - show} more" if len(paths) > show else ""
    head = (f"models are looked for at most two folders deep in a model folder (FOLDER/name, "
            f"FOLDER/org/name); not listed, deeper: {', '.join(paths[:show])}{more}; ")
    etc = " ..." if len(parents) > show else ""
    if window:
        return ("M" + head[1:] + f"to list them, add {', '.join(parents[:show])}{etc} in Settings \u2192 Model folders, "
                f"then Rescan")
    return ("note: " + head + f"to list them, add the folder holding them: "
            f"{' '.join('--dir ' + p for p in parents[:show])}{etc} (or in Settings, Model folders)")


def absent_dirs(dirs: Sequence[str]) -> list[tuple[str, str]]:
    """The model folders of ``dirs`` that cannot be looked in, each with why ("no such
    folder", or a file): a folder set in Settings and gone since (a drive not connected, a
    share not mounted, a folder moved) listed none of its models, and nothing said why."""
    out = []
    for d in dict.fromkeys(str(d) for d in dirs):
        p = os.path.expanduser(d)
        if not os.path.isdir(p):
            out.append((d, "a file, not a folder" if os.path.exists(p) else "no such folder"))
    return out


def absent_dirs_note(absent: Sequence[tuple[str, str]], *, window: bool = False) -> str:
    """The note naming model folders set in Settings that :func:`absent_dirs` found gone."""
    if not absent:
        return ""
    what = "; ".join(f"{d} ({why})" for d, why in absent)
    one = len(absent) == 1
    head = (f"model folder{'' if one else 's'} not looked in: {what}; {'its' if one else 'their'} models "
            f"are not listed (a drive not connected, or the folder moved?); ")
    it = "it" if one else "them"
    if window:
        return "M" + head[1:] + f"reconnect {it}, or change Settings \u2192 Model folders, then Rescan"
    return "warning: " + head + f"reconnect {it}, or change the model folders in the window's Settings"
