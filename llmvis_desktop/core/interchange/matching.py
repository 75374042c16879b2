"""Which project image each record of an import file names (:func:`match_images`),
for :func:`.apply.apply_import`, in its transaction.

A record's own file when it is an image of the project (``alt``), else its name: exact,
an export's 8-bit PNG name (``scan.tif.png``), a de-identified export's neutral DICOM
name, a stem, a bare upload name, or a Label Studio local-files path below its prefix.
A name that could be more than one image is skipped and said in ``warnings``.
"""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from ..imaging.formats import SUPPORTED_EXTENSIONS
from ..store import models as m
from .common import PNG_SUFFIX, SECRET_SETTING, anon_suffix, neutral_name
from .sidecar_match import fold as _fold, keep_closest, loose_hits, rank as _rank, stem_of


def _alt_rel(project, root: str, alt) -> Optional[str]:
    """The project path of a record's own file (``item.alt``), when it lies inside the root."""
    if not isinstance(alt, (str, os.PathLike)):  # None, or a file in a zip archive (archive.ArchivePath)
        return None
    real = os.path.realpath(alt)
    if not real.startswith(root.rstrip(os.sep) + os.sep):
        return None
    rel = Path(os.path.relpath(os.path.abspath(alt), project.root)).as_posix()
    return None if rel.startswith("../") or rel == ".." else rel


def _unpng(name: str) -> Optional[str]:
    """The image an export with 8-bit PNG images wrote as ``name`` (``scan.tif.png`` ->
    ``scan.tif``), when ``name`` is such a name; else None."""
    if not name.lower().endswith(PNG_SUFFIX):
        return None
    base = name[:-len(PNG_SUFFIX)]
    tail = base.rsplit("/", 1)[-1]
    return base if "." in tail.strip(".") and os.path.splitext(tail)[1].lower() in SUPPORTED_EXTENSIONS else None


def _suffixes(name: str) -> list[str]:
    """``name`` without 1, 2, ... of its leading folders (a Label Studio local-files path
    below a document root that is a parent of the project)."""
    parts = name.split("/")
    return ["/".join(parts[k:]) for k in range(1, len(parts))]


def _by_tail(rel: str, by_base: dict, paths: dict) -> list[int]:
    """The images the longest trailing part of ``rel`` names that names any (``sub/a.png``
    of ``Users/bob/sub/a.png``, else ``a.png``): one, several (ambiguous) or none. (With
    letter case ignored: ``rel``, ``by_base`` and ``paths`` all folded, :func:`_fold`.)"""
    parts = rel.split("/")
    cands = by_base.get(parts[-1], [])
    for k in range(len(parts) - 1):
        tail = "/".join(parts[k:])
        hits = [i for i in cands if paths[i] == tail or paths[i].endswith("/" + tail)]
        if hits:
            return hits
    return list(cands)


