"""Caption sidecars named otherwise than ``<stem>.txt`` in the image's letter case, for
:func:`.matching.match_images`: the whole image name (``photo.jpg.txt``, as some tools
write), and either form with letter case ignored (``Photo.TXT`` for ``photo.jpg`` on a
case-sensitive file system). When several sidecars fit one image, the closest is read
(:data:`FORMS` order) and the others are skipped and reported, never merged or dropped
unsaid. The same forms hold for each sidecar suffix (:data:`SUFFIXES`: ``.txt``, and
kohya's older default ``.caption``); at one form, ``.txt`` is read first (:func:`rank`)."""
from __future__ import annotations

import unicodedata
from typing import Optional

#: how a sidecar may name its image, closest first (0: ``photo.txt``, matched by
#: match_images itself; the rank of each form below is its index + 1)
FORMS = ("the image's stem", "the whole image name", "the image's stem, letter case ignored",
         "the whole image name, letter case ignored")


#: the suffixes a caption sidecar may have, read first to last when two name one image as closely
SUFFIXES = (".txt", ".caption")


def sidecar_suffix(name: str) -> Optional[str]:
    """The :data:`SUFFIXES` entry ``name`` ends with, letter case ignored (``Photo.TXT``:
    ``.txt``), or None when it is no caption sidecar's name."""
    low = name.lower()
    return next((suf for suf in SUFFIXES if low.endswith(suf) and len(name) > len(suf)), None)


def rank(form: int, where: str) -> int:
    """How closely a sidecar (its file ``where``) names its image, for :func:`keep_closest`
    (lower is closer): its form (0 for ``<stem>.<suffix>``, else its :data:`FORMS` index
    + 1) first, then its suffix in :data:`SUFFIXES` order (``photo.txt`` before
    ``photo.caption``, which is before ``photo.jpg.txt``)."""
    suffix = sidecar_suffix(where)
    return form * len(SUFFIXES) + (SUFFIXES.index(suffix) if suffix else 0)


def fold(name: str) -> str:
    """``name`` as a case-insensitive file system compares it (one Unicode form, case folded)."""
    return unicodedata.normalize("NFC", name).casefold()


def stem_of(name: str) -> str:
    """``name`` without the suffix of its file name (``a/photo.jpg`` -> ``a/photo``)."""
    return name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name


def loose_hits(names: list[str], by_name: dict, stem_fold: dict, by_fold: dict) -> tuple[int, list[int]]:
    """(rank, images) of the closest looser form (:data:`FORMS`, from 1) in which one of
    ``names`` (the sidecar's path in the project, then in its folder, ``.txt`` taken off)
    names any image; (0, []) when none does. Several images: ambiguous, never guessed."""
    lookups = (lambda n: [by_name[n]] if n in by_name else [],
               lambda n: stem_fold.get(fold(n), []),
               lambda n: by_fold.get(fold(n), []))
    for rank, look in enumerate(lookups, 1):
        for n in names:
            hits = sorted(set(look(n)))
            if hits:
                return rank, hits
    return 0, []


def keep_closest(resolved: list, out: list, ranks: dict, paths: dict, warnings: list, source: str,
                 tails: Optional[dict]) -> list[str]:
    """Of the sidecars ``out`` matched to one image, keep the closest (lowest rank in
    ``ranks``, by record index, :func:`rank`; 0 = ``<stem>.txt``): the others are set to None in ``out``,
    said in ``warnings`` and, when ``tails`` is given, listed under "superseded" as (sidecar
    file, image path, the sidecar read or "" when two equally loose ones fit: both skipped),
    their record names under "superseded_names".
    Sidecars matched exactly, all with one suffix, to one image are left to the import's merge. Returns
    the names of the records skipped."""
    by_image: dict[int, list[int]] = {}
    for k in ranks:
        if out[k] is not None:
            by_image.setdefault(out[k], []).append(k)
    skipped: list[tuple[str, str, str]] = []
    names: list[str] = []
    for image_id, ks in sorted(by_image.items()):
        exact = {ranks[k] for k in ks} == {ranks[ks[0]]} and ranks[ks[0]] < len(SUFFIXES)
        if len(ks) < 2 or exact:  # (photo.txt twice, or photo.caption twice: the merge's)
            continue
        best = min(ranks[k] for k in ks)
        winners = [k for k in ks if ranks[k] == best]
        kept = resolved[winners[0]][0].where if best < len(SUFFIXES) or len(winners) == 1 else ""
        for k in ks:
            if kept and k in winners:
                continue
            out[k] = None
            item = resolved[k][0]
            skipped.append((item.where, paths[image_id], kept))
            names.append(item.name)
    if skipped:
        if tails is not None:
            tails.setdefault("superseded", []).extend(skipped)
            tails.setdefault("superseded_names", []).extend(names)
        shown = ", ".join(f"{side!r} ({rel}: " + (f"{kept!r} read)" if kept else "another as close, both skipped)")
                          for side, rel, kept in skipped[:3])
        warnings.append(f"{source}: {len(skipped)} caption sidecar(s) skipped: another sidecar names the same "
                        f"image more closely or as closely ({shown}{'...' if len(skipped) > 3 else ''})")
    return names
