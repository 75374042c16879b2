"""User preferences: a typed JSON file under the platform's config dir.

``LLMVIS_CONFIG_DIR`` / ``LLMVIS_DATA_DIR`` / ``LLMVIS_CACHE_DIR`` override the
platform folders (tests isolate themselves with these).
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)
APP = "llmvis_desktop"
DEFAULT_MAX_IMAGE_PIXELS = 178_956_970  # Pillow's error threshold (2 x its warning limit)


def _platform_dir(kind: str) -> Path:
    env = os.environ.get(f"LLMVIS_{kind.upper()}_DIR")
    if env:
        return Path(env)
    import platformdirs

    getter = {
        "config": platformdirs.user_config_dir,
        "data": platformdirs.user_data_dir,
        "cache": platformdirs.user_cache_dir,
        "log": platformdirs.user_log_dir,
    }[kind]
    return Path(getter(APP, appauthor=False))


def config_dir() -> Path:
    return _platform_dir("config")


def data_dir() -> Path:
    return _platform_dir("data")


def cache_dir() -> Path:
    return _platform_dir("cache")


def log_dir() -> Path:
    return _platform_dir("log")


@dataclass
class Config:
    reviewer: str = ""
    model_dirs: list[str] = field(default_factory=list)
    device: str = "auto"  # auto | cpu | cuda | mps
    thumbnail_size: int = 160
    cache_location: str = ""  # empty: the platform cache dir
    thumbnail_cache_mb: int = 1024  # the thumbnail cache is pruned to stay under it; 0: no limit
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    recent_projects: list[str] = field(default_factory=list)
    last_project: str = ""
    # folder -> the database it was opened with, when not its own SQLite file (a team's
    # PostgreSQL); never with a password (libpq's ~/.pgpass or PGPASSWORD supply it)
    project_databases: dict[str, str] = field(default_factory=dict)
    # where accepted repairs are saved: empty = ``repaired/`` beside the original; a relative
    # folder is taken beside the original, an absolute one is used as is
    repair_output: str = ""

    def thumbnail_cache_dir(self) -> Path:
        return Path(self.cache_location) if self.cache_location else cache_dir() / "thumbnails"

    def thumbnail_cache_bytes(self) -> int:
        """The thumbnail cache's size limit in bytes; 0: unlimited."""
        return max(0, self.thumbnail_cache_mb) * 1024 * 1024

    def remember_project(self, folder: str, db_url: Optional[str] = None) -> None:
        """``folder`` is the last project; ``db_url``: the database it was opened with
        when one was named (reopening the folder later uses it again)."""
        folder = str(folder)
        self.recent_projects = [folder] + [p for p in self.recent_projects if p != folder]
        del self.recent_projects[10:]
        self.last_project = folder
        if db_url:
            from .store.engine import url_without_password

            self.project_databases[folder] = url_without_password(db_url)

    def database_for(self, folder: str) -> Optional[str]:
        """The database ``folder`` was last opened with, if it was not its own SQLite file."""
        return self.project_databases.get(str(Path(folder).expanduser().resolve()))


class ConfigError(ValueError):
    pass


def config_path() -> Path:
    return config_dir() / "config.json"


#: the thumbnail sizes the grid shows (Settings and Ctrl+wheel keep to them)
THUMBNAIL_SIZE_MIN, THUMBNAIL_SIZE_MAX = 64, 384
MIN_IMAGE_PIXELS = 1_000_000  # Settings' smallest limit (1 MP)
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass
class LoadedConfig:
    """What :func:`read_config` found: the settings to use, one line per setting that
    was wrong and what was used instead, and whether the file could not be read at all
    (not JSON, not an object, unreadable): nothing in it was used."""

    config: Config
    path: Path
    problems: list[str] = field(default_factory=list)
    unreadable: bool = False