def _loosely(item, rel: str, tables: tuple, by_case: list, by_suffix: list, warnings: list,
             source: str, bare: bool = False) -> tuple[Optional[int], bool]:
    """The one image a record naming none names once letter case is ignored (a file written
    on a case-insensitive file system: ``IMG_0001.JPG`` for ``img_0001.jpg``), else by the
    longest trailing part of its path naming any (``data/batch3/cam1/a.png`` of a file share
    for ``cam1/a.png``; the bare file name when one image has it), this only for a name with
    folders from a file naming images (COCO, CVAT, CSV, Label Studio), not for one of a
    folder format's own files (``alt``: YOLO, labelme, imagefolder): (its id or None, whether
    several images fit: said in ``warnings``, never guessed). (record name, image path) of
    one matched so is added to ``by_case`` and/or ``by_suffix``. ``bare``: a name without
    folders is matched by its path's end too (a Label Studio local-files path below a
    document root inside the project: ``a.png`` for ``cam1/a.png``)."""
    by_fold, by_base, base_fold, paths, folded_paths = tables
    hits = by_fold.get(_fold(rel), [])
    how = "differ from it only in letter case"
    if len(hits) != 1:
        folded = False
        if not hits and (item.alt is not None or ("/" not in rel and not bare)):
            return None, False  # (no folders above the root: a folder format's names are its files')
        if not hits:
            hits = _by_tail(rel, by_base, paths)
            if not hits:
                hits, folded = _by_tail(_fold(rel), base_fold, folded_paths), True
            how = f"end as it does{' (letter case ignored)' if folded else ''}"
        if len(hits) == 1:
            by_suffix.append((item.name, paths[hits[0]]))
            if not folded:
                return hits[0], False
    if len(hits) == 1:
        by_case.append((item.name, paths[hits[0]]))
        return hits[0], False
    if hits:
        shown = ", ".join(sorted(repr(paths[i]) for i in hits)[:3])
        warnings.append(f"{source} {item.where}: {rel!r} names no image of the project, and {len(hits)} images "
                        f"{how} ({shown}{'...' if len(hits) > 3 else ''}); skipped")
    return None, bool(hits)


