"""`ttaprod baseline`: record today's findings so that only new ones fail the gate."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from .. import baseline as baseline_mod
from ..api import CheckOptions, check, default_baseline_file
from ..models import Report, ToolStatus
from .common import EXIT_PASSED, UsageError


def _load(target: Path) -> baseline_mod.Baseline | None:
    if not target.is_file():
        return None
    try:
        return baseline_mod.load(target)
    except baseline_mod.BaselineError as exc:
        raise UsageError(str(exc)) from None


def _score(
    old: baseline_mod.Baseline | None, report: Report, prune: bool
) -> tuple[float | None, tuple[str, ...] | None]:
    """The ratchet's floor and the tools it was measured with: this run's score when it saw
    the whole project; pruning never lowers it (nor changes the tools it compares with);
    a run on some files keeps the old one."""
    kept = (old.score, old.tools) if old is not None else (None, None)
    ran = tuple(sorted(t.name for t in report.tools if t.status is ToolStatus.OK))
    if report.scope is not None:
        return kept
    if prune and kept[0] is not None:
        if kept[1] is not None and tuple(sorted(kept[1])) != ran:
            return kept
        return max(kept[0], report.score), kept[1]
    return report.score, ran


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def run(options: CheckOptions, output: Path | None, prune: bool) -> int:
    configured = False
    target = output
    if target is None:
        target, configured = default_baseline_file(options)
    old = _load(target)
    if prune and old is None:
        raise UsageError(
            f"nothing to prune: {target} does not exist (write it with `ttaprod baseline`)"
        )
    report = check(replace(options, baseline=target if old else None, no_baseline=old is None))
    if prune:
        assert old is not None
        counts, messages = baseline_mod.pruned(old, report)
    else:
        counts, messages = baseline_mod.from_report(old, report, target.resolve().parent)
    score, tools = _score(old, report, prune)
    try:
        baseline_mod.write(target, baseline_mod.render(counts, messages, score, tools))
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    total = sum(counts.values())
    name = _shown(target)
    if prune:
        dropped = (old.total if old else 0) - total
        print(f"ttaprod: pruned {_plural(dropped, 'fixed finding')} from {name}; {total} remain")
    else:
        files = _plural(len({path for _, path, _ in counts}), "file")
        floor = f"; score {score:g}" if score is not None else ""
        print(f"ttaprod: wrote {name}: {_plural(total, 'known finding')} in {files}{floor}")
    if not configured and options.baseline is None:
        print(
            f"ttaprod: check against it with `ttaprod check --baseline {name}`, "
            f"or set baseline = {json.dumps(target.name)} in [tool.ttaprod] beside it"
        )
    return EXIT_PASSED


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
