"""External tools (ruff, pyright, bandit, safety): adapters, one shared runner, settings.

The API starts the tools before its own analysis (`start`) and collects them after it
(`collect`); in between, `Session.poll()` notes which tools have finished.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .. import timings
from ..config import Config
from ..models import Finding, ToolRun
from . import settings as settings_mod
from .base import Context, Settings
from .cache import ToolCache
from .finalize import finalize
from .judgement import judge, with_roles
from .runner import Session, scratch_dir
from .safety import database_path
from .settings import TOOL_NAMES, parse_selection

__all__ = [
    "TOOL_NAMES",
    "Collected",
    "Session",
    "ToolCache",
    "collect",
    "judge",
    "parse_selection",
    "start",
    "with_roles",
]


@dataclass(frozen=True)
class Collected:
    runs: tuple[ToolRun, ...]
    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...]  # silenced by `# ttaprod: ignore[...]` marks


def _targets(root: Path, paths: tuple[Path, ...]) -> tuple[str, ...]:
    out = []
    for given in paths:
        absolute = given if given.is_absolute() else Path.cwd() / given
        try:
            rel = absolute.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
        out.append(rel or ".")
    return tuple(sorted(set(out))) if out and "." not in out else (".",)


def start(
    root: Path,
    paths: tuple[Path, ...],
    python_files: tuple[str, ...],
    other_files: tuple[str, ...],
    config: Config,
    only: tuple[str, ...] | None = None,
    no_tools: bool = False,
    safety_db: Path | None = None,
    elsewhere: frozenset[str] = frozenset(),
    cache: ToolCache | None = None,
) -> Session:
    """Launch every enabled tool (with a `cache`: only what it cannot answer); returns at once.
    The tools in `elsewhere` are left to another shard (`ttaprod check --shard`)."""
    chosen = settings_mod.resolve(config, only, no_tools)
    for name in elsewhere & chosen.keys():
        if chosen[name].enabled:
            chosen[name] = replace(chosen[name], enabled=False, reason="run by another shard")
    config_dir = config.source.parent if config.source else None
    ctx = Context(
        root=root,
        targets=_targets(root, paths),
        python_files=python_files,
        other_files=other_files,
        config=config,
        settings=Settings("none"),
        scratch=scratch_dir(),
        safety_db=database_path(config.safety_db, safety_db, config_dir),
    )
    return Session(ctx, chosen, cache).start()


def collect(
    session: Session,
    known_files: frozenset[str],
    unanalysed: frozenset[str] = frozenset(),
    unparsed: frozenset[str] = frozenset(),
) -> Collected:
    """Wait for the tools, then keep their findings on checked files, enriched. A tool that
    failed is run again without the `unanalysed` files (see `Session.finish`)."""
    try:
        runs = session.finish(unanalysed)
        timings.mark("waiting for the tools")
        if session.store is not None:
            session.store.save()
        kept, suppressed = finalize(session.findings(), session.ctx.root, known_files, unparsed)
    finally:
        session.close()
    counts: dict[str, int] = {}
    for finding in kept:
        counts[finding.source] = counts.get(finding.source, 0) + 1
    runs = [replace(r, findings=counts.get(r.name, 0)) if r.findings else r for r in runs]
    return Collected(tuple(runs), tuple(kept), tuple(suppressed))
