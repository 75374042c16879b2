"""User preferences: a typed JSON file under the platform's config dir.

``LLMVIS_CONFIG_DIR`` / ``LLMVIS_DATA_DIR`` / ``LLMVIS_CACHE_DIR`` override the
platform folders (tests isolate themselves with these).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Optional

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


def load_config(path: Optional[Path] = None) -> Config:
    path = path or config_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a JSON object")
    known = {f.name: f for f in fields(Config)}
    values = {}
    defaults = Config()
    for key, value in raw.items():
        if key not in known:
            continue  # written by a newer version; ignored, kept out of the way
        expected = type(getattr(defaults, key))
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: setting {key!r} must be a {expected.__name__}, not {value!r}")
        values[key] = value
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in values.get("project_databases", {}).items()):
        raise ConfigError(f"{path}: setting 'project_databases' must map folders to database URLs")
    cfg = Config(**values)
    if cfg.max_image_pixels < 1_000_000:
        raise ConfigError(f"{path}: max_image_pixels {cfg.max_image_pixels} is below 1,000,000")
    if cfg.thumbnail_cache_mb < 0:
        raise ConfigError(f"{path}: thumbnail_cache_mb {cfg.thumbnail_cache_mb} is negative (0: no limit)")
    return cfg


def save_config(cfg: Config, path: Optional[Path] = None) -> Path:
    """Write atomically: a crash mid-write leaves the previous file intact."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(cfg), indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return path