def match_images(project, s, resolved: list, warnings: list, source: str = "",
                 tails: Optional[dict] = None) -> list[Optional[int]]:
    """The project image each record names (None: none), one by one: the record's own
    file when it is an image of the project (``alt``), else its name (exact, a neutral
    DICOM name, a stem, a bare upload name, a local-files path below its prefix, or the
    longest trailing part of another machine's absolute path that names one image).
    A name matching none is then tried with letter case ignored and by its path's end
    (:func:`_loosely`). ``tails``, when given, gets the names of the absolute-path records
    under "matched" ((name, image path) under "pairs"), "ambiguous" (name, how many images)
    and "unmatched", those of the other
    records skipped because they could be several images under "several", and (name, image
    path) of those matched with letter case ignored under "by_case", by their path's end
    under "by_suffix"."""
    root = os.path.realpath(project.root)
    alts = [_alt_rel(project, root, it.alt) for it, _ in resolved]
    exact = {rel for it, rel in resolved if not (it.by_stem or it.by_basename or it.by_tail)}
    exact |= {a for a, (it, _) in zip(alts, resolved) if a is not None and not it.by_stem}
    exact |= {u for u in map(_unpng, exact) if u is not None}  # written as 8-bit PNG: <name>.png
    exact |= {it.also for it, _ in resolved if it.also}
    ids: dict[str, int] = {}
    names = sorted(exact)
    for i in range(0, len(names), 500):
        chunk = names[i:i + 500]
        for image_id, rel in s.execute(select(m.Image.id, m.Image.relpath).where(m.Image.relpath.in_(chunk))):
            ids[rel] = image_id
    full_pass = any(it.by_stem or it.by_basename or it.by_tail
                    or (rel not in ids and _unpng(rel) not in ids)  # (another case, folders above the root)
                    for it, rel in resolved)
    by_name: dict[str, int] = dict(ids)
    by_stem: dict[str, list[int]] = {}
    by_base: dict[str, list[int]] = {}
    paths: dict[int, str] = {}
    by_nfc: dict[str, list[int]] = {}  # non-ASCII names in one Unicode form (macOS wrote NFD)
    by_fold: dict[str, list[int]] = {}  # names and file names, letter case ignored
    base_fold: dict[str, list[int]] = {}
    stem_fold: dict[str, list[int]] = {}  # stems, letter case ignored (caption sidecars)
    folded_paths: dict[int, str] = {}
    if full_pass:  # a full pass over the image table: neutral names, stems, places
        secret = project.settings().get(SECRET_SETTING)
        for image_id, rel in s.execute(select(m.Image.id, m.Image.relpath)):
            paths[image_id] = rel
            by_base.setdefault(rel.rsplit("/", 1)[-1], []).append(image_id)
            names_of = [rel]
            if secret:
                names_of.append(neutral_name(secret, rel, anon_suffix(rel)))
            for n in names_of:
                by_name[n] = image_id
                by_stem.setdefault(stem_of(n), []).append(image_id)
                stem_fold.setdefault(_fold(stem_of(n)), []).append(image_id)
            if not rel.isascii():
                by_nfc.setdefault(unicodedata.normalize("NFC", rel), []).append(image_id)
            folded_paths[image_id] = _fold(rel)
            by_fold.setdefault(folded_paths[image_id], []).append(image_id)
            base_fold.setdefault(_fold(rel.rsplit("/", 1)[-1]), []).append(image_id)

    def one(hits):
        return hits[0] if len(hits) == 1 else None

    def several(item) -> None:  # (a record naming two images names "no image" in the report no more)
        if tails is not None:
            tails.setdefault("several", []).append(item.name)

    out: list[Optional[int]] = []
    unsure: list[int] = []  # local-files paths a different prefix would match otherwise
    prefixes: dict[str, int] = {}
    ambiguous: list[str] = []
    forms: list[str] = []  # records matched to a name written in another Unicode form
    doubtful: list[str] = []  # records whose file stands for another image as well (``also``)
    by_case: list[tuple[str, str]] = []  # (record's name, image) matched with letter case ignored
    by_suffix: list[tuple[str, str]] = []  # (record's name, image) matched by its path's end
    ranks: dict[int, int] = {}  # sidecars matched: how closely (sidecar_match.FORMS), by record
    for k, ((item, rel), alt) in enumerate(zip(resolved, alts)):
        own = None
        if alt is not None:
            own = one(by_stem.get(alt, [])) if item.by_stem else by_name.get(alt)
        if item.by_stem:
            hits = by_stem.get(rel, [])
            named = one(hits)
            ranks[k] = _rank(0, item.where)  # photo.txt, then photo.caption
            if len(hits) > 1 and own is None:
                several(item)
                shown = ", ".join(sorted(repr(paths[i]) for i in hits)[:5])
                warnings.append(f"{source} {item.where}: the name {rel!r} is ambiguous: images {shown} share it "
                                f"(the same name with another suffix); skipped")
            elif not hits and own is None:  # photo.jpg.txt, Photo.TXT for photo.jpg
                form, hits = loose_hits([n for n in (alt, rel) if n], by_name, stem_fold, by_fold)
                ranks[k] = _rank(form, item.where)
                named = one(hits)
                if len(hits) > 1:
                    several(item)
                    shown = ", ".join(sorted(repr(paths[i]) for i in hits)[:5])
                    warnings.append(f"{source} {item.where}: the sidecar could be any of images {shown} "
                                    f"(letter case ignored); skipped")
                elif named is not None and form >= 2:
                    by_case.append((item.where, paths[named]))
        elif item.by_tail:
            hits = _by_tail(rel, by_base, paths)
            if not hits:  # written on a case-insensitive file system (Windows, macOS)
                hits = _by_tail(_fold(rel), base_fold, folded_paths)
                if len(hits) == 1:
                    by_case.append((item.name, paths[hits[0]]))
            named = one(hits)
            if tails is not None:
                if named is not None:
                    tails.setdefault("matched", []).append(item.name)
                    tails.setdefault("pairs", []).append((item.name, paths[named]))
                elif hits:
                    tails.setdefault("ambiguous", []).append((item.name, len(hits)))
                else:
                    tails.setdefault("unmatched", []).append(item.name)
            if len(hits) > 1:
                several(item)
                shown = ", ".join(sorted(repr(paths[i]) for i in hits)[:3])
                warnings.append(f"{source} {item.where}: {item.name!r} is another machine's path; {len(hits)} "
                                f"images of the project end as it does ({shown}{'...' if len(hits) > 3 else ''}); "
                                f"skipped")
        elif item.by_basename:
            hits = by_base.get(rel, [])
            # without Label Studio's hash prefix, then with it (a file whose own name began so)
            for name in (rel, item.upload_name) if own is None else ():
                if not hits and name:
                    hits = by_base.get(name, [])
                if not hits and name:  # uploaded from a case-insensitive file system (Windows, macOS)
                    hits = base_fold.get(_fold(name), [])
                    if len(hits) == 1:
                        by_case.append((item.name, paths[hits[0]]))
            named = one(hits)
            if len(hits) > 1 and own is None:
                several(item)
                warnings.append(f"{source} {item.where}: the uploaded file {rel!r} could be any of {len(hits)} "
                                "images of the project with that name; skipped")
        else:
            named = by_name.get(rel)
            if named is None and _unpng(rel) is not None:
                named = by_name.get(_unpng(rel))
            if named is None and not rel.isascii():  # the same name in another Unicode form
                named = one(by_nfc.get(unicodedata.normalize("NFC", rel), []))
                if named is not None:
                    forms.append(rel)
        if own is None and named is not None and item.also and by_name.get(item.also, named) != named:
            doubtful.append(f"{item.where} ({rel!r} or {item.also!r})")
            several(item)
            out.append(None)
            continue
        if own is not None:
            if named is not None and named != own:
                ambiguous.append(f"{item.where} ({rel!r})")
            out.append(own)
            continue
        if named is None and not (item.by_stem or item.by_tail or item.by_basename or item.by_suffix):
            named, torn = _loosely(item, rel, (by_fold, by_base, base_fold, paths, folded_paths), by_case, by_suffix,
                                   warnings, source)
            if torn:
                several(item)
        if named is None and item.by_suffix:
            cands = [(rel[:len(rel) - len(suf)], by_name[suf]) for suf in _suffixes(rel) if suf in by_name]
            if len(cands) == 1:
                prefixes[cands[0][0]] = prefixes.get(cands[0][0], 0) + 1
                named = cands[0][1]
            elif cands:
                unsure.append(k)
            else:  # another letter case, or the path's end (a document root below or beside the project)
                named, torn = _loosely(item, rel, (by_fold, by_base, base_fold, paths, folded_paths), by_case,
                                       by_suffix, warnings, source, bare=True)
                if torn:
                    several(item)
        out.append(named)
    for k in unsure:  # the prefix the other records of the file agree on, if there is one
        item, rel = resolved[k]
        cands = {rel[:len(rel) - len(suf)]: by_name[suf] for suf in _suffixes(rel) if suf in by_name}
        agreed = [p for p in cands if p in prefixes]
        if len(agreed) == 1:
            out[k] = cands[agreed[0]]
        else:
            several(item)
            warnings.append(f"{source} {item.where}: {rel!r} could be any of {len(cands)} images of the project "
                            f"once its leading folders are taken off; skipped")
    keep_closest(resolved, out, ranks, paths, warnings, source, tails)  # two sidecars of one image
    if tails is not None:
        tails["by_case"], tails["by_suffix"] = by_case, by_suffix
    if forms:
        warnings.append(f"{source}: {len(forms)} record(s) matched an image whose name is written in another "
                        f"Unicode form (composed or decomposed accents, as macOS writes them): "
                        f"{', '.join(repr(n) for n in forms[:3])}{'...' if len(forms) > 3 else ''}")
    if doubtful:
        warnings.append(f"{source}: {len(doubtful)} record(s) skipped: the file's path below its split folder "
                        f"names an image of the project too, not the one its class folder would label: "
                        f"{', '.join(doubtful[:3])}{'...' if len(doubtful) > 3 else ''}")
    if ambiguous:
        warnings.append(f"{source}: {len(ambiguous)} record(s) were matched to their own file, not to the "
                        f"other project image their name also names: {', '.join(ambiguous[:3])}"
                        f"{'...' if len(ambiguous) > 3 else ''}")
    return out