def read_config(path: Optional[Path] = None) -> LoadedConfig:
    """The configuration with every valid setting kept: a wrong setting takes its
    default (or a value out of range the nearest allowed one, a list its valid items)
    and is named in ``problems``. Never raises for the file's content; nothing is
    written (see :func:`backup_config` before writing over a file with problems)."""
    path = path or config_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return LoadedConfig(Config(), path)
    except OSError as exc:
        return LoadedConfig(Config(), path, [f"cannot read the file ({exc.strerror or exc}); "
                                             f"every setting takes its default"], True)
    except ValueError as exc:  # (UnicodeDecodeError too)
        return LoadedConfig(Config(), path, [f"the file is not valid JSON ({exc}); "
                                             f"every setting takes its default"], True)
    if not isinstance(raw, dict):
        return LoadedConfig(Config(), path, [f"the file must hold a JSON object, not a "
                                             f"{type(raw).__name__}; every setting takes its default"], True)
    defaults = Config()
    known = {f.name for f in fields(Config)}
    values: dict = {}
    problems: list[str] = []
    for key, value in raw.items():
        if key not in known:
            continue  # written by a newer version; ignored, kept out of the way
        checked, problem = _check(key, value, getattr(defaults, key))
        if problem:
            problems.append(f"setting {key!r}: {problem}")
        values[key] = checked
    return LoadedConfig(Config(**values), path, problems)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(key: str, value, default):
    """(the value to use, None) or (the value used instead, what was wrong)."""
    if isinstance(default, list):  # a list of strings: the strings are kept
        if not isinstance(value, list):
            return default, f"must be a list of strings, not {value!r}; the default (empty) is used"
        good = [v for v in value if isinstance(v, str) and v]
        if len(good) < len(value):
            bad = [v for v in value if not (isinstance(v, str) and v)]
            return good, f"{len(bad)} item(s) that are not paths left out ({', '.join(map(repr, bad[:3]))})"
        return value, None
    if isinstance(default, dict):  # folder -> database URL: the string pairs are kept
        if not isinstance(value, dict):
            return default, f"must map folders to database URLs, not {value!r}; the default (none) is used"
        good = {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and v}
        if len(good) < len(value):
            return good, f"{len(value) - len(good)} entry(ies) that are not a database URL left out"
        return value, None
    if isinstance(default, str):
        if not isinstance(value, str):
            return default, f"must be a string, not {value!r}; the default {default!r} is used"
        if key == "device" and value.lower() not in DEVICES and not value.lower().startswith("cuda:"):
            return default, f"{value!r} is not one of {', '.join(DEVICES)}; {default!r} is used"
        return value, None
    # a whole number (a whole float such as 2e8 is taken as one)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not _is_int(value):
        return default, f"must be a whole number, not {value!r}; the default {default} is used"
    if key == "thumbnail_size" and not THUMBNAIL_SIZE_MIN <= value <= THUMBNAIL_SIZE_MAX:
        used = min(THUMBNAIL_SIZE_MAX, max(THUMBNAIL_SIZE_MIN, value))
        return used, (f"{value} is outside {THUMBNAIL_SIZE_MIN}-{THUMBNAIL_SIZE_MAX} px; {used} is used")
    if key == "thumbnail_cache_mb" and value < 0:
        return default, f"{value} is negative (0: no limit); the default {default} is used"
    if key == "max_image_pixels" and value < MIN_IMAGE_PIXELS:
        return default, f"{value} is below {MIN_IMAGE_PIXELS:,}; the default {default:,} is used"
    return value, None


def load_config(path: Optional[Path] = None, warn=None) -> Config:
    """The configuration (see :func:`read_config`); each problem found is passed to
    ``warn`` (one line each, naming the file), or logged when none is given."""
    loaded = read_config(path)
    for problem in loaded.problems:
        (warn or log.warning)(f"{loaded.path}: {problem}")
    return loaded.config


def backup_config(path: Optional[Path] = None) -> Path:
    """Copy the configuration file aside (``config.json.bad-<timestamp>``) before it is
    written over; returns the copy. Raises OSError when it cannot be copied."""
    import shutil
    import time

    path = path or config_path()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bad-{stamp}-{n}")
    shutil.copy2(path, target)
    return target


def save_config(cfg: Config, path: Optional[Path] = None) -> Path:
    """Write atomically: a crash mid-write leaves the previous file intact. Each save
    writes a temporary file of its own (two windows save at once: one fixed name let the
    second truncate and rename the first's file, whose rename then failed), removed again
    when the write or the rename fails; the last rename wins, whole (:func:`.tmp_names.write_whole`;
    not fsynced, as before: settings, written often, some on the GUI thread)."""
    from .tmp_names import write_whole

    path = path or config_path()
    write_whole(path, json.dumps(asdict(cfg), indent=2, sort_keys=True).encode("utf-8"), fsync=False)
    return path


#: the most characters of a history event's actor (the ``events.actor`` column)
ACTOR_MAX = 200


def os_user() -> Optional[str]:
    """The operating system's name for the person running this process, or None."""
    import getpass

    try:
        name = getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry (a container's uid)
        return None
    return name.strip() or None


def person(explicit: Optional[str] = None, cfg: Optional[Config] = None) -> str:
    """Who a change made outside the window is recorded as: ``explicit`` (``--actor``),
    else the configured reviewer name, else the operating system's user name. The history
    names a person for every change (``cli`` named nobody)."""
    # the system's name only when none is given: its lookup (NSS, maybe LDAP) ran every time
    for name in (explicit, cfg.reviewer if cfg is not None else None):
        if name and name.strip():
            return name.strip()[:ACTOR_MAX]
    name = os_user()
    return name.strip()[:ACTOR_MAX] if name and name.strip() else "unknown user"
