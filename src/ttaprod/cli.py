"""The command line: flags in, `api.check()` called, a formatter out, an exit code back.

Exit codes: 0 gate passed, 1 gate failed, 2 the run could not be done as asked
(bad option, bad config, missing path, internal error: one line on stderr).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from . import __version__, catalogue
from .api import CheckOptions, UsageError, check as run_check
from .formatters import explain as explain_fmt
from .formatters import github, gitlab, json_report, junit, markdown, sarif, terminal

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
# Typer ≥ 0.22 vendors click; older releases use click itself. Either way this is its UsageError.
_ClickUsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
FORMATS = ("rich", "json", "sarif", "junit", "github", "markdown", "gitlab")
# Formats rendered to text by a pure `render(report) -> str`.
_TEXT_FORMATS = {
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "markdown": markdown.render,
    "gitlab": gitlab.render,
}

app = typer.Typer(
    name="ttaprod",
    help="Production-readiness linter and auditor for Python services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ttaprod {__version__}")
        raise typer.Exit(EXIT_PASSED)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Production-readiness linter and auditor for Python services."""


def _split_codes(values: list[str] | None) -> tuple[str, ...]:
    codes: list[str] = []
    for value in values or []:
        codes.extend(c.strip() for c in value.split(",") if c.strip())
    return tuple(codes)


def _tool_names(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    from .tools import parse_selection

    try:
        return parse_selection(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _outputs(formats: list[str], output: Path | None) -> list[tuple[str, Path | None]]:
    plans: list[tuple[str, Path | None]] = []
    for spec in formats or ["rich"]:
        name, _, target = spec.partition("=")
        name = name.strip().lower()
        if name not in FORMATS:
            raise UsageError(f"unknown format '{name}' (choose from {', '.join(FORMATS)})")
        plans.append((name, Path(target) if target else None))
    bare = [i for i, (_, target) in enumerate(plans) if target is None]
    if output is not None:
        if len(bare) != 1:
            raise UsageError("--output needs exactly one --format without '=FILE'")
        plans[bare[0]] = (plans[bare[0]][0], output)
    elif len(bare) > 1:
        raise UsageError("only one --format may write to stdout; give the others '=FILE'")
    return plans


def _console(file: object = None, no_color: bool = False) -> Console:
    return Console(
        file=file,  # type: ignore[arg-type]
        no_color=no_color or bool(os.environ.get("NO_COLOR")),
        highlight=False,
        soft_wrap=False,
    )


@app.command()
def check(
    paths: Annotated[
        Optional[list[Path]], typer.Argument(help="Files or directories to check.", show_default=".")
    ] = None,
    fmt: Annotated[
        Optional[list[str]],
        typer.Option(
            "--format",
            "-f",
            help="rich, json, sarif, junit, github, markdown or gitlab; "
            "FORMAT=FILE writes to a file. Repeatable.",
        ),
    ] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE.")] = None,
    select: Annotated[
        Optional[list[str]], typer.Option(help="Only these codes or prefixes (e.g. TTP1,TTP401).")
    ] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(help="Skip these codes or prefixes.")] = None,
    fail_under: Annotated[
        Optional[float], typer.Option(min=0, max=100, help="Fail the gate under this score.")
    ] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Config file to use.")] = None,
    no_tools: Annotated[bool, typer.Option("--no-tools", help="Run only ttaprod's own rules.")] = False,
    tools: Annotated[
        str | None, typer.Option("--tools", help="Run only these tools (e.g. ruff,bandit).")
    ] = None,
    safety_db: Annotated[
        Path | None, typer.Option("--safety-db", help="safety's advisory database (dir or file).")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the cache.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR works too).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Tracebacks on internal errors.")] = False,
) -> None:
    """Check a project against the production checklist."""
    plans = _outputs(list(fmt or []), output)
    options = CheckOptions(
        paths=tuple(paths or [Path(".")]),
        config_file=config,
        select=_split_codes(select) or None,
        ignore=_split_codes(ignore),
        fail_under=fail_under,
        no_tools=no_tools,
        tools=_tool_names(tools),
        safety_db=safety_db,
        no_cache=no_cache,
        jobs=jobs,
    )
    report = run_check(options)
    for name, target in plans:
        _emit(report, name, target, quiet=quiet, no_color=no_color)
    if not report.stats.files and not report.findings:
        print("ttaprod: warning: no Python files found under the given paths", file=sys.stderr)
    raise typer.Exit(EXIT_PASSED if report.passed else EXIT_FAILED)


def _emit(report: object, name: str, target: Path | None, quiet: bool, no_color: bool) -> None:
    from .models import Report

    assert isinstance(report, Report)
    if name in _TEXT_FORMATS:
        text = _TEXT_FORMATS[name](report)
        if target is None:
            sys.stdout.write(text)
        else:
            _write(target, text)
        return
    if target is None:
        terminal.render(report, _console(no_color=no_color), quiet=quiet)
        return
    with _open(target) as handle:
        terminal.render(report, _console(file=handle, no_color=True), quiet=quiet)


def _open(target: Path):  # noqa: ANN202 - a plain text file handle
    try:
        return target.open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None


def _write(target: Path, text: str) -> None:
    with _open(target) as handle:
        handle.write(text)


@app.command()
def rules(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List every rule: code, name, checklist item, severity."""
    specs = list(catalogue.catalogue().values())
    if fmt == "json":
        import json

        rows = [
            {"code": s.code, "name": s.name, "checklist_item": s.checklist_item, "severity": s.severity.value, "title": s.title}
            for s in specs
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    if fmt != "table":
        raise UsageError(f"unknown format '{fmt}' (choose from table, json)")
    explain_fmt.rules_table(specs, _console())


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code (TTP101) or name.")]) -> None:
    """Show a rule's documentation with its bad and good examples."""
    spec = catalogue.get(code)
    if spec is None:
        raise UsageError(f"unknown rule '{code}' (see `ttaprod rules`)")
    explain_fmt.render(spec, _console())


def main(argv: list[str] | None = None) -> None:
    """Console entry point: never lets a traceback reach the user unless asked."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args
    try:
        code = app(args=args, prog_name="ttaprod", standalone_mode=False)
    except UsageError as exc:
        _die(str(exc))
    except _ClickUsageError as exc:
        _die(exc.format_message())  # type: ignore[attr-defined]
    except typer.Abort:
        _die("aborted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _die("interrupted", 130)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        _die(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)")
    sys.exit(code if isinstance(code, int) else EXIT_PASSED)


def _die(message: str, code: int = EXIT_ERROR) -> None:
    print(f"ttaprod: error: {message}", file=sys.stderr)
    sys.exit(code)
