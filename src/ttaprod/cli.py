"""The command line: flags declared here, each command's work in `commands/`.

Exit codes: 0 gate passed, 1 gate failed, 2 the run could not be done as asked
(bad option, bad config, missing path, internal error: one line on stderr).
Shell completion: `ttaprod --install-completion` (bash, zsh, fish, PowerShell).

Start-up is part of every pre-commit run: this module imports typer and nothing heavy; each
command imports its work (the engine, libcst, rich, the rules) when it runs, so `--version`,
`rules` and `explain` never load the engine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from . import __version__
from .commands.common import (
    EXIT_ERROR,
    EXIT_PASSED,
    FORMATS,
    OutputError,
    UsageError,
    split_codes,
    tool_names,
)

if TYPE_CHECKING:
    from .api import CheckOptions

# Typer ≥ 0.22 vendors click; older releases use click itself. Either way this is its UsageError.
_ClickUsageError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)

app = typer.Typer(
    name="ttaprod",
    help="Production-readiness linter and auditor for Python services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=True,
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


def _complete_format(incomplete: str) -> list[str]:
    return [name for name in FORMATS if name.startswith(incomplete)]


def _complete_code(incomplete: str) -> list[tuple[str, str]]:
    from .commands import catalog

    return catalog.complete_code(incomplete)


# Options `check` and `baseline` share.
Paths = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or directories to check.", show_default="."),
]
Select = Annotated[
    list[str] | None, typer.Option(help="Only these codes or prefixes (e.g. TTP1,TTP401).")
]
Ignore = Annotated[list[str] | None, typer.Option(help="Skip these codes or prefixes.")]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="Config file to use.")]
NoTools = Annotated[bool, typer.Option("--no-tools", help="Run only ttaprod's own rules.")]
Tools = Annotated[
    str | None, typer.Option("--tools", help="Run only these tools (e.g. ruff,bandit).")
]
SafetyDb = Annotated[
    Path | None, typer.Option("--safety-db", help="safety's advisory database (dir or file).")
]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the cache.")]
CacheDir = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        metavar="DIR",
        help="Keep the result cache in DIR (default: the user cache directory).",
    ),
]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Tracebacks on internal errors.")]
Preview = Annotated[
    bool, typer.Option("--preview", help="Run the rules still in preview too (`ttaprod rules`).")
]
Formats = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        help="rich, json, sarif, junit, github, markdown or gitlab; "
        "FORMAT=FILE writes to a file. Repeatable.",
        autocompletion=_complete_format,
    ),
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")]
FailUnder = Annotated[
    float | None, typer.Option(min=0, max=100, help="Fail the gate under this score.")
]
ShowBaselined = Annotated[
    bool, typer.Option("--show-baselined", help="List the known findings too.")
]
ShowSuppressed = Annotated[
    bool, typer.Option("--show-suppressed", help="List the suppressed findings too, with why.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict line.")]
NoColor = Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR works too).")]


def _options(
    paths: list[Path] | None,
    select: list[str] | None,
    ignore: list[str] | None,
    config: Path | None,
    no_tools: bool,
    tools: str | None,
    safety_db: Path | None,
    no_cache: bool,
    jobs: int | None,
    preview: bool,
    cache_dir: Path | None = None,
) -> CheckOptions:
    from .api import CheckOptions

    return CheckOptions(
        paths=tuple(paths or [Path(".")]),
        config_file=config,
        select=split_codes(select) or None,
        ignore=split_codes(ignore),
        no_tools=no_tools,
        tools=tool_names(tools),
        safety_db=safety_db,
        no_cache=no_cache,
        cache_dir=cache_dir,
        jobs=jobs,
        preview=preview or None,
    )


@app.command()
def check(
    paths: Paths = None,
    fmt: Formats = None,
    output: Output = None,
    select: Select = None,
    ignore: Ignore = None,
    fail_under: FailUnder = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Known findings in FILE do not fail the gate."),
    ] = None,
    no_baseline: Annotated[
        bool, typer.Option("--no-baseline", help="Ignore the configured baseline.")
    ] = False,
    show_baselined: ShowBaselined = False,
    show_suppressed: ShowSuppressed = False,
    diff: Annotated[
        str | None,
        typer.Option("--diff", metavar="REF", help="Report only lines changed since REF."),
    ] = None,
    diff_gate_project: Annotated[
        bool,
        typer.Option("--diff-gate-project", help="With --diff: the project's gate applies too."),
    ] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Apply the safe fixes, then report what is left.")
    ] = False,
    unsafe_fixes: Annotated[
        bool,
        typer.Option("--unsafe-fixes", help="With a fix option: apply the unsafe fixes too."),
    ] = False,
    fix_only: Annotated[
        bool,
        typer.Option("--fix-only", help="Apply the fixes and print only what changed."),
    ] = False,
    fix_diff: Annotated[
        bool,
        typer.Option(
            "--fix-diff", help="Print the fixes as a unified diff; change nothing (exit 1: some)."
        ),
    ] = False,
    config: ConfigFile = None,
    no_tools: NoTools = False,
    tools: Tools = None,
    safety_db: SafetyDb = None,
    no_cache: NoCache = False,
    cache_dir: CacheDir = None,
    jobs: Jobs = None,
    preview: Preview = False,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="I/N",
            help="Analyse the I-th of N shares of the files; write a partial JSON report "
            "for `ttaprod merge`.",
        ),
    ] = None,
    quiet: Quiet = False,
    no_color: NoColor = False,
    verbose: Verbose = False,
    profile: Annotated[
        bool, typer.Option("--profile", help="Print where the time went on stderr.")
    ] = False,
) -> None:
    """Check a project against the production checklist."""
    from .commands import check as check_cmd
    from .commands import merge as merge_cmd

    mode = check_cmd.fix_mode(fix, fix_only, fix_diff, unsafe_fixes, bool(fmt or output))
    plans = check_cmd.outputs(list(fmt or []), output)
    part = merge_cmd.shard_option(shard, plans, mode)
    options = _options(
        paths, select, ignore, config, no_tools, tools, safety_db, no_cache, jobs, preview,
        cache_dir,
    )  # fmt: skip
    options = replace(
        options,
        fail_under=fail_under,
        baseline=baseline,
        no_baseline=no_baseline,
        diff=diff,
        diff_gate_project=diff_gate_project,
        shard=part,
    )
    code = check_cmd.run(
        options, plans, quiet, no_color, show_baselined, show_suppressed, mode, unsafe_fixes,
        profile,
    )  # fmt: skip
    raise typer.Exit(code)


@app.command("merge")
def merge_command(
    reports: Annotated[
        list[Path], typer.Argument(help="The partial JSON reports of `check --shard I/N`.")
    ],
    fmt: Formats = None,
    output: Output = None,
    fail_under: FailUnder = None,
    show_baselined: ShowBaselined = False,
    show_suppressed: ShowSuppressed = False,
    jobs: Jobs = None,
    quiet: Quiet = False,
    no_color: NoColor = False,
    verbose: Verbose = False,
) -> None:
    """Combine the shards of a check into the report, score and gate of a single run."""
    from .commands import check as check_cmd
    from .commands import merge as merge_cmd

    plans = check_cmd.outputs(list(fmt or []), output)
    code = merge_cmd.run(
        tuple(reports), plans, fail_under, jobs, quiet, no_color, show_baselined, show_suppressed
    )
    raise typer.Exit(code)


@app.command("baseline")
def baseline_command(
    paths: Paths = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The baseline file (default: config `baseline`, else "
            ".ttaprod-baseline.json in the project root).",
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Only drop entries that no longer match; add nothing."),
    ] = False,
    select: Select = None,
    ignore: Ignore = None,
    config: ConfigFile = None,
    no_tools: NoTools = False,
    tools: Tools = None,
    safety_db: SafetyDb = None,
    no_cache: NoCache = False,
    cache_dir: CacheDir = None,
    jobs: Jobs = None,
    preview: Preview = False,
    verbose: Verbose = False,
) -> None:
    """Record the current findings so that only new ones fail the gate."""
    from .commands import baseline as baseline_cmd

    options = _options(
        paths, select, ignore, config, no_tools, tools, safety_db, no_cache, jobs, preview,
        cache_dir,
    )  # fmt: skip
    raise typer.Exit(baseline_cmd.run(options, output, prune))


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="The project directory (its pyproject.toml).")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing [tool.ttaprod] section.")
    ] = False,
) -> None:
    """Start a [tool.ttaprod] config; print the pre-commit setup."""
    from .commands import init as init_cmd

    raise typer.Exit(init_cmd.run(directory, force))


@app.command()
def rules(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List every rule: code, name, checklist item, severity."""
    from .commands import catalog

    raise typer.Exit(catalog.rules(fmt))


