"""`ttaprod check`: run `api.check()`, write every requested format, return the exit code."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from .. import progress as progress_mod
from .. import timings
from ..api import CheckOptions, check, fix
from ..models import Report
from .common import (
    EXIT_FAILED,
    EXIT_PASSED,
    FORMATS,
    UsageError,
    console,
    to_stdout,
    writing,
)
from .fix_view import print_changes, print_diffs

# Formats rendered to text by a pure `render(report) -> str` (`_text_renderer`).
TEXT_FORMATS = ("json", "sarif", "junit", "github", "markdown", "gitlab")
Plan = tuple[str, Path | None]  # (format, file or None for stdout)
# Formats whose readers are shown each finding's fix: the findings get their suggestions.
SUGGESTING = frozenset({"sarif", "github", "markdown"})


def fix_mode(fix: bool, fix_only: bool, fix_diff: bool, unsafe: bool, formats: bool) -> str:
    """ "fix", "fix-only", "fix-diff" or "" from the options (a bad combination: UsageError)."""
    if fix_only and fix_diff:
        raise UsageError("--fix-only and --fix-diff do not go together: pick one")
    mode = "fix-diff" if fix_diff else "fix-only" if fix_only else "fix" if fix else ""
    if unsafe and not mode:
        raise UsageError("--unsafe-fixes needs --fix, --fix-only or --fix-diff")
    if mode in ("fix-only", "fix-diff") and formats:
        raise UsageError(f"--{mode} prints what changes, not a report: drop --format/--output")
    return mode


def outputs(formats: list[str], output: Path | None) -> list[Plan]:
    plans: list[Plan] = []
    for spec in formats or ["rich"]:
        name, equals, target = spec.partition("=")
        name = name.strip().lower()
        if name not in FORMATS:
            raise UsageError(f"unknown format '{name}' (choose from {', '.join(FORMATS)})")
        if equals and not target.strip():
            raise UsageError(f"--format {name}=: a file name must follow '='")
        plans.append((name, Path(target) if target else None))
    bare = [i for i, (_, target) in enumerate(plans) if target is None]
    if output is not None:
        if len(bare) != 1:
            raise UsageError("--output needs exactly one --format without '=FILE'")
        plans[bare[0]] = (plans[bare[0]][0], output)
    elif len(bare) > 1:
        raise UsageError("only one --format may write to stdout; give the others '=FILE'")
    return plans


def emit(
    report: Report,
    name: str,
    target: Path | None,
    quiet: bool = False,
    no_color: bool = False,
    show_baselined: bool = False,
    show_suppressed: bool = False,
) -> None:
    if name in TEXT_FORMATS:
        render = _text_renderer(name, show_baselined, show_suppressed)
        text = render(report)
        if target is None:
            with to_stdout():
                sys.stdout.write(text)
        else:
            with writing(target) as handle:
                handle.write(text)
        return
    from ..formatters import terminal  # rich: only for the terminal report

    draw = partial(
        terminal.render,
        report,
        quiet=quiet,
        show_baselined=show_baselined,
        show_suppressed=show_suppressed,
    )
    if target is None:
        with to_stdout():
            draw(console(no_color=no_color))
        return
    with writing(target) as handle:
        draw(console(file=handle, no_color=True))


def _text_renderer(
    name: str, show_baselined: bool, show_suppressed: bool
) -> Callable[[Report], str]:
    """The format's renderer, its module imported only when that format is asked for."""
    if name == "json":
        from ..formatters import json_report

        return partial(
            json_report.render, show_baselined=show_baselined, show_suppressed=show_suppressed
        )
    if name == "sarif":
        from ..formatters import sarif

        return sarif.render
    if name == "junit":
        from ..formatters import junit

        return junit.render
    if name == "github":
        from ..formatters import github

        return github.render
    if name == "markdown":
        from ..formatters import markdown

        return markdown.render
    from ..formatters import gitlab

    return gitlab.render


def run(
    options: CheckOptions,
    plans: list[Plan],
    quiet: bool = False,
    no_color: bool = False,
    show_baselined: bool = False,
    show_suppressed: bool = False,
    mode: str = "",
    unsafe: bool = False,
    profile: bool = False,
) -> int:
    ran: list[Report] = []
    if not profile:
        return _run(
            options, plans, quiet, no_color, show_baselined, show_suppressed, mode, unsafe, ran
        )
    timings.start()
    try:
        code = _run(
            options, plans, quiet, no_color, show_baselined, show_suppressed, mode, unsafe, ran
        )
    finally:
        done = timings.stop()
    if done is not None:  # on stderr: stdout is the report's
        tools = [(t.name, t.status.value, t.cached) for r in ran[-1:] for t in r.tools]
        with contextlib.suppress(OSError):
            sys.stdout.flush()  # the report first, where both go to one terminal
        sys.stderr.write(timings.render(done, tools))
    return code


def _run(
    options: CheckOptions,
    plans: list[Plan],
    quiet: bool,
    no_color: bool,
    show_baselined: bool,
    show_suppressed: bool,
    mode: str,
    unsafe: bool,
    ran: list[Report],
) -> int:
    if mode in ("fix-only", "fix-diff"):
        outcome = fix(options, unsafe=unsafe, write=mode == "fix-only", mode=mode)
        if mode == "fix-diff":
            print_diffs(outcome, quiet)
            return EXIT_FAILED if outcome.changes else EXIT_PASSED
        print_changes(outcome, quiet, no_color)
        return EXIT_PASSED
    summary = fix(options, unsafe=unsafe, mode=mode).summary if mode == "fix" else None
    names = {name for name, _ in plans}
    options = replace(options, suggest=bool(names & SUGGESTING))
    stdout = [name for name, target in plans if target is None]
    if progress_mod.wanted(stdout, quiet):
        with progress_mod.for_terminal(no_color) as shown:
            report = check(replace(options, progress=shown))
    else:
        report = check(options)
    if summary is not None:
        report = replace(report, fixes=summary)
    ran.append(report)
    for name, target in plans:
        emit(report, name, target, quiet, no_color, show_baselined, show_suppressed)
    timings.mark("render")
    if not report.stats.files and not report.findings and options.shard is None:
        print("ttaprod: warning: no Python files found under the given paths", file=sys.stderr)
    if options.shard is not None:
        return EXIT_PASSED  # a shard's gate is the merge's (`ttaprod merge`)
    return EXIT_PASSED if report.passed else EXIT_FAILED
