"""`ttaprod check --shard I/N` and `ttaprod merge`: the options, and the merge's output."""

from __future__ import annotations

from pathlib import Path

from .. import sharding
from ..api import MergeOptions, merge_shards
from .check import SUGGESTING, Plan, emit
from .common import EXIT_FAILED, EXIT_PASSED, UsageError


def shard_option(value: str | None, plans: list[Plan], fix_mode: str) -> sharding.Shard | None:
    """`--shard I/N` checked against the other options: a shard writes a JSON report (what
    the merge reads) and fixes nothing."""
    if value is None:
        return None
    try:
        shard = sharding.parse(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if fix_mode:
        raise UsageError("--shard does not go with the fix options: fix with a whole check")
    if not any(name == "json" for name, _ in plans):
        raise UsageError(
            "--shard writes a partial report for `ttaprod merge`: add -f json=FILE "
            "(or -f json -o FILE)"
        )
    return shard


def run(
    reports: tuple[Path, ...],
    plans: list[Plan],
    fail_under: float | None = None,
    jobs: int | None = None,
    quiet: bool = False,
    no_color: bool = False,
    show_baselined: bool = False,
    show_suppressed: bool = False,
) -> int:
    """Merge the partial reports and write every requested format; the gate's exit code."""
    suggest = bool({name for name, _ in plans} & SUGGESTING)
    report = merge_shards(MergeOptions(reports, fail_under, jobs, suggest)).report
    for name, target in plans:
        emit(report, name, target, quiet, no_color, show_baselined, show_suppressed)
    return EXIT_PASSED if report.passed else EXIT_FAILED
