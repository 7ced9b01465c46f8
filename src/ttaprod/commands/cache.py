"""`ttaprod cache dir` and `ttaprod cache clean`: where a project's cache is, and removing it.

What they need is imported when they run: the command line starts without it."""

from __future__ import annotations

from pathlib import Path

from .. import redact
from .common import EXIT_PASSED, UsageError


def directory(path: Path, cache_dir: Path | None, config: Path | None) -> Path:
    """The cache directory `ttaprod check PATH` uses (`--cache-dir`, else the user cache)."""
    from .. import cache, scope
    from ..api import CheckOptions, load_config

    if cache_dir is not None:
        return cache_dir
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    options = CheckOptions(paths=(path,), config_file=config)
    settings, root = load_config(options)
    return cache.default_directory(scope.plan(options.paths, settings, root).root)


def show(path: Path, cache_dir: Path | None, config: Path | None) -> int:
    print(redact.printable(str(directory(path, cache_dir, config))))
    return EXIT_PASSED


def clean(path: Path, every: bool, cache_dir: Path | None, config: Path | None) -> int:
    """Remove this project's cache (`every`: every project's in the user cache); print what
    was removed and the bytes freed."""
    from .. import cachedir

    if every and cache_dir is not None:
        raise UsageError("--all removes the user cache of every project: drop --cache-dir")
    targets = cachedir.projects() if every else [directory(path, cache_dir, config)]
    if not every and targets[0].exists() and not cachedir.is_ttaprod_cache(targets[0]):
        shown = redact.printable(str(targets[0]))
        raise UsageError(f"{shown} is not a ttaprod cache directory (no CACHEDIR.TAG of ttaprod's)")
    freed = 0
    removed = 0
    for target in targets:
        if not target.exists():
            continue
        try:
            held = cachedir.remove(target)
        except OSError as exc:
            raise UsageError(f"cannot remove {target}: {exc.strerror or exc}") from None
        removed += 1
        freed += held.bytes
        shown = redact.printable(str(target))
        print(f"removed {shown} ({held.files} files, {cachedir.human(held.bytes)})")
    if not removed:
        where = cachedir.base() if every else targets[0]
        print(f"nothing to remove: no ttaprod cache in {redact.printable(str(where))}")
        return EXIT_PASSED
    print(f"freed {cachedir.human(freed)}")
    return EXIT_PASSED
