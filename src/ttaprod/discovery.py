"""Find the files to check: Python sources, plus the other files project checks read.

Never follows a symlink: a link whose target lies outside the checked root is reported
(TTP905) and skipped; one that stays inside is skipped silently because its target is
checked under its own path. Order is stable: sorted by relative path.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .globs import any_match

PYTHON_SUFFIXES = (".py", ".pyi")
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "build",
        "dist",
        ".tox",
        ".nox",
        "__pycache__",
        "site-packages",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".ttaprod_cache",
        ".eggs",
        ".venv",
        "venv",
    }
)


class DiscoveryError(Exception):
    """A path the user gave cannot be checked (missing, unreadable)."""


@dataclass(frozen=True)
class OutsideLink:
    rel_path: str
    target: str


@dataclass(frozen=True)
class Discovered:
    root: Path
    python: tuple[str, ...]  # POSIX paths relative to root
    other: tuple[str, ...]
    outside_links: tuple[OutsideLink, ...]
    unreadable: tuple[tuple[str, str], ...] = ()  # (directory, why) the walk could not list
    special: tuple[tuple[str, str], ...] = ()  # (Python file name, what it is): a FIFO, a device


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _is_venv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


class _Walk:
    def __init__(self, root: Path, exclude: tuple[str, ...]) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.exclude = exclude
        self.python: set[str] = set()
        self.other: set[str] = set()
        self.links: dict[str, OutsideLink] = {}
        self.unreadable: dict[str, str] = {}
        self.special: dict[str, str] = {}

    def link(self, path: Path) -> None:
        try:
            target = path.resolve()
        except (OSError, RuntimeError):
            return
        if not _inside(target, self.real_root):
            rel = _rel(path, self.root)
            self.links[rel] = OutsideLink(rel, str(target))

    def add_special(self, path: Path, mode: int) -> None:
        """A name that looks like Python but is a FIFO, a socket or a device: never opened
        (a FIFO would block whoever reads it), reported."""
        rel = _rel(path, self.root)
        if not path.name.endswith(PYTHON_SUFFIXES):
            return
        if self.exclude and any_match(self.exclude, rel):
            return
        kind = (
            "a named pipe"
            if stat.S_ISFIFO(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "a device"
        )
        self.special[rel] = kind

    def add_file(self, path: Path) -> None:
        rel = _rel(path, self.root)
        if self.exclude and any_match(self.exclude, rel):
            return
        (self.python if path.name.endswith(PYTHON_SUFFIXES) else self.other).add(rel)

    def directory(self, start: Path) -> None:
        todo = [start]
        while todo:
            current = todo.pop()
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError as exc:
                self.unreadable[_rel(current, self.root) or "."] = exc.strerror or str(exc)
                continue
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    self.link(path)
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in SKIPPED_DIRS or entry.name.endswith(".egg-info"):
                        continue
                    if _is_venv(entry.path):
                        continue
                    if self.exclude and any_match(self.exclude, _rel(path, self.root)):
                        continue
                    todo.append(path)
                elif entry.is_file(follow_symlinks=False):
                    self.add_file(path)
                else:
                    with contextlib.suppress(OSError):  # gone since it was listed
                        self.add_special(path, entry.stat(follow_symlinks=False).st_mode)


def discover(paths: list[Path], root: Path, exclude: tuple[str, ...] = ()) -> Discovered:
    walk = _Walk(root, exclude)
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise DiscoveryError(f"path does not exist: {given}")
        absolute = given if given.is_absolute() else Path.cwd() / given
        absolute = Path(os.path.normpath(absolute))
        if given.is_symlink() and absolute != root:
            walk.link(absolute)
            continue
        if given.is_dir():
            if not os.access(given, os.R_OK | os.X_OK):
                raise DiscoveryError(f"cannot read directory: {given}")
            walk.directory(absolute)
        elif given.is_file():
            walk.add_file(absolute)
        else:
            walk.add_special(absolute, given.stat().st_mode)
    return Discovered(
        root=root,
        python=tuple(sorted(walk.python)),
        other=tuple(sorted(walk.other)),
        outside_links=tuple(walk.links[k] for k in sorted(walk.links)),
        unreadable=tuple(sorted(walk.unreadable.items())),
        special=tuple(sorted(walk.special.items())),
    )


def choose_root(paths: list[Path], config_dir: Path | None) -> Path:
    """The directory findings are relative to: the single directory given; else the config's
    directory when it holds every path; else the deepest common directory."""
    absolute = [Path(os.path.normpath(p if p.is_absolute() else Path.cwd() / p)) for p in paths]
    if len(absolute) == 1 and absolute[0].is_dir():
        return absolute[0]
    if config_dir is not None and all(_inside(p, config_dir) for p in absolute):
        return config_dir
    cwd = Path.cwd()
    if all(_inside(p, cwd) for p in absolute):
        return cwd
    common = Path(os.path.commonpath([str(p) for p in absolute]))
    return common if common.is_dir() else common.parent
