"""Image features for the learned suggester: the extractor interface, embeddings and caching.

:class:`FeatureExtractor` is what every extractor provides; :class:`HandcraftedFeatures`
(numpy + Pillow, in :mod:`.handcrafted`) is the default, :class:`ClipFeatures` a local
CLIP/SigLIP encoder when given (torch and transformers imported on first use only).
:class:`FeatureCache` keeps vectors per (image id, mtime) on disk, and
:func:`features_for` / :func:`features_for_all` read only the images not yet cached.

The numpy filters and preprocessing live in :mod:`.filters` and the handcrafted
vector in :mod:`.handcrafted`; their public names are re-exported here.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Callable, Optional, Protocol, Sequence, runtime_checkable

import numpy as np
from PIL import Image

from .. import lazy_torch
from .filters import _EPS, SIZE, box, gaussian, to_gray_float
from .handcrafted import HandcraftedFeatures, handcrafted_vector
from .tmp_names import drop, own_tmp

#: decoded images held for the extractors at once: a batch of 32 line-scan strips
#: (4096x40000 RGB, 491 MB each) held 15.7 GB; one image larger than this goes alone
BATCH_BYTES = 256 * 1024 * 1024

__all__ = [
    "SIZE", "ClipFeatures", "FeatureCache", "FeatureExtractor", "HandcraftedFeatures", "box",
    "cache_path_for", "features_for", "features_for_all", "gaussian", "handcrafted_vector", "to_gray_float",
]

log = logging.getLogger(__name__)


@runtime_checkable
class FeatureExtractor(Protocol):
    """Turns images into fixed-length vectors. ``name`` identifies the vector's version."""

    name: str
    dim: int

    def extract(self, images: list[np.ndarray]) -> np.ndarray:
        """uint8 HxW or HxWx3 arrays -> float32 array (len(images), dim)."""
        ...


