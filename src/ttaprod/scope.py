"""What a run analyses and what it reports on.

A directory is checked as the project. Explicit files (what pre-commit passes) are checked
with their project as context — the directory of the `[tool.ttaprod]` config, else the git
work tree around them — so cross-module facts are complete, and only findings in those
files are reported. With no project around them only the given files are analysed, and
the index is `partial`: project-level checks skip what a subset cannot show.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import discovery, gitdiff
from .config import Config


@dataclass(frozen=True)
class Plan:
    root: Path
    walk: tuple[Path, ...]  # what discovery walks
    given: tuple[Path, ...] | None  # explicit files (pre-commit): report on these only
    partial: bool  # only the given files are analysed: no project around them


def absolute(path: Path) -> Path:
    """Absolute, with the directories resolved but the last part kept (a symlink stays one)."""
    full = Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))
    return Path(os.path.realpath(full.parent)) / full.name


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def project_root(paths: tuple[Path, ...], config: Config) -> Path | None:
    """The project around explicit files: the config's directory, else the git work tree."""
    given = [absolute(p) for p in paths]
    candidates = [config.source.parent.resolve()] if config.source else []
    top = gitdiff.toplevel(given[0])
    if top is not None:
        candidates.append(top)
    return next((c for c in candidates if all(inside(p, c) for p in given)), None)


def plan(paths: tuple[Path, ...], config: Config, root: Path) -> Plan:
    if not any(p.is_file() for p in paths):
        return Plan(root, paths, None, False)
    project = project_root(paths, config)
    if project is None:
        return Plan(root, paths, paths, True)
    given = tuple(absolute(p) for p in paths)
    return Plan(project, (project, *given), given, False)


def focus_files(run: Plan, found: discovery.Discovered) -> frozenset[str] | None:
    """The root-relative files to report on; None: every file."""
    if run.given is None:
        return None
    everything = (*found.python, *found.other)
    if run.partial:
        return frozenset(everything)
    prefixes = [g.relative_to(run.root).as_posix() if g != run.root else "" for g in run.given]
    return frozenset(
        path
        for path in everything
        if any(not p or path == p or path.startswith(p + "/") for p in prefixes)
    )
