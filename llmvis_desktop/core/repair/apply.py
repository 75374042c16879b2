"""Repair one image file with a mask and save the result as a new file, atomically.

Used by ``llmvis repair apply`` and the GUI.  The source is never overwritten: the
output goes to ``repaired/`` beside the original (or where asked), written to a temp
file and renamed into place, so a full disk leaves no partial file.  The mask is
saved beside it (``repaired/.masks/``, a hidden folder the indexer skips).  With a
project, a provenance row (source hash, mask file, engine, checkpoint hash,
parameters) and a history event are recorded, and the new image is indexed so it
appears in the grid linked to its source. The output's format, its encoding and the
atomic write are in :mod:`.save`; the project side (which project path a file is,
refusing an image outside the project, the provenance record) in :mod:`.provenance`.
"""
from __future__ import annotations

import io
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..hashing import file_sha256_stat
from ..store.writable import DatabaseReadOnly
from ..tasks import CancelToken, WaitTally
from . import DEFAULT_DETAIL, METHODS, STARTER_CHECKPOINT, RepairError, SourceChanged
from .mask_file import coverage_warning, load_mask  # (the dialog's Import takes load_mask from here)
from .pending import admitting, drop, take_back, write_marker
from .provenance import check_inside, is_original, record_repair, recorded_outputs
from .save import (NameTaken, check_folder, clear_dead_temps, encode, output_format, png_refusal, save_error,
                   source_meta, write_repair_files)

DEFAULT_DIR = "repaired"
MASK_DIR = ".masks"


@dataclass
class RepairResult:
    output_path: Path
    mask_path: Path
    method: str
    params: dict
    checkpoint_hash: Optional[str] = None
    source_sha256: str = ""
    repair_id: Optional[int] = None
    output_image_id: Optional[int] = None
    pixels: Optional[np.ndarray] = field(default=None, repr=False)
    notes: list = field(default_factory=list)  # what to tell the user (the GPU out of memory: the CPU took over)
    waited_s: float = 0.0  # seconds its record waited for the project database another writer held


# --------------------------------------------------------------------------- loading

_GEN_CACHE: dict = {}
_GEN_LOCK = threading.Lock()


def load_engine(checkpoint: Optional[Path | str] = None):
    """(generator, checkpoint sha256) for the GAN engine, cached per file and mtime."""
    path = Path(checkpoint) if checkpoint else STARTER_CHECKPOINT
    if not path.is_file():
        if checkpoint is None:
            raise RepairError(f"no starter checkpoint at {path}; train one with 'llmvis repair train FOLDER'")
        from .checkpoint import not_a_checkpoint_file

        raise RepairError(not_a_checkpoint_file(path))
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    with _GEN_LOCK:
        if key not in _GEN_CACHE:
            from .checkpoint import load_generator

            g, ck = load_generator(path)
            _GEN_CACHE.clear()
            _GEN_CACHE[key] = (g, ck.sha256)
        return _GEN_CACHE[key]


def warm_engine(checkpoint: Optional[Path | str] = None) -> bool:
    """Import the repair engine (scipy, torch) and load ``checkpoint`` (None: the starter)
    into :func:`load_engine`'s cache, so that the first repair does not pay for them: the
    repair dialog calls it on a worker thread as it opens, while the user paints the mask
    (the first ``import torch`` holds the interpreter lock for a good part of a second,
    and the window waited for it at the first preview). True when the engine is loaded; a
    failure (a damaged checkpoint) is left for the repair itself to say."""
    try:
        from . import inference  # noqa: F401 - scipy, and the engine's own modules

        load_engine(checkpoint)
        return True
    except Exception:
        return False


# --------------------------------------------------------------------------- where it goes

def resolve_out_dir(image_path: Path | str, out_dir: Optional[Path | str] = None) -> Path:
    """The folder a repair of ``image_path`` is saved in: ``out_dir`` (the ``repair_output``
    setting; ``~`` expanded, a relative folder taken beside the original) or, when empty,
    ``repaired/`` beside the original."""
    image_path = Path(image_path)
    text = str(out_dir).strip() if out_dir is not None else ""
    if not text:
        return image_path.parent / DEFAULT_DIR
    folder = Path(text).expanduser()
    return folder if folder.is_absolute() else image_path.parent / folder


def repair_folder(image_path: Path | str, out_dir=None, project=None) -> Path:
    """Where a repair of ``image_path`` goes when no output is given (its mask in ``.masks``
    there): :func:`resolve_out_dir`, or beside it for a repair output (``out_dir`` relative)."""
    image_path = Path(image_path)
    if not _fixed_folder(out_dir) and _is_repair_output(image_path, out_dir, project):
        return image_path.parent
    return resolve_out_dir(image_path, out_dir)


