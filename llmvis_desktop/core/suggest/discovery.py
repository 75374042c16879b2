"""Find models on disk (configured folders, the local Hugging Face cache) and vet them.

Offline and torch-free: reads ``config.json``, file names, sizes and safetensors
headers, and hashes weight files once (the hash is cached). :func:`check` refuses a model with a message naming its
folder: no config, no weights, an unknown architecture, pickle-only weights without
the per-model opt-in, or custom code (``trust_remote_code``) without the opt-in.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..hashing import file_sha256 as _sha256  # (tests replace it)
from ..wording import hf_cache_id
from .digest_cache import DigestCache, digest_cache_path  # noqa: F401 - (digest_cache_path: its home was here)
from .registry import FAMILIES, architectures, family_for
from .loading import missing_files
from .weight_files import _param_count, _unloadable, _weight_files


class ModelRefused(Exception):
    """A model folder we will not load; the message names the folder and the fix."""


#: a model's family where its config names none we know, in ``llmvis models list`` and the
#: Models dialog alike (one said "-", the other "?")
UNKNOWN_FAMILY = "unknown"


@dataclass(frozen=True)
class ModelInfo:
    path: str
    model_id: str  # "org/name" for the HF cache, the folder path otherwise
    family: Optional[str]
    kind: Optional[str]  # captioner | chat | labeler
    size_bytes: int  # weights on disk
    revision: Optional[str]  # short hash of config + weights' content (copy-stable; hashes cached)
    weights_format: Optional[str]  # "safetensors" | "bin" | None
    needs_remote_code: bool
    problem: Optional[str]  # why it would be refused without opt-ins; None when usable
    has_config: bool = True
    architecture: Optional[str] = None
    params: Optional[int] = None  # parameter count, read from safetensors headers
    source: str = "folder"  # "folder" | "hf-cache"
    damaged: Optional[str] = None  # a weights file that cannot be whole (cut short, a Git LFS pointer)
    unloadable: Optional[str] = None  # weights transformers would not find (another name, shards missing)
    incomplete: Optional[str] = None  # tokenizer / image processor files a load would refuse the folder for
    remote_code_in: Optional[str] = None  # the file whose auto_map names the model's own code
    hub_commit: Optional[str] = None  # an HF-cache model's snapshot commit (snapshots/<commit>/)
    broken_links: Optional[str] = None  # model files that are links to nothing (an HF-cache blob missing)

    @property
    def name(self) -> str:
        return self.model_id if self.source == "hf-cache" else Path(self.path).name

    @property
    def family_text(self) -> str:
        """The family as ``llmvis models list`` and the Models dialog show it."""
        return self.family or UNKNOWN_FAMILY

    def hub_params(self) -> dict:
        """Where an HF-cache model came from, for a suggestion's provenance params (the
        revision stays the weights' content hash): ``hub_repo`` (``org/name``) and
        ``hub_commit`` (its snapshot's commit), each where known; {} for a folder model."""
        if self.source != "hf-cache":
            return {}
        return {k: v for k, v in (("hub_repo", self.model_id), ("hub_commit", self.hub_commit)) if v}


def _size(paths: Iterable[Path]) -> int:
    total = 0
    for p in paths:
        try:
            total += p.stat().st_size  # follows the HF cache's blob symlinks
        except OSError:
            pass
    return total


def _digest(config_bytes: bytes, weights: list[Path]) -> str:
    """Config bytes + for each weight file its name and the SHA-256 of its whole content.

    Copying or re-downloading a model keeps its revision; any change to the weights
    changes it (a fine-tune of the middle layers keeps the file's size and header and
    its first and last bytes). A file's hash is computed once and kept in
    :func:`.digest_cache.digest_cache_path`, keyed by (path, size, mtime_ns, inode).
    """
    h = hashlib.sha256(config_bytes)
    with DigestCache(_sha256) as cache:
        for p in weights:
            content = cache.hash(p)
            h.update(f"{p.name}:{content or 'unreadable'}".encode())
    return h.hexdigest()[:16]


def inspect_folder(folder: Path | str, model_id: Optional[str] = None, source: str = "folder",
                   revision: bool = True) -> ModelInfo:
    """Describe one model folder (never raises for a bad folder: ``problem`` says why)."""
    folder = Path(folder).expanduser()
    unreadable = _unreadable(folder)
    if unreadable:
        return ModelInfo(path=str(folder), model_id=model_id or str(folder), family=None, kind=None,
                         size_bytes=0, revision=None, weights_format=None, needs_remote_code=False,
                         problem=unreadable, has_config=False, source=source)
    cfg_path = folder / "config.json"
    config: dict = {}
    config_bytes = b""
    has_config = cfg_path.is_file()
    bad_config = None
    if has_config:
        try:
            config_bytes = cfg_path.read_bytes()
            config = json.loads(config_bytes)
            if not isinstance(config, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            bad_config = str(exc)
            config = {}
    safe, pickled = _weight_files(folder)
    fmt = "safetensors" if safe else ("bin" if pickled else None)
    weights = safe or pickled
    fam = family_for(config) if config else None
    archs = architectures(config)
    params, damaged = _param_count(safe)
    remote = "config.json" if config.get("auto_map") else _remote_code_in(folder)
    info = ModelInfo(
        path=str(folder),
        model_id=model_id or str(folder),
        family=fam.name if fam else None,
        kind=fam.kind if fam else None,
        size_bytes=_size(weights),
        revision=_digest(config_bytes, weights) if revision and (has_config or weights) else None,
        weights_format=fmt,
        needs_remote_code=remote is not None,
        remote_code_in=remote,
        problem=None,
        has_config=has_config and bad_config is None,
        architecture=(archs[0] if archs else config.get("model_type")) or None,
        params=params,
        source=source,
        damaged=damaged,
        unloadable=_unloadable(folder, fmt, weights),
        incomplete=missing_files(folder) if fam is not None and has_config and bad_config is None else None,
        hub_commit=_snapshot_commit(folder) if source == "hf-cache" else None,
        broken_links=_broken_links(folder),
    )
    problem = refusal(info, bad_config=bad_config)
    if not info.has_config and bad_config is None and source == "folder":
        problem = _holds_models(folder) or problem
    if problem:
        info = _replace(info, problem=problem)
    return info


def _unreadable(folder: Path) -> Optional[str]:
    """Why a folder cannot be read (no read access: a colleague's folder on a shared drive), or
    None. Its ``config.json`` probe raised, and one such folder failed the whole listing."""
    try:
        os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return (f"{folder}: cannot be read ({exc.strerror or exc}); ask its owner for read access, "
                f"or move it out of the model folder")
    return None


#: the files of a model folder a load may read (a link to nothing named otherwise, a README, is harmless)
_MODEL_FILE_SUFFIXES = (".json", ".safetensors", ".bin", ".pt", ".pth", ".model", ".txt", ".jinja", ".tiktoken")


def _broken_links(folder: Path) -> Optional[str]:
    """What is wrong when model files of the folder are links to nothing, or None. A Hugging
    Face cache snapshot is links into ``blobs/``; a download cut short (or a cache cleaned by
    hand) leaves links whose blob is not there, and the folder was refused as "no config.json,
    so this is not a model folder" or "no weights", naming neither the links nor the fix."""
    try:
        names = sorted(p.name for p in folder.iterdir()
                       if p.name.endswith(_MODEL_FILE_SUFFIXES) and p.is_symlink() and not p.exists())
    except OSError:
        return None
    if not names:
        return None
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    target = os.readlink(folder / names[0])
    return (f"{shown} {'is a link' if len(names) == 1 else 'are links'} to nothing (the file "
            f"{'it points to' if len(names) == 1 else names[0] + ' points to'}, {target}, is not there): "
            f"the download may be incomplete, or the files were deleted; download the model again "
            f"(on a machine online, then copy its folder here)")


#: configs whose ``auto_map`` transformers follows with trust_remote_code, and without it quietly
#: loads its default class instead (the folder ran otherwise than its author meant)
_CODE_CONFIGS = ("tokenizer_config.json", "processor_config.json", "preprocessor_config.json")


def _remote_code_in(folder: Path) -> Optional[str]:
    """The tokenizer or processor config whose ``auto_map`` (at its top, or in a processor
    config's part, e.g. its ``image_processor``) names the folder's own code, or None."""
    for name in _CODE_CONFIGS:
        p = folder / name
        try:
            if not p.is_file() or p.stat().st_size > 16 * 1024 * 1024:  # a named pipe would block
                continue
            cfg = json.loads(p.read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(cfg, dict) and (cfg.get("auto_map") or any(
                isinstance(v, dict) and v.get("auto_map") for v in cfg.values())):
            return name
    return None


def _holds_models(folder: Path, show: int = 3) -> Optional[str]:
    """The refusal of a folder given as a model that holds model folders below it
    (``--captioner models/team``): it said only "no config.json", naming none of them."""
    below = _models_below(folder, limit=show + 1)
    if not below:
        return None
    names = [p.relative_to(folder).as_posix() for p in below]
    return (f"{folder}: no config.json, so this is not a model folder, but it holds model folders: "
            f"{', '.join(names[:show])}{', ...' if len(names) > show else ''}; give one of them by its "
            f"path (e.g. {below[0]})")


def _models_below(folder: Path, depth: int = 3, limit: int = 4, visit: int = 500) -> list[Path]:
    """Model folders (``config.json``, or a Hugging Face cache's ``models--org--name``) below
    ``folder``, nearest first; at most ``limit``, looking into at most ``visit`` folders."""
    found: list[Path] = []
    level = [folder]
    for _ in range(depth):
        deeper = []
        for d in level:
            try:
                subs = sorted(p for p in d.iterdir() if p.is_dir() and not p.name.startswith("."))
            except OSError:
                continue
            for sub in subs:
                if _is_hf_repo(sub) or (sub / "config.json").is_file():
                    found.append(sub)
                    if len(found) >= limit:
                        return found
                else:
                    deeper.append(sub)
        level = deeper[:visit]
    return found


def _replace(info: ModelInfo, **kw) -> ModelInfo:
    from dataclasses import replace

    return replace(info, **kw)


#: how a refusal says to opt in (the model manager says its own check box instead)
BIN_OPT_IN = "(--allow-bin; in the model manager, its check box)"
CODE_OPT_IN = "(--trust-remote-code; in the model manager, its check box)"


def refusal(info: ModelInfo, allow_bin: bool = False, allow_remote_code: bool = False,
            bad_config: Optional[str] = None) -> Optional[str]:
    where = info.path
    if info.broken_links:  # before "no config.json" / "no weights": those links are them
        return f"{where}: {info.broken_links}"
    if bad_config is not None:
        return f"{where}: config.json cannot be read ({bad_config})"
    if not info.has_config:
        return (f"{where}: no config.json, so this is not a model folder; point to the folder "
                f"that save_pretrained wrote (config.json beside the weights)")
    if info.unloadable:  # before the .bin opt-in: with it, the load failed all the same
        return f"{where}: {info.unloadable}"
    if info.weights_format is None:
        return (f"{where}: no weights (*.safetensors or pytorch_model.bin) beside config.json; "
                f"the download may be incomplete")
    if info.family is None:
        known = ", ".join(sorted({t for f in FAMILIES for t in f.model_types}))
        return (f"{where}: architecture {info.architecture or 'unknown'!s} is not one we can run; "
                f"known model types: {known}")
    if info.weights_format == "bin" and not allow_bin:
        return (f"{where}: weights only in pickle .bin form, which can run code when loaded; "
                f"convert them to safetensors, or opt in for this model {BIN_OPT_IN}")
    if info.needs_remote_code and not allow_remote_code:
        other = info.remote_code_in not in (None, "config.json")
        return (f"{where}: this model needs its own Python code (trust_remote_code"
                + (f": auto_map in {info.remote_code_in}; without it transformers would quietly use its "
                   f"default class instead" if other else "")
                + f"); use a converted checkpoint, or opt in for this model {CODE_OPT_IN}")
    if info.damaged:
        return f"{where}: {info.damaged}"
    if info.incomplete:  # refused as it loads (loading.need_tokenizer / need_image_processor): listed so
        return f"{where}: {info.incomplete}"
    return None


def check(info: ModelInfo, allow_bin: bool = False, allow_remote_code: bool = False) -> ModelInfo:
    """Return ``info`` when it may be loaded with these opt-ins; raise :class:`ModelRefused` otherwise."""
    if info.problem and not info.has_config:  # no, or an unreadable, config.json or folder: no opt-in lifts it
        raise ModelRefused(info.problem)
    why = refusal(info, allow_bin, allow_remote_code)
    if why:
        raise ModelRefused(why)
    return info


# ------------------------------------------------------------------ discovery
def hf_hub_cache() -> Path:
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    home = os.environ.get("HF_HOME")
    base = Path(home).expanduser() if home else Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "huggingface"
    return base / "hub"


def _snapshot(repo_dir: Path) -> Optional[Path]:
    snaps = repo_dir / "snapshots"
    ref = repo_dir / "refs" / "main"
    try:
        if ref.is_file():
            rev = ref.read_text().strip()
            if (snaps / rev).is_dir():
                return snaps / rev
        candidates = [p for p in snaps.iterdir() if p.is_dir()]
    except OSError:
        return None
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def _snapshot_commit(folder: Path) -> Optional[str]:
    """The commit of a cache snapshot folder (``models--org--name/snapshots/<commit>``,
    given as itself or through a link to it), or None."""
    for p in (folder, Path(os.path.realpath(folder))):
        if p.parent.name == "snapshots" and p.parent.parent.name.startswith("models--"):
            return p.name
    return None


def scan_hf_cache(cache: Optional[Path] = None, revisions: bool = True) -> list[ModelInfo]:
    cache = cache or hf_hub_cache()
    out = []
    try:
        repos = sorted(p for p in cache.iterdir() if p.name.startswith("models--"))
    except OSError:
        return []
    for repo in repos:
        if _snapshot(repo) is not None:
            out.append(hf_repo_model(repo, revisions))
    return out


def _is_hf_repo(folder: Path) -> bool:
    return folder.name.startswith("models--") and folder.is_dir()


def hf_repo_model(repo: Path, revisions: bool = True) -> ModelInfo:
    """A Hugging Face cache repo folder (``models--org--name``, in the cache or copied into a
    model folder) as the model ``org/name`` at its refs/main snapshot; one with no snapshot
    is listed as refused, saying so."""
    model_id = hf_cache_id(repo.name)
    snap = _snapshot(repo)
    if snap is not None or _unreadable(repo):
        return inspect_folder(snap or repo, model_id=model_id, source="hf-cache", revision=revisions)
    return ModelInfo(path=str(repo), model_id=model_id, family=None, kind=None, size_bytes=0, revision=None,
                     weights_format=None, needs_remote_code=False, has_config=False, source="hf-cache",
                     problem=(f"{repo}: no downloaded snapshot (snapshots/ is empty or missing: the "
                              f"download of {model_id} did not finish); download it again on a machine "
                              f"online and copy its folder here"))


def _looks_like_model(folder: Path, entries: Optional[list] = None) -> bool:
    """Whether ``folder`` holds a config.json or weights; ``entries``: its listing
    (``os.scandir``), read here when not given (None when it cannot be listed)."""
    if entries is None:
        entries = _listing(folder)
    entries = entries or ()
    for e in entries:
        try:
            if e.name == "config.json" and e.is_file():
                return True
        except OSError:
            pass
    if any(e.name.endswith(_WEIGHT_ENDINGS) for e in entries):  # (the weights' rules stat each file)
        safe, pickled = _weight_files(folder)
        return bool(safe or pickled)
    return False


#: names a weight file may end with (:func:`.weight_files._weight_files` decides which are)
_WEIGHT_ENDINGS = (".safetensors", ".bin", ".pt", ".pth", "model.safetensors.index.json",
                   "pytorch_model.bin.index.json")


def _listing(folder: Path) -> Optional[list]:
    """The folder's entries (``os.scandir``: one listing, names and types without a stat
    each), or None when it cannot be listed (not there, a file, no read access)."""
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return None


def _sub_folders(entries: list, root: Path) -> list[Path]:
    """The folders among ``entries`` (links to folders too), hidden ones left out, by name."""
    out = []
    for e in entries:
        if e.name.startswith("."):
            continue
        try:
            if e.is_dir():
                out.append(root / e.name)
        except OSError:
            continue
    return sorted(out)


#: how many folders below a model folder models are looked for (``name/``, ``org/name/``)
LIST_DEPTH = 2
_TOO_DEEP_MAX = 50  # deeper model folders noted, at most


def scan_folder(root: Path, depth: int = LIST_DEPTH, revisions: bool = True,
                too_deep: Optional[list] = None) -> list[ModelInfo]:
    """A model folder itself, or model folders below it (``name/`` or ``org/name/``); a
    Hugging Face cache copied here (``models--org--name/`` folders, or the cache's ``hub/``
    or ``huggingface/hub/`` holding them) lists each cached model as ``org/name``.
    Model folders one level deeper are not listed: their paths go to ``too_deep`` (they were
    left out and nothing said so)."""
    root = Path(root).expanduser()
    if _is_hf_repo(root):  # a model of a Hugging Face cache copied here
        return [hf_repo_model(root, revisions)]
    # one listing a folder: 5,000 data folders under a model folder took 0.6-0.8 s to list
    # (each folder listed three times, each file in it stat-ed twice), against 0.14 s for a
    # plain os.walk of them
    entries = _listing(root)
    if entries is None:  # (an unreadable one is listed, saying so; one not there, or a file, not)
        return [inspect_folder(root, revision=revisions)] if _unreadable(root) else []
    if _looks_like_model(root, entries):
        return [inspect_folder(root, revision=revisions)]
    out: list[ModelInfo] = []
    for sub in _sub_folders(entries, root):
        if _is_hf_repo(sub):  # one level deeper than folders: a copied ~/.cache/huggingface/hub
            out.append(hf_repo_model(sub, revisions))
        elif depth > 0:
            out.extend(scan_folder(sub, depth - 1, revisions, too_deep))
        elif too_deep is not None and len(too_deep) < _TOO_DEEP_MAX and _looks_like_model(sub):
            too_deep.append(str(sub))
    return out


def discover(model_dirs: Iterable[str | Path] = (), include_hf_cache: bool = True,
             hf_cache: Optional[Path] = None, known_only: bool = False,
             cache_known_only: bool = True, revisions: bool = True,
             too_deep: Optional[list] = None) -> list[ModelInfo]:
    """Every model under the configured folders, then in the HF cache; no network, no torch.
    ``revisions=False``: no revision (``None``), so no weight file is read whole (the
    model manager lists without them; a job resolves its model with one).

    Folders the user configured are listed whatever they hold (a refused one says why);
    from the HF cache, which also holds unrelated text models, only known families
    unless ``cache_known_only`` is False. Model folders too deep to be listed go to ``too_deep``.
    """
    found = [i for d in model_dirs for i in scan_folder(Path(d), revisions=revisions, too_deep=too_deep)]
    if include_hf_cache:  # not a model a model folder holds too: org/name runs that one
        have = {i.model_id for i in found if i.source == "hf-cache"}
        found += [i for i in scan_hf_cache(hf_cache, revisions)
                  if (i.family or not cache_known_only) and i.model_id not in have]
    # one entry per folder; of a folder and a link to it (or to a folder above it), the
    # folder itself (listed by a link's name that sorted first, the real folder was missing
    # from the list)
    chosen: dict[str, ModelInfo] = {}
    for info in found:
        if known_only and info.family is None:
            continue
        key = os.path.realpath(info.path)
        have = chosen.get(key)
        if have is None or _links_in(info.path) < _links_in(have.path):
            chosen[key] = info
    return list(chosen.values())


def _links_in(path: str) -> int:
    """How many of the path's folders, itself included, are symbolic links."""
    p = Path(path)
    return sum(os.path.islink(q) for q in (p, *p.parents))


def _folder_model(folder: Path) -> ModelInfo:
    """A model folder given by its path: absolute, but links kept (the path the model
    manager lists and keeps opt-ins under; resolved, a linked folder lost its opt-ins).
    A snapshot folder of the Hugging Face cache is the cached model ``org/name``: the same
    model id whether it was chosen by path (the model manager) or by name (the CLI)."""
    folder = Path(os.path.abspath(folder))
    if _is_hf_repo(folder):  # the cache's folder of a model: its refs/main snapshot
        info = hf_repo_model(folder)
        if info.problem and not info.has_config:
            raise ModelRefused(info.problem)
        return info
    real = Path(os.path.realpath(folder))
    repo = real.parent.parent
    if real.parent.name == "snapshots" and repo.name.startswith("models--"):
        return inspect_folder(folder, model_id=hf_cache_id(repo.name), source="hf-cache")
    return inspect_folder(folder)


def names_model(spec: str, info: ModelInfo, model_dirs: Iterable[str | Path] = ()) -> bool:
    """Whether the saved model ``spec`` (a folder, a folder name or ``org/name`` in one of
    ``model_dirs``, an HF-cache id) is the model ``info``; no disk look but realpath. The
    model thread keeps loaded models by it, the Models dialog selects the saved ones by it."""
    spec = str(spec)
    if spec in (info.path, info.model_id):
        return True
    real = os.path.realpath(info.path)
    return any(os.path.realpath(Path(d).expanduser() / spec) == real for d in ["", *model_dirs])


def resolve_model(spec: str | Path, model_dirs: Iterable[str | Path] = (),
                  hf_cache: Optional[Path] = None) -> ModelInfo:
    """A model given as a folder path, a folder name inside a model dir, or an ``org/name`` cached id."""
    p = Path(spec).expanduser()
    if p.is_dir():
        return _folder_model(p)
    repo_name = "models--" + str(spec).replace("/", "--")
    for d in model_dirs:
        cand = Path(d).expanduser() / str(spec)
        if cand.is_dir():
            return _folder_model(cand)
        for hub in ("", "hub", "huggingface/hub"):  # an HF cache copied into the model folder
            cand = Path(d).expanduser() / hub / repo_name
            if cand.is_dir():
                return _folder_model(cand)
    cache = hf_cache or hf_hub_cache()
    repo = cache / repo_name
    if repo.is_dir():
        snap = _snapshot(repo)
        if snap is not None:
            return inspect_folder(snap, model_id=str(spec), source="hf-cache")
    if p.exists():  # a model's file (its weights, its config.json): "no such model folder" misled
        raise ModelRefused(f"{spec}: a file, not a folder; give the model's folder (config.json beside "
                           f"the weights, as save_pretrained writes it), e.g. {p.parent}")
    looked = [str(p)] + [str(Path(d).expanduser()) for d in model_dirs] + [str(cache)]
    raise ModelRefused(
        f"{spec}: no such model folder; looked in {', '.join(looked)}. Put the model's folder "
        f"(config.json + weights, as save_pretrained writes it) in a model folder set in Settings, "
        f"or give its path")
