"""``llmvis cache info`` and ``llmvis cache prune [--max-mb N]``: the thumbnail cache.

The lead's ``cli.py`` calls :func:`add_parsers` with its subparsers. Errors (an
unreadable configuration, ...) propagate to ``cli.main``: one line on stderr, exit 1.
"""
from __future__ import annotations

import argparse
import json

from .cli_args import absolute

MB = 1024 * 1024


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser("cache", help="the thumbnail cache: size, location, pruning")
    sub = p.add_subparsers(dest="cache_cmd", metavar="ACTION")
    sub.required = True
    q = sub.add_parser("info", help="where the thumbnail cache is, its size and file count")
    q.add_argument("--json", action="store_true", help="print the result as JSON")
    q.set_defaults(func=cmd_info)
    q = sub.add_parser("prune", help="delete least recently used thumbnails until under the limit")
    q.add_argument("--max-mb", type=_mb, default=None, metavar="N",
                   help="size limit in MiB (default: the thumbnail_cache_mb setting; 0 = no limit)")
    q.add_argument("--json", action="store_true", help="print the result as JSON")
    q.set_defaults(func=cmd_prune)


def _mb(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of MiB (0 = no limit), not {text}")
    return value


def _size(n: int) -> str:
    return f"{n / MB:.1f} MiB" if n >= MB / 10 or n == 0 else f"{n / 1024:.1f} KiB"


def _limit(mb: int) -> str:
    return f"{mb} MiB" if mb else "none"


def _cache(cfg):
    from .core.imaging.thumbs import ThumbnailCache

    return ThumbnailCache(cfg.thumbnail_cache_dir(), max_pixels=cfg.max_image_pixels)


def cmd_info(args) -> int:
    from .cli_args import load_config

    cfg = load_config()
    folder = cfg.thumbnail_cache_dir()
    if folder.is_dir():
        usage = _cache(cfg).usage()
        files, nbytes, thumbs, failures = usage.files, usage.bytes, usage.thumbnails, usage.failures
    else:  # never used yet: reported, not created
        files = nbytes = thumbs = failures = 0
    if args.json:
        print(json.dumps({"location": absolute(folder), "exists": folder.is_dir(), "files": files,
                          "bytes": nbytes, "thumbnails": thumbs, "failures": failures,
                          "limit_mb": cfg.thumbnail_cache_mb}))
        return 0
    print(f"location  {folder}" + ("" if folder.is_dir() else " (not created yet)"))
    print(f"size      {_size(nbytes)} in {files} file(s) ({thumbs} thumbnails, {failures} unreadable-file records)")
    print(f"limit     {_limit(cfg.thumbnail_cache_mb)} (setting thumbnail_cache_mb)")
    return 0


def cmd_prune(args) -> int:
    from .cli_args import load_config

    cfg = load_config()
    limit_mb = cfg.thumbnail_cache_mb if args.max_mb is None else args.max_mb
    folder = cfg.thumbnail_cache_dir()
    if not folder.is_dir():
        result = None
    else:
        result = _cache(cfg).prune(limit_mb * MB)
    removed = result.removed_files if result else 0
    freed = result.removed_bytes if result else 0
    # always a number (--json gave null): no cache holds 0 bytes; with no limit the
    # prune walked nothing, so the cache's size is read here
    if result is None:
        left = 0
    elif result.skipped:
        left = _cache(cfg).usage().bytes
    else:
        left = result.bytes_left
    if args.json:
        print(json.dumps({"location": absolute(folder), "limit_mb": limit_mb, "removed_files": removed,
                          "removed_bytes": freed, "bytes_left": left}))
    elif result is None:
        print(f"{folder}: no thumbnail cache yet, nothing to prune")
    elif result.skipped:
        print(f"{folder}: no size limit (0), nothing pruned")
    else:
        print(f"{folder}: {removed} file(s) removed ({_size(freed)}), "
              f"{_size(left)} left, limit {_limit(limit_mb)}")
    return 0