def _output_path(image_path: Path, out, out_dir, fmt: str, repaired: np.ndarray,
                 inverted: bool = False, project=None) -> tuple[Path, str]:
    """Where the repair goes, and its format. ``out`` names the file (a .png, or a .tif);
    an existing folder, or a path ending in a separator, is the folder to save it in.
    Another suffix is refused, not swapped: swapping it once wrote over a different file
    (``other.jpg --force`` replaced ``other.png``). A repair of a repair output goes
    beside it, numbered from the original's name (``a.repaired-2.png``), not into a
    nested ``repaired/repaired/a.repaired.repaired.png``."""
    text = "" if out is None else str(out)
    if out is None or text.endswith(("/", os.sep)) or Path(text).is_dir():
        folder = repair_folder(image_path, out_dir, project) if out is None else Path(text)
        stem = image_path.stem
        if _is_repair_output(image_path, out_dir, project):
            stem = _REPAIRED_SUFFIX.sub("", stem) or stem
        return _free_name(folder, stem, "tif" if fmt == "tiff" else "png"), fmt
    out_path = Path(text)
    suffix = out_path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        return out_path, "tiff"
    if suffix == ".png" and fmt == "tiff":  # asked for: a PNG, when one holds the pixels exactly
        why = "it shows low values white, which a PNG cannot record" if inverted else png_refusal(repaired)
        if why is None:
            return out_path, "png"
        raise RepairError(f"{out_path}: this repair cannot be a PNG: {why}; give a .tif name "
                          f"(e.g. {out_path.with_suffix('.tif').name})")
    if suffix != ".png":
        want = ".tif" if fmt == "tiff" else ".png"
        raise RepairError(f"{out_path}: repairs are saved as PNG or TIFF; give a {want} name "
                          f"(e.g. {out_path.with_suffix(want).name})")
    return out_path, fmt


_REPAIRED_SUFFIX = re.compile(r"\.repaired(-\d+)?$")


def _fixed_folder(out_dir) -> bool:
    """Whether ``out_dir`` (the repair_output setting) is one absolute folder, the same for
    every image (so a repair of a repair cannot nest there)."""
    text = str(out_dir).strip() if out_dir is not None else ""
    return bool(text) and Path(text).expanduser().is_absolute()


def _is_repair_output(image_path: Path, out_dir, project) -> bool:
    """Whether ``image_path`` is a repair output: it lies in a ``repaired/`` folder (or the
    relative folder ``out_dir`` names), or a repair record of ``project`` names it."""
    parent = image_path.parent
    text = str(out_dir).strip() if out_dir is not None else ""
    if parent.name == DEFAULT_DIR:
        return True
    if text and not _fixed_folder(out_dir):
        rel = Path(text).expanduser().parts
        if rel and parent.parts[-len(rel):] == rel:
            return True
    return project is not None and bool(recorded_outputs(project, image_path))


def _mask_name(out_path: Path, replacing: bool) -> Path:
    """The repair's own mask file: NAME.mask.png in .masks/ beside the output, numbered when
    another repair's mask has that name (part.repaired.png and part.repaired.tif shared
    one, and the second overwrote the first's). Replacing an output replaces its mask."""
    first = out_path.parent / MASK_DIR / f"{out_path.stem}.mask.png"
    return first if replacing else _first_free(first)


#: the longest file name most file systems take (bytes; ext4, APFS, NTFS's 255 UTF-16 units)
NAME_MAX = 255
#: the room a default output's stem leaves for ``.repaired-NNNNN`` and its mask's ``.mask-NNNNN.png``
_STEM_MAX = NAME_MAX - len(".repaired-99999") - len(".mask-99999.png")


def _fitting_stem(stem: str) -> str:
    """``stem`` when the output and mask names made from it fit in a file name; else its
    start, cut to fit, and ``~`` with a hash of the whole stem (another long name with the
    same start gets its own name): ``STEM.repaired.png`` of a 240-byte name was "File name
    too long", every time."""
    raw = stem.encode("utf-8", "surrogateescape")
    if len(raw) <= _STEM_MAX:
        return stem
    import hashlib

    tag = "~" + hashlib.sha1(raw).hexdigest()[:8]
    cut = raw[:_STEM_MAX - len(tag)].decode("utf-8", "ignore")  # (a character cut in two: dropped)
    return cut + tag


