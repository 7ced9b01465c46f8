"""`ttaprod check`: run `api.check()`, write every requested format, return the exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from .. import progress as progress_mod
from ..api import CheckOptions, check
from ..formatters import github, gitlab, json_report, junit, markdown, sarif, terminal
from ..models import Report
from .common import EXIT_FAILED, EXIT_PASSED, UsageError, console, to_stdout, writing

FORMATS = ("rich", "json", "sarif", "junit", "github", "markdown", "gitlab")
# Formats rendered to text by a pure `render(report) -> str`.
TEXT_FORMATS: dict[str, Callable[[Report], str]] = {
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "markdown": markdown.render,
    "gitlab": gitlab.render,
}
Plan = tuple[str, Path | None]  # (format, file or None for stdout)


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
        render = TEXT_FORMATS[name]
        if name == "json":
            render = partial(
                json_report.render, show_baselined=show_baselined, show_suppressed=show_suppressed
            )
        text = render(report)
        if target is None:
            with to_stdout():
                sys.stdout.write(text)
        else:
            with writing(target) as handle:
                handle.write(text)
        return
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


def run(
    options: CheckOptions,
    plans: list[Plan],
    quiet: bool = False,
    no_color: bool = False,
    show_baselined: bool = False,
    show_suppressed: bool = False,
) -> int:
    stdout = [name for name, target in plans if target is None]
    if progress_mod.wanted(stdout, quiet):
        with progress_mod.for_terminal(no_color) as shown:
            report = check(replace(options, progress=shown))
    else:
        report = check(options)
    for name, target in plans:
        emit(report, name, target, quiet, no_color, show_baselined, show_suppressed)
    if not report.stats.files and not report.findings:
        print("ttaprod: warning: no Python files found under the given paths", file=sys.stderr)
    return EXIT_PASSED if report.passed else EXIT_FAILED
