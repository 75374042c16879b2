"""The text under a grid tile when FOLDER/NAME does not fit: what tells the files of a set
apart kept longest. No Qt here: the width is measured by the caller's function.

Cut in its middle, a path keeps its head and its extension, which every file of a set
shares: a 96 px tile read "patient…01.dcm" for each image of four series, "repaire…red.png"
for each repair output. What differs is the end of the stem (the frame number, serial,
side: ``IM0123``, ``DSC_00123``, ``…_links``) and the end of each folder (``patient_B``,
``lot_02``). Letters are given up in this order, each run of them shown as one ellipsis,
until the text fits:

1. a repair output's ``repaired/`` folder (its name says ``.repaired`` already), with no
   ellipsis: the name starts there;
2. each folder's middle, the longest first, down to 4 letters (``pa…_B/se…s2``);
3. each folder's middle down to 2 letters, then to its last (``p…B/s…2``, ``…B/…2``);
4. a repair output's marker, ``.repaired`` to ``.r`` (``img05.r…-2.png``);
5. the stem's head from its end, before its last number (or its last word), down to
   its first 2 letters: ``CT_sm…soft.dcm``, ``DS…00123.JPG``;
6. the extension, with no ellipsis where another one shows the cut (``DS…00123``; a
   name that looks whole, ``IM0123…``, keeps one);
7. the rest of the stem's head (``…0123``, ``…links``);
8. the folders, the first first, each with its slash (``…2/…0123``, ``…0123``);
9. the stem's end after its last number (``0001_sc…``), then that number from its left;
10. whatever is left.

The extension went third, with no ellipsis: "CT_small_soft.dcm" read "CT_small_soft", a
whole name to look at, and a repair output "…part_00.repai…"; the name's start and its
extension now stay while the middle of the stem goes ("CT_sm…soft.dcm", "part_00.re….png").
"""
from __future__ import annotations

import re
from typing import Callable