@app.command()
def explain(
    code: Annotated[
        str,
        typer.Argument(help="A rule code (TTP101) or name.", autocompletion=_complete_code),
    ],
) -> None:
    """Show a rule's documentation with its bad and good examples."""
    from .commands import catalog

    raise typer.Exit(catalog.explain(code))


cache_app = typer.Typer(
    name="cache",
    help="The result cache: where it is, and removing it.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(cache_app)
CachePath = Annotated[Path, typer.Argument(help="The checked project (file or directory).")]


@cache_app.command("dir")
def cache_dir_command(
    path: CachePath = Path("."), cache_dir: CacheDir = None, config: ConfigFile = None
) -> None:
    """Print the cache directory `ttaprod check PATH` uses."""
    from .commands import cache as cache_cmd

    raise typer.Exit(cache_cmd.show(path, cache_dir, config))


@cache_app.command("clean")
def cache_clean_command(
    path: CachePath = Path("."),
    every: Annotated[
        bool, typer.Option("--all", help="Remove every project's cache (the user cache).")
    ] = False,
    cache_dir: CacheDir = None,
    config: ConfigFile = None,
) -> None:
    """Remove this project's cache; print what was removed and the bytes freed."""
    from .commands import cache as cache_cmd

    raise typer.Exit(cache_cmd.clean(path, every, cache_dir, config))


class Terminated(BaseException):
    """SIGTERM, SIGHUP or SIGINT (a CI job's timeout, a closed terminal, Ctrl-C): unwind, so
    the tools' process groups are killed and their scratch directory removed on the way out.
    Not a KeyboardInterrupt: typer would turn that into a silent exit code."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def _on_signals() -> Iterator[None]:
    """Turn the signals that end a run into `Terminated` while `main` runs (only where they
    still have their default action: an embedding program's handlers are left alone)."""
    saved = {}
    defaults = (signal.SIG_DFL, signal.default_int_handler)
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) in defaults:
            saved[number] = signal.signal(number, _terminate)
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


class _Warnings(logging.Handler):
    """`ttaprod: warning: …` on stderr, one line each (the cache, say, was not used)."""

    def emit(self, record: logging.LogRecord) -> None:
        from . import redact

        message = redact.printable(redact.scrub(record.getMessage()))
        print(f"ttaprod: warning: {message}", file=sys.stderr)


def _setup_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a terminal that is not UTF-8 gets escapes, not a crash
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")
    logger = logging.getLogger("ttaprod")
    if not any(isinstance(h, _Warnings) for h in logger.handlers):
        logger.addHandler(_Warnings(logging.WARNING))
    logger.propagate = False


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: never lets a traceback reach the user unless asked."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args
    _setup_output()
    try:
        with _on_signals():
            code = app(args=args, prog_name="ttaprod", standalone_mode=False)
    except OutputError as exc:
        _silence_stdout()
        _die(str(exc))
    except UsageError as exc:
        _die(str(exc))
    except _ClickUsageError as exc:
        _die(exc.format_message())  # type: ignore[attr-defined]
    except typer.Abort:
        _die("aborted", 130)
    except typer.Exit as exc:
        _flush_stdout()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _die("interrupted", 130)
    except Terminated as exc:
        if exc.signum == signal.SIGINT:
            _die("interrupted", 130)
        _die(f"terminated by {signal.Signals(exc.signum).name}", 128 + exc.signum)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if verbose:
            _print_traceback()
        _die(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)")
    _flush_stdout()
    sys.exit(code if isinstance(code, int) else EXIT_PASSED)


def _flush_stdout() -> None:
    """A report on a full disk (`> /dev/full`) is a clear error, not a shutdown traceback."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        _silence_stdout()
        _die(f"cannot write the report to standard output: {exc.strerror or exc}")


def _silence_stdout() -> None:
    """Nothing more can reach a full stdout: what is still buffered goes to /dev/null, or
    the interpreter's own flush at exit would print a traceback after our one line."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        if sys.stdout.fileno() == 1:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)


def _print_traceback() -> None:
    """--verbose: the traceback, masked like every other output."""
    from . import redact

    text = traceback.format_exc()
    print(redact.printable(redact.scrub(text), newlines=True), file=sys.stderr, end="")


def _die(message: str, code: int = EXIT_ERROR) -> NoReturn:
    from . import redact

    print(f"ttaprod: error: {redact.printable(redact.scrub(message))}", file=sys.stderr)
    sys.exit(code)
