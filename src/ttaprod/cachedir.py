"""The cache on disk as a whole: its size, its bound, and removing it on request.

Each checked root has its own directory below `<user cache>/ttaprod/`
(`cache.default_directory`). After every run that used the cache, that directory's time is
touched (it was used now) and the whole of `<user cache>/ttaprod/` is kept under a bound,
200 MB unless `TTAPROD_CACHE_MAX_MB` says otherwise: the directories of the projects used
least recently are removed until the rest fits. The directory of the project being checked
is never removed by this, and a directory given with `--cache-dir` is the user's to manage
(`ttaprod cache clean`). Only directories that are ttaprod's (a CACHEDIR.TAG it wrote) are
counted or removed; symlinks are never followed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from . import safeio
from .cache import CACHEDIR_SIGNATURE, user_cache_home

DEFAULT_MAX_MB = 200
ENV_MAX_MB = "TTAPROD_CACHE_MAX_MB"
_PROJECT = re.compile(r"[0-9a-f]{24}")
log = logging.getLogger("ttaprod.cache")


@dataclass(frozen=True)
class Usage:
    path: Path
    files: int
    bytes: int


def base() -> Path:
    """Where every project's cache directory is, by default."""
    return user_cache_home() / "ttaprod"


def max_bytes() -> int:
    """The bound of the whole user cache: `TTAPROD_CACHE_MAX_MB` (a whole number of MB, at
    least 1), else 200 MB."""
    value = os.environ.get(ENV_MAX_MB, "").strip()
    if not value:
        return DEFAULT_MAX_MB * safeio.MB
    if value.isdigit() and 0 < int(value) <= 10**7:
        return int(value) * safeio.MB
    log.warning("%s=%r is not a number of MB; the cache is kept under %d MB",
                ENV_MAX_MB, value[:40], DEFAULT_MAX_MB)  # fmt: skip
    return DEFAULT_MAX_MB * safeio.MB


def is_ttaprod_cache(path: Path) -> bool:
    """A real directory (no symlink) holding the CACHEDIR.TAG ttaprod writes."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return False
        tag = safeio.read_bytes(path / "CACHEDIR.TAG", 4096, follow_symlinks=False)
    except OSError:
        return False
    return tag.startswith(f"Signature: {CACHEDIR_SIGNATURE}".encode()) and b"ttaprod" in tag


def usage(path: Path) -> Usage:
    """Files and bytes below `path`, symlinks counted as themselves and never followed."""
    files = size = 0
    stack = [path]
    while stack:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    else:
                        files += 1
                        size += entry.stat(follow_symlinks=False).st_size
    return Usage(path, files, size)


def projects() -> list[Path]:
    """Every project's cache directory below `base()`."""
    try:
        names = os.listdir(base())
    except OSError:
        return []
    return [
        base() / n for n in sorted(names) if _PROJECT.fullmatch(n) and is_ttaprod_cache(base() / n)
    ]


def remove(path: Path) -> Usage:
    """Remove a ttaprod cache directory (never through a symlink); what it held."""
    held = usage(path)
    shutil.rmtree(path)
    return held


def trim(current: Path, limit: int | None = None) -> list[Usage]:
    """Mark `current` used now and keep the user cache under its bound by removing the
    directories of the projects used least recently (never `current`). Directories given
    with `--cache-dir` (not below `base()`) are left alone."""
    if current.parent != base():
        return []
    with contextlib.suppress(OSError):
        os.utime(current, follow_symlinks=False)
    limit = max_bytes() if limit is None else limit
    sizes = {path: usage(path) for path in projects()}
    total = sum(u.bytes for u in sizes.values())
    removed: list[Usage] = []
    for path in sorted(sizes, key=_last_used):
        if total <= limit:
            break
        if path == current:
            continue
        try:
            removed.append(remove(path))
        except OSError as exc:  # in use by a run that is writing it, say: next time
            log.debug("cache %s not removed: %s", path, exc)
            continue
        total -= sizes[path].bytes
    return removed


def _last_used(path: Path) -> float:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return 0.0


def human(size: int) -> str:
    """`1.4 MB`, `12.0 KB`, `512 B`."""
    if size >= safeio.MB:
        return f"{size / safeio.MB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} B"