ELLIPSIS = "\u2026"
_EXT = re.compile(r"\.[^./\s]{1,5}$")
_MARKER = re.compile(r"\.repaired(?:-\d+)?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_WORD_BREAK = re.compile(r"[_\-\s.]")


def _kept(length: int, keep: int) -> set[int]:
    """Offsets a folder of ``length`` letters keeps cut to ``keep``: its head and its end,
    the end one longer (``lot_01`` and ``lot_11`` differ there: "l…01", not "lo…1")."""
    if keep >= length:
        return set(range(length))
    head, tail = keep // 2, (keep + 1) // 2
    return set(range(head)) | set(range(length - tail, length))


def _folder_cuts(parts: list[tuple[int, str]], high: int, low: int) -> list[list[int]]:
    """Letters given up cutting every folder from ``high`` letters down to ``low``, one at a time."""
    order: list[list[int]] = []
    for keep in range(high - 1, low - 1, -1):
        for start, part in sorted(parts, key=lambda sp: -len(sp[1])):
            if len(part) > keep:
                gone = _kept(len(part), keep + 1) - _kept(len(part), keep)
                order += [[start + i] for i in sorted(gone)]
    return order


def drop_order(folder: str, name: str) -> tuple[str, list[list[int]], int]:
    """(the whole text; its letters' offsets in groups, in the order given up, a group at
    once (an extension, a folder's last letter with its slash); the letters given up with
    no ellipsis: a run of only these shows none)."""
    whole = f"{folder}/{name}" if folder else name
    base = len(folder) + 1 if folder else 0
    parts: list[tuple[int, str]] = []
    offset = 0
    for part in folder.split("/") if folder else []:
        parts.append((offset, part))
        offset += len(part) + 1
    ext = _EXT.search(name)
    stem_end = ext.start() if ext and ext.start() > 0 else len(name)
    marker = _MARKER.search(name[:stem_end])
    core_end = marker.start() if marker and marker.start() > 0 else stem_end
    if core_end == stem_end:
        marker = None
    core = name[:core_end]
    numbers = list(_DIGITS.finditer(core))
    if numbers:
        number = (numbers[-1].start(), numbers[-1].end())
    else:
        breaks = [m.end() for m in _WORD_BREAK.finditer(core) if m.end() < len(core)]
        number = (breaks[-1] if breaks else max(0, len(core) - 4), len(core))

    order: list[list[int]] = []
    silent: set[int] = set()
    if marker and parts and parts[-1][1].lower() == "repaired":
        start, part = parts.pop()
        order.append(list(range(start, start + len(part) + 1)))
        silent.update(order[-1])
    longest = max((len(p) for _, p in parts), default=0)
    order += _folder_cuts(parts, longest, 4)
    order += _folder_cuts(parts, 4, 1)
    if marker:
        letters = range(base + marker.start() + 2, base + marker.start() + len(".repaired"))
        order += [[i] for i in reversed(letters)]
    head_keep = min(2, number[0])
    order += [[base + i] for i in reversed(range(head_keep, number[0]))]
    if stem_end < len(name):
        order.append(list(range(base + stem_end, base + len(name))))
        silent.update(order[-1])
    order += [[base + i] for i in range(head_keep)]
    for start, part in parts:  # a folder's last letter and its slash
        order.append(list(range(start, start + len(part) + 1)))
    order += [[base + i] for i in reversed(range(number[1], core_end))]
    order += [[base + i] for i in range(number[0], number[1])]
    seen: set[int] = set()
    groups: list[list[int]] = []
    for group in order + [[i] for i in range(len(whole))]:
        group = [i for i in group if i not in seen]
        if group:
            seen.update(group)
            groups.append(group)
    return whole, groups, silent


def _shown(whole: str, gone: set[int], silent: set[int]) -> str:
    """``whole`` without the letters ``gone``, each run of them an ellipsis; a run of only
    ``silent`` letters shows none, except an extension cut when nothing else shows a cut
    (a name that looks whole must be whole)."""
    out: list[str] = []
    cuts = 0
    ext_cut = False
    i = 0
    while i < len(whole):
        if i not in gone:
            out.append(whole[i])
            i += 1
            continue
        j = i
        while j < len(whole) and j in gone:
            j += 1
        if not silent.issuperset(range(i, j)):
            out.append(ELLIPSIS)
            cuts += 1
        elif j == len(whole) and i > 0:
            ext_cut = True
        i = j
    if ext_cut and not cuts:
        out.append(ELLIPSIS)
    return "".join(out)


def tile_text(folder: str, name: str, width: int, advance: Callable[[str], int], widest: str = "") -> str:
    """FOLDER/NAME (NAME at the project's top) as shown in ``width`` pixels, ``advance``
    measuring a text: whole when it fits, else with the fewest letters given up in the
    order above (a few measures: the texts shorten as letters go).

    ``widest``: the widest name shown beside it from the same folder (the tiles on
    screen). The folder is then cut as it is beside that name, so every tile of the
    folder shows it alike ("line_a/img_3.png" beside "l…_a/img_03.png" read as two
    folders): the same folder text on each, the names whole, whenever the widest name
    stays whole; else (a name too long to keep whole) each tile is cut on its own."""
    if folder and widest and widest != name and advance(widest) >= advance(name):
        beside = _cut(folder, widest, width, advance)
        slash = beside.rfind("/")
        if slash >= 0:  # the folder as cut beside the widest name ("l…_a/"), its name after
            prefix = beside[: slash + 1]
            if advance(prefix + name) <= width:
                return prefix + name
    return _cut(folder, name, width, advance)


def _cut(folder: str, name: str, width: int, advance: Callable[[str], int]) -> str:
    """:func:`tile_text` for one tile alone."""
    whole, order, silent = drop_order(folder, name)
    if advance(whole) <= width:
        return whole

    def text(n: int) -> str:
        return _shown(whole, {i for group in order[:n] for i in group}, silent)

    lo, hi = 1, len(order)
    while lo < hi:
        mid = (lo + hi) // 2
        if advance(text(mid)) <= width:
            hi = mid
        else:
            lo = mid + 1
    while lo < len(order) and advance(text(lo)) > width:  # (an ellipsis can be wider than a letter)
        lo += 1
    return text(lo)