def _free_name(folder: Path, stem: str, ext: str) -> Path:
    """The first ``STEM.repaired[-N].EXT`` in ``folder`` free for an output and its mask (a
    mask left without its output, by a save killed before this version wrote the pair as
    one, would otherwise give the new output another number's mask); a stem too long for
    that is shortened (:func:`_fitting_stem`)."""
    stem = _fitting_stem(stem)
    return _first_free(folder / f"{stem}.repaired.{ext}",
                       lambda p: (p.parent / MASK_DIR / f"{p.stem}.mask.png").exists())


def _first_free(first: Path, taken=lambda p: False) -> Path:
    """``first`` (NAME.EXT) if no file has that name (and not ``taken``), else the first
    free NAME-2.EXT, NAME-3.EXT..."""
    p, i = first, 2
    while p.exists() or taken(p):
        p = first.with_name(f"{first.stem}-{i}{first.suffix}")
        i += 1
    return p


# --------------------------------------------------------------------------- main entry

def repair_file(
    image_path: Path | str,
    mask,
    *,
    out: Optional[Path | str] = None,
    out_dir: Optional[Path | str] = None,
    method: str = "gan",
    checkpoint: Optional[Path | str] = None,
    dilate_px: int = 2,
    radius: int = 5,
    margin: int = 24,
    tile: int = 256,
    device: str = "auto",
    detail: Optional[float] = None,
    seed: int = 0,
    project=None,
    actor: str = "user",
    overwrite: bool = False,
    token: Optional[CancelToken] = None,
    save: bool = True,
    mask_source: Optional[str] = None,
    result_pixels: Optional[np.ndarray] = None,
    result_checkpoint_hash: Optional[str] = None,
    source_sha256: Optional[str] = None,
    frame: int = 0,
    large_mask: Optional[Callable[[str], None]] = None,
    max_pixels: Optional[int] = None,
    progress: Optional[Callable] = None,
) -> RepairResult:
    """Repair ``image_path`` under ``mask`` (a path or an array); save a new file.

    ``out`` is the output file; otherwise ``out_dir`` (default ``repaired/`` beside the
    original) with a free ``NAME.repaired.EXT`` name.  With ``save=False`` nothing is
    written and the result only carries the pixels (GUI preview); ``result_pixels`` saves
    a preview computed before (same image, mask and settings) without recomputing, and
    ``result_checkpoint_hash`` is the hash of the checkpoint that made it (the preview's
    ``checkpoint_hash``): recorded as is, since the checkpoint file may have changed since
    (training saves into it) and the saved pixels are the preview's.
    ``detail`` (default :data:`DEFAULT_DETAIL`) re-injects texture from the surround,
    chosen with ``seed`` (:mod:`detail`); both are recorded in the provenance.
    ``source_sha256``: the source's hash when the preview was made (its ``source_sha256``):
    a file that differs now is refused (:class:`~.SourceChanged`), nothing written; so is
    one written to between that check and the save. ``frame`` (0-based) is the page of a
    multi-page TIFF or the frame of a multi-frame DICOM to repair; the output is that one
    page, and ``params["frame"]`` records which.
    ``large_mask`` is called with a warning (:func:`.mask_file.coverage_warning`) when the
    mask covers more than half the image (inverted?), before any work; it may raise
    :class:`RepairError` to refuse (the CLI does, without ``--allow-large-mask``).
    ``max_pixels``: the decompression-bomb limit (the max_image_pixels setting); default
    the project's, else the reader's built-in one.
    Given a ``token``, recording the repair in the project waits for a database another
    writer holds past its wait (:func:`.provenance.record_repair`): said through
    ``progress`` (``Progress.waiting``, stage "repair"; the seconds in ``waited_s``), a
    cancel stopping it within about a second; a save not recorded is taken back
    (:func:`_not_recorded`). Without one, such a record fails at once, as before."""
    from ..imaging.errors import ImageReadError
    from ..imaging.reader import DEFAULT_MAX_PIXELS, read_image
    from .inference import as_mask, inpaint

    if method not in METHODS:
        raise RepairError(f"unknown repair method {method!r} (choose {', '.join(METHODS)})")
    image_path = Path(image_path)
    if project is not None and save:  # before any work or file
        check_inside(project, image_path)
        why = project.store.read_only()  # a repair it cannot record is not written either
        if why:
            raise RepairError(f"{image_path}: the repair cannot be recorded, so nothing was saved: {why}")
    try:
        limit = max_pixels or getattr(project, "max_pixels", None) or DEFAULT_MAX_PIXELS
        data = read_image(image_path, frame=int(frame), max_pixels=limit)
    except ImageReadError as exc:
        raise RepairError(f"cannot repair: {exc}") from None
    except OSError as exc:
        raise RepairError(f"{image_path}: cannot read the image ({exc.strerror or exc})") from None
    # the content read, as the record will name it: hashed at once (hashed after the
    # inpainting, a file rewritten meanwhile gave pixels of one content a hash of another)
    held = _source_state(image_path)
    if source_sha256 is not None and held[0] != source_sha256:
        raise SourceChanged(_changed(image_path))
    pixels = data.pixels
    names = ("", "")
    if isinstance(mask, (str, Path)):
        mask_source = mask_source or str(mask)
        names = (str(mask), str(image_path))  # a size that differs names both files
        mask = load_mask(mask, limit)  # held to the image's pixel limit before it is decoded
    m = as_mask(np.asarray(mask), pixels.shape, names)
    if names[0] and not m.any():  # a mask file (the CLI's --mask): named, in words for a command line
        raise RepairError(f"{names[0]}: the mask is empty (no pixel set); nothing to repair")
    warning = coverage_warning(m) if large_mask is not None else None
    if warning:
        large_mask(warning)

    generator = ck_hash = None
    reuse = (result_pixels is not None and result_pixels.shape == pixels.shape
             and result_pixels.dtype == pixels.dtype)
    if method == "gan":
        if reuse and result_checkpoint_hash:
            ck_hash = result_checkpoint_hash  # what made these pixels, not what the file holds now
        else:
            generator, ck_hash = load_engine(checkpoint)
    detail = DEFAULT_DETAIL if detail is None else float(detail)
    params = {"dilate_px": dilate_px, "margin": margin, "tile": tile, "frame": data.frame,
              "detail": detail, "seed": int(seed)}
    if method == "gan":
        from .train import resolve_device

        device = resolve_device(device)  # auto: CUDA when there is one, else the CPU
        params["checkpoint"] = str(checkpoint) if checkpoint else "starter"
        params["device"] = device
    else:
        params["radius"] = radius
    notes: list = []
    if reuse:
        repaired = result_pixels
    else:
        repaired = inpaint(pixels, m, method=method, generator=generator, dilate_px=dilate_px, margin=margin,
                           tile=tile, radius=radius, device=device, detail=detail, seed=seed, token=token,
                           notes=notes)
        if notes and method == "gan":  # the GPU ran out of memory: the CPU made (the rest of) these pixels
            params["device"] = "cpu"
    src_hash = held[0]
    inverted = bool(data.meta.inverted) and repaired.ndim == 2
    # a gray DICOM shown through its own window (S-curve or not): a TIFF that says so,
    # so the repair looks like the image it repairs (it got an automatic window)
    hints = None
    if data.meta.format == "DICOM" and repaired.ndim == 2 and data.window is not None:
        hints = {"window": [float(data.window[0]), float(data.window[1])], "sigmoid": bool(data.meta.sigmoid)}
    fmt = output_format(data.meta.format, repaired, inverted)
    if hints is not None and not str(out or "").lower().endswith(".png"):  # (a .png asked for: as before)
        fmt = "tiff"
    out_path, fmt = _output_path(image_path, out, out_dir, fmt, repaired, inverted, project)
    if out_path.resolve() == image_path.resolve():
        raise RepairError(f"{out_path}: refusing to overwrite the original image")
    replacing = out_path.exists()
    if replacing and not overwrite:
        raise RepairError(f"{out_path}: already exists (choose another --out, or allow overwriting)")
    if replacing:
        why = _why_not_replaceable(project, out_path)
        if why:
            raise RepairError(f"{out_path}: {why}; overwriting replaces only an earlier repair output, "
                              f"never another file (choose another --out)")
    mask_path = _mask_name(out_path, replacing)
    result = RepairResult(out_path, mask_path, method, params, ck_hash, src_hash, pixels=repaired, notes=notes)
    if not save:
        return result

    from PIL import Image

    mbuf = io.BytesIO()
    Image.fromarray(m.astype(np.uint8) * 255).save(mbuf, format="PNG")
    check_folder(out_path)  # a folder it cannot go to is said of the image, not of its mask
    for folder in (out_path.parent, mask_path.parent):
        clear_dead_temps(folder)  # what a save killed here before left
    kept = source_meta(image_path, data.meta.format, data.frame)
    encoded = encode(repaired, fmt, inverted, hints if fmt == "tiff" else None, kept)  # the slow step: no file yet
    if _source_state(image_path, hash_it=False)[1:] != held[1:]:  # rewritten while this repair was made
        raise SourceChanged(_changed(image_path))
    marker = None
    while True:
        try:  # with a project: marked unrecorded until its record is committed (.pending)
            marker = _mark(project, out_path, mask_path, replacing)
            write_repair_files(out_path, encoded, mask_path, mbuf.getvalue(), not replacing)  # (new)
            break
        except NameTaken as exc:  # saved meanwhile under the free name chosen: the next free one
            drop(marker)
            taken = out_path
            out_path, fmt = _output_path(image_path, out, out_dir, fmt, repaired, inverted, project)
            if out_path == taken:  # a name given (--out): never another
                raise RepairError(f"{exc}; choose another --out, or allow overwriting") from None
            mask_path = result.mask_path = _mask_name(out_path, False)
            result.output_path = out_path
        except BaseException:  # nothing of the pair was left
            drop(marker)
            raise
    if mask_source:
        src = Path(mask_source)
        params["mask_source"] = str(src.resolve()) if src.exists() else mask_source
    if project is not None:
        tally = WaitTally(progress or (lambda p: None))
        try:
            with admitting(out_path):  # its own scan lists it; no other yet
                record_repair(project, image_path, result, actor, token, tally)
        except DatabaseReadOnly as exc:  # turned read-only since the check: the files are there
            why = str(exc).removeprefix("nothing was saved: ")
            raise RepairError(f"repair saved to {out_path} (mask {mask_path}) but not recorded in the "
                              f"project: {why}") from exc
        except RepairError:
            raise  # (says what was saved)
        except BaseException:  # the database busy past its wait, gone; a cancel, Ctrl+C while it waited
            if result.repair_id is None and not replacing and not _not_recorded(project, out_path, mask_path):
                marker = None  # kept: the next scan after this process takes the save back (.pending.settle)
            raise
        finally:
            drop(marker)  # recorded, or said not to be (and not kept, unless said so)
        result.waited_s = tally.seconds
    return result