# --------------------------------------------------------------------------- CLIP / SigLIP
class ClipFeatures:
    """Image embeddings of a local CLIP/SigLIP checkpoint folder (``save_pretrained`` layout).

    torch and transformers are imported on first use; the folder is read with
    ``local_files_only=True`` and nothing is ever downloaded. Embeddings are the
    vision tower's pooled output, L2-normalised. Weights only in pickle ``.bin`` form load
    with ``allow_bin`` (the model's opt-in), else are refused saying how to opt in.
    """

    def __init__(self, model_path: str | Path, device: str = "cpu", batch_size: int = 16,
                 revision: Optional[str] = None, allow_bin: bool = False) -> None:
        self.model_path = Path(model_path)
        self.allow_bin = allow_bin
        if not self.model_path.is_dir():
            raise FileNotFoundError(f"{self.model_path}: no such model folder (a save_pretrained directory)")
        self.device = device
        self.batch_size = batch_size
        self._model = None
        self._processor = None
        self._lock = threading.Lock()
        # the name keys the feature cache, the fit and the suggestions' model id: the weights'
        # revision (:mod:`.discovery`: new weights in the same folder are another encoder, a
        # copied folder the same one), else the folder's path
        digest = revision or hashlib.sha1(str(self.model_path.resolve()).encode()).hexdigest()[:8]
        self.name = f"clip:{self.model_path.name}-{digest}"
        self._dim: Optional[int] = None

    def _load(self):
        if self._model is not None:
            return
        # as a suggestion model's load (engines.Engine.load): no collection meanwhile and the
        # encoder's objects frozen after, torch and transformers imported by import_engine
        # (the first extract's young and full collections, walking the model classes'
        # modules as they were imported, held the GIL 40-95 ms each: the window froze)
        from .discovery import ModelRefused

        with lazy_torch.collector_paused():
            try:
                self._load_now()
            except ModelRefused:  # (named already: weights missing from it, or not finite)
                self._model = self._processor = None
                raise
            except Exception as exc:
                raise self._refused(exc) from exc

    def _refused(self, exc: Exception):
        """A failed load as a :class:`~.discovery.ModelRefused` naming the folder (a bare
        RuntimeError of transformers, "You set `ignore_mismatched_sizes` to `False`...",
        named none, and the window showed it as the learned suggester's failure)."""
        from ..errors import first_line
        from .discovery import ModelRefused
        from .json_files import damaged_json
        from .loading import mismatch_words

        self._model = self._processor = None  # (half loaded: tried again next time)
        if not self.model_path.is_dir():
            return ModelRefused(f"{self.model_path}: the learned suggester's encoder folder is no longer there "
                                f"(moved or deleted while it was loading)")
        # (transformers' "look at the above report" of a size mismatch: the report went to the debug log)
        why = damaged_json(self.model_path) or mismatch_words(exc)
        if not why:
            why = f"{type(exc).__name__}: {first_line(exc, 300)}"
        return ModelRefused(f"{self.model_path}: cannot load this folder as the learned suggester's encoder "
                            f"({why}); choose another encoder, or the handcrafted features")

    def _load_now(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        lazy_torch.import_engine()
        from transformers import AutoConfig, AutoImageProcessor
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # as a model job's load: no "Loading weights" bar on stderr

        config = AutoConfig.from_pretrained(self.model_path, local_files_only=True)
        kind = getattr(config, "model_type", "")
        if kind == "siglip2":  # (SigLIP's class on it: a position table of another size, the load refused)
            from transformers import Siglip2VisionModel as Vision
        elif kind.startswith("siglip"):
            from transformers import SiglipVisionModel as Vision
        else:
            from transformers import CLIPVisionModel as Vision
        import torch

        from .loading import from_pretrained

        # safetensors only without the .bin opt-in (transformers fell back to a pickle .bin
        # beside no safetensors: a folder swapped after its check loaded unasked)
        safetensors = any(self.model_path.glob("*.safetensors"))
        if not safetensors and not self.allow_bin and any(self.model_path.glob("pytorch_model*.bin")):
            from .discovery import ModelRefused
            from .learned_encoder import bin_refusal

            raise ModelRefused(bin_refusal(self.model_path))
        self._processor = AutoImageProcessor.from_pretrained(self.model_path, local_files_only=True)
        # as a suggestion model's load: transformers' load report to the debug log (a full
        # checkpoint's text tower is unused on purpose: its table of UNEXPECTED weights filled
        # stderr), vision weights missing from the checkpoint or not finite refused by name
        self._model = from_pretrained(Vision, self.model_path, torch.float32, {"local_files_only": True},
                                      safetensors or not self.allow_bin).to(self.device).eval()
        self._dim = int(self._model.config.hidden_size)

    @property
    def dim(self) -> int:
        with self._lock:
            self._load()
        return int(self._dim)

    def extract(self, images: list[np.ndarray]) -> np.ndarray:
        import torch

        with self._lock:
            self._load()
            out = []
            for i in range(0, len(images), self.batch_size):
                pil = [Image.fromarray(np.ascontiguousarray(a)).convert("RGB") for a in images[i:i + self.batch_size]]
                inputs = self._processor(images=pil, return_tensors="pt").to(self.device)
                with torch.inference_mode():
                    emb = self._model(**inputs).pooler_output.float().cpu().numpy()
                out.append(emb / (np.linalg.norm(emb, axis=1, keepdims=True) + _EPS))
            if not out:
                return np.zeros((0, int(self._dim)), np.float32)
            return np.concatenate(out).astype(np.float32)


# --------------------------------------------------------------------------- caching
class FeatureCache:
    """Features per (image id, mtime, file size) for one extractor: in memory, persisted to
    an .npz file. (A file replaced by one of another size with the same mtime, as a copy
    that keeps times does, was taken for the old one when only the mtime was compared;
    a cache of the older two-column keys is read as empty.)

    The file lives in the project's ``.llmvis/features/`` folder (next to its SQLite
    database) or under the user cache dir when the folder is read-only.
    """

    def __init__(self, path: Optional[Path], extractor_name: str) -> None:
        self.path = path
        self.extractor_name = extractor_name
        self._mem: dict[tuple[int, int, int], np.ndarray] = {}
        self._dirty = False
        self._lock = threading.Lock()
        if path is not None and path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    if str(z["extractor"]) == extractor_name and z["keys"].ndim == 2 and z["keys"].shape[1] == 3:
                        for key, vec in zip(z["keys"], z["vectors"]):
                            self._mem[(int(key[0]), int(key[1]), int(key[2]))] = vec
            except Exception as exc:  # a broken cache is only a cache
                log.warning("ignoring feature cache %s: %s", path, exc)

    def __len__(self) -> int:
        return len(self._mem)

    def get(self, image_id: int, mtime_ns: int, size: int = 0) -> Optional[np.ndarray]:
        return self._mem.get((image_id, mtime_ns, size))

    def put(self, image_id: int, mtime_ns: int, vec: np.ndarray, size: int = 0) -> None:
        with self._lock:
            self._mem[(image_id, mtime_ns, size)] = np.asarray(vec, np.float32)
            self._dirty = True

    def prune(self, live) -> int:
        """Drop every vector whose key is not in ``live`` (the (image id, mtime, size) of the
        project's files as the index has them now): a deleted file's, and each older
        content's of a changed one, were kept for good, the file growing over the project's
        life. Returns how many were dropped (saved at the next :meth:`save`)."""
        live = live if isinstance(live, (set, frozenset)) else set(live)
        with self._lock:
            dead = [k for k in self._mem if k not in live]
            for k in dead:
                del self._mem[k]
            if dead:
                self._dirty = True
        return len(dead)

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        with self._lock:
            keys = np.array(list(self._mem.keys()), np.int64).reshape(-1, 3)
            vecs = np.stack(list(self._mem.values())) if self._mem else np.zeros((0, 0), np.float32)
            self._dirty = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = own_tmp(self.path, ".tmp.npz")  # (another process may be saving the same file)
            try:
                np.savez(tmp, keys=keys, vectors=vecs, extractor=np.array(self.extractor_name))
                os.replace(tmp, self.path)
            except BaseException:
                drop(tmp)
                raise
        except OSError as exc:
            log.warning("cannot write feature cache %s: %s", self.path, exc)


#: the database file a project opens by default: its caches keep the folder they always had
DEFAULT_DB_NAME = "project.sqlite"


def _url_without_password(url: str) -> str:
    """The database URL with its password left out (the same database reached with another
    password is the same database; a password has no place in a file name's hash)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)  # (the password as ***)
    except Exception:
        return url


def cache_path_for(project, extractor_name: str) -> Optional[Path]:
    """Where the features of ``extractor_name`` for this project are kept: beside its
    SQLite database (in ``features/``; a database of another name than the default one in
    ``features/<its name>/``), or in the user cache folder under a hash of the image
    folder and the database URL without its password (a team's PostgreSQL). Keyed by the
    database, not the folder alone: two databases over one folder (two teams, a copy of
    the project) shared one file keyed by image id, so each fit's upkeep dropped the
    other's vectors, and an image id of one database, another image in the other, could
    be served the other picture's features. None: no cache folder to be had."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in extractor_name)
    url = getattr(project, "db_url", "")
    if url.startswith("sqlite:///"):
        db = Path(url[len("sqlite:///"):])
        folder = db.parent / "features"
        return (folder if db.name == DEFAULT_DB_NAME else folder / db.name) / f"{safe}.npz"
    try:
        from ..config import cache_dir

        key = hashlib.sha1(f"{project.root}\n{_url_without_password(url)}".encode()).hexdigest()[:16]
        return cache_dir() / "features" / key / f"{safe}.npz"
    except Exception:
        return None


def features_for(
    project,
    records: Sequence,
    extractor: FeatureExtractor,
    cache: Optional[FeatureCache] = None,
    check: Callable[[], None] = lambda: None,
    on_item: Callable[[int], None] = lambda n: None,
    batch_size: int = 32,
) -> tuple[np.ndarray, list[int]]:
    """Feature rows for ``records`` (ImageRecord), reading only uncached images.

    Returns (matrix of the readable ones, their indices into ``records``); an image that
    cannot be read is skipped (logged), never fatal.
    """
    (mat,), order = features_for_all(project, records, [(extractor, cache)], check, on_item, batch_size)
    return mat, order


def features_for_all(
    project,
    records: Sequence,
    pairs: Sequence[tuple[FeatureExtractor, Optional[FeatureCache]]],
    check: Callable[[], None] = lambda: None,
    on_item: Callable[[int], None] = lambda n: None,
    batch_size: int = 32,
) -> tuple[list[np.ndarray], list[int]]:
    """:func:`features_for` for several (extractor, cache) pairs at once: an image missing
    from any cache is read once and given to every extractor that lacks it. Returns one
    matrix per pair, over the images all could use, and their indices into ``records``."""
    from ..imaging.reader import read_image

    rows: list[dict[int, np.ndarray]] = [{} for _ in pairs]
    todo: list[int] = []
    for i, rec in enumerate(records):
        complete = True
        for k, (ext, cache) in enumerate(pairs):
            vec = cache.get(rec.id, rec.mtime_ns, rec.size) if cache is not None else None
            if vec is not None and vec.shape[0] == getattr(ext, "dim", vec.shape[0]):
                rows[k][i] = vec
            else:
                complete = False
        if not complete:
            todo.append(i)
    done = len(records) - len(todo)
    on_item(done)

    def read(i: int) -> Optional[np.ndarray]:
        try:
            return read_image(project.path_of(records[i]), max_pixels=getattr(project, "max_pixels", None)
                              or 178_956_970).display
        except Exception as exc:
            log.info("learned suggester skips %s: %s", records[i].relpath, exc)
            return None

    def size(i: int) -> int:  # at least a byte per pixel (8-bit gray; RGB is 3)
        return (records[i].width or 0) * (records[i].height or 0)

    for chunk, arrays, taken in _chunks(todo, read, size, batch_size, check):
        for k, (ext, cache) in enumerate(pairs):
            need = [n for n, i in enumerate(chunk) if i not in rows[k]]
            if not need:
                continue
            mat = ext.extract([arrays[n] for n in need])
            for n, vec in zip(need, mat):
                i = chunk[n]
                rows[k][i] = vec
                if cache is not None:
                    cache.put(records[i].id, records[i].mtime_ns, vec, records[i].size)
        done += taken
        on_item(done)
    order = sorted(set.intersection(*(set(r) for r in rows))) if rows else []
    mats = []
    for (ext, _), r in zip(pairs, rows):
        dim = getattr(ext, "dim", 0)
        mat = np.stack([r[i] for i in order]) if order else np.zeros((0, dim), np.float32)
        mats.append(mat.astype(np.float32))
    return mats, order


def _chunks(todo: Sequence[int], read: Callable[[int], Optional[np.ndarray]], size: Callable[[int], int],
            batch_size: int, check: Callable[[], None]):
    """(indices, their decoded images, records used up) per batch: at most ``batch_size``
    images and :data:`BATCH_BYTES` of them by ``size`` (its pixels, from the index; one
    image larger than that goes alone); a record that cannot be read counts as used up,
    with no image."""
    chunk: list[int] = []
    arrays: list[np.ndarray] = []
    held = taken = 0
    check()
    for i in todo:
        # decided before the image is decoded (by its header's size), so a batch is handed
        # on before the next image is read, not while it is held as well
        if arrays and (len(arrays) >= batch_size or held + size(i) > BATCH_BYTES):
            yield chunk, arrays, taken
            chunk, arrays, held, taken = [], [], 0, 0
            check()
        a = read(i)
        taken += 1
        if a is not None:
            chunk.append(i)
            arrays.append(a)
            held += a.nbytes
    if taken:
        yield chunk, arrays, taken
