"""`ttaprod baseline`: record today's findings so that only new ones fail the gate."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from .. import baseline as baseline_mod
from ..api import CheckOptions, check, default_baseline_file
from ..models import Report
from .common import EXIT_PASSED, UsageError


def _load(target: Path) -> baseline_mod.Baseline | None:
    if not target.is_file():
        return None
    try:
        return baseline_mod.load(target)
    except baseline_mod.BaselineError as exc:
        raise UsageError(str(exc)) from None


def _score(old: baseline_mod.Baseline | None, report: Report, prune: bool) -> float | None:
    """The ratchet's floor: this run's score when it saw the whole project; pruning never
    lowers it; a run on some files keeps the old one."""
    kept = old.score if old is not None else None
    if report.scope is not None:
        return kept
    if prune and kept is not None:
        return max(kept, report.score)
    return report.score


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
    score = _score(old, report, prune)
    baseline_mod.write(target, baseline_mod.render(counts, messages, score))
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