def _not_recorded(project, out_path: Path, mask_path: Path) -> bool:
    """A new output no record names taken back (:func:`.pending.take_back`), waiting a second
    at most; False when its row could not be removed: its marker stays, for the next scan
    after this process to settle (:func:`.pending.settle`)."""
    from ..store.db_wait import TRY_WAIT_MS

    try:
        take_back(project, out_path, mask_path, TRY_WAIT_MS)
    except Exception:
        return False
    return True


def _mark(project, out_path: Path, mask_path: Path, replacing: bool):
    """The marker of a save into a project (:func:`.pending.write_marker`), None without one;
    a folder where none can be written is a :class:`RepairError` naming ``out_path``."""
    if project is None:
        return None
    try:
        return write_marker(out_path, mask_path, recorded_outputs(project, out_path), not replacing)
    except OSError as exc:
        raise RepairError(save_error(out_path, exc)) from None


def _source_state(path: Path, hash_it: bool = True) -> tuple[str, int, int]:
    """(SHA-256 or "", size, mtime_ns) of the image to repair; one written to while it was
    hashed is :class:`~.SourceChanged`, one that cannot be read a :class:`RepairError`."""
    try:
        if hash_it:
            got = file_sha256_stat(path)
        else:
            st = os.stat(path)
            got = ("", st.st_size, st.st_mtime_ns)
    except OSError as exc:
        raise RepairError(f"{path}: cannot read the image ({exc.strerror or exc}); nothing was saved") from None
    if got is None:
        raise SourceChanged(_changed(path))
    return got


def _changed(path: Path) -> str:
    return (f"{path} changed on disk after this repair was computed (written by another program?); "
            f"nothing was saved. Run the repair again on the image as it is now.")


_OUR_NAME = re.compile(r".+\.repaired(-\d+)?\.(png|tif)")


def _why_not_replaceable(project, path: Path) -> Optional[str]:
    """None when ``path`` is an earlier repair output of ours, which overwriting may replace;
    otherwise why it may not be. An earlier output is one a repair record names (with a
    project), one with our name in a ``repaired/`` folder, or one with its repair mask
    beside it (``.masks/NAME.mask.png``, written with every output). Anything else (an
    original image, indexed or not, in the project or outside it) is never replaced."""
    if not path.is_file() or path.is_symlink():
        return "is not a plain file"
    if project is not None:
        if is_original(project, path):
            return "is an original image of the project; a repair never replaces one"
        if recorded_outputs(project, path):
            return None
    if path.parent.name == DEFAULT_DIR and _OUR_NAME.fullmatch(path.name):
        return None
    if (path.parent / MASK_DIR / f"{path.stem}.mask.png").is_file():
        return None
    return "is not an earlier repair output (it may be an original image)"
