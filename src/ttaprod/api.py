"""`check()`: the one entry point the CLI and the tests call.

It wires discovery, the per-file engine, the external tools, project checks, scoring
and the report; it prints nothing. Problems the user must fix raise `UsageError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue, discovery, itemchecks, merge, report, runner, selection, tools
from . import config as config_mod
from . import project  # noqa: F401  (registers the `[tool.ttaprod] attest` config key)
from .config import Config, ConfigError
from .engine.analyze import FileTask, fingerprint
from .cache import ResultCache, file_key
from .models import FileResult, Finding, Report, Severity


class UsageError(Exception):
    """The run cannot be done as asked (exit 2); the message is one line."""


@dataclass(frozen=True)
class CheckOptions:
    paths: tuple[Path, ...] = (Path("."),)
    config_file: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    fail_under: float | None = None
    no_tools: bool = False
    tools: tuple[str, ...] | None = None  # run only these (`--tools ruff,bandit`)
    safety_db: Path | None = None
    no_cache: bool = False
    jobs: int | None = None
    progress: Callable[[str, int, int], None] | None = field(default=None, compare=False)


def load_config(options: CheckOptions) -> tuple[Config, Path]:
    first = options.paths[0] if options.paths else Path(".")
    start = first if first.exists() else Path(".")
    try:
        config = config_mod.load(start.resolve(), options.config_file)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    config = config.with_overrides(
        select=options.select,
        fail_under=options.fail_under,
        jobs=options.jobs,
    )
    if options.ignore:
        config = config.with_overrides(ignore=(*config.ignore, *options.ignore))
    config_dir = config.source.parent.resolve() if config.source else None
    root = discovery.choose_root(list(options.paths), config_dir)
    return config, root


def _outside_link_findings(found: discovery.Discovered) -> list[Finding]:
    spec = catalogue.catalogue()["TTP905"]
    return [
        Finding(
            rule="TTP905",
            source="ttaprod",
            checklist_item=spec.checklist_item,
            severity=spec.severity,
            path=link.rel_path,
            line=1,
            column=1,
            end_line=1,
            end_column=1,
            message="symlink points outside the checked tree; not followed",
            fingerprint=fingerprint("TTP905", link.rel_path, ""),
        )
        for link in found.outside_links
    ]


def _validate_codes(codes: tuple[str, ...], what: str) -> None:
    known = tuple(catalogue.catalogue())
    for code in codes:
        if ":" in code or code in ("ALL", "*"):
            continue
        if not any(k.startswith(code.upper()) for k in known):
            raise UsageError(f"{what}: no rule matches '{code}' (see `ttaprod rules`)")


def _analyse(
    tasks: list[FileTask],
    root: Path,
    config: Config,
    options: CheckOptions,
    tick: Callable[[int], None] | None,
) -> list[FileResult]:
    """Per-file results in task order: from the cache when the key matches, else analysed."""
    store = ResultCache(root, enabled=not options.no_cache)
    results: dict[int, FileResult] = {}
    keys: dict[int, str] = {}
    todo: list[int] = []
    for i, task in enumerate(tasks):
        try:
            keys[i] = file_key(task, Path(task.abs_path).read_bytes())
        except OSError:
            todo.append(i)
            continue
        hit = store.get(task, keys[i])
        if hit is None:
            todo.append(i)
        else:
            results[i] = hit
            if tick:
                tick(1)
    fresh = runner.run([tasks[i] for i in todo], config.jobs, tick)
    for i, result in zip(todo, fresh):
        results[i] = result
        if i in keys:
            store.put(tasks[i], keys[i], result)
    store.save()
    return [results[i] for i in range(len(tasks))]


def check(options: CheckOptions) -> Report:
    started = time.perf_counter()
    config, root = load_config(options)
    _validate_codes(config.select, "select")
    _validate_codes(config.ignore, "ignore")
    try:
        found = discovery.discover(list(options.paths), root, config.exclude)
    except discovery.DiscoveryError as exc:
        raise UsageError(str(exc)) from None

    enabled = frozenset(
        code
        for code in catalogue.catalogue()
        if selection.is_selected(code, config.select, config.ignore)
    )
    max_bytes = config.max_file_size_kb * 1024
    tasks = [
        FileTask(str(root / rel), rel, enabled, max_bytes) for rel in found.python
    ]
    done = 0
    # Tools start before the analysis forks its pool (no thread is running then) and are
    # polled after each file, so they run alongside it and each tool's time is exact.
    session = tools.start(
        root, options.paths, found.python, found.other, config,
        options.tools, options.no_tools, options.safety_db,
    )  # fmt: skip

    def tick(n: int) -> None:
        nonlocal done
        done += n
        session.poll()
        if options.progress:
            options.progress("files", done, len(tasks))

    try:
        results = _analyse(tasks, root, config, options, tick)
    except BaseException:
        session.close()
        raise
    collected = tools.collect(session, frozenset(found.python) | frozenset(found.other))
    own_suppressed = [f for r in results for f in r.suppressed]
    tool_findings, absorbed = merge.absorb_suppressed(collected.findings, own_suppressed)
    sites = [site for r in results for site in r.sites]
    tool_findings, overruled = merge.overrule_covered(tool_findings, sites)
    findings: list[Finding] = [f for r in results for f in r.findings]
    findings.extend(_outside_link_findings(found))
    findings.extend(tool_findings)

    lines = sum(r.lines for r in results)
    index = itemchecks.ProjectIndex(
        root=root,
        config=config,
        files=tuple(results),
        python_files=found.python,
        other_files=found.other,
        lines=lines,
        tools=collected.runs,
        facts=tuple(f for r in results for f in r.facts),
    )
    notes = () if found.python else ("no Python files found under the given paths",)
    inputs = report.Inputs(
        root_label=str(root),
        index=index,
        findings=tuple(findings),
        suppressed=len(own_suppressed) + collected.suppressed + absorbed + overruled,
        duration_s=time.perf_counter() - started,
        parse_errors=sum(1 for r in results if r.parse_error),
        notes=notes,
    )
    return report.build(inputs)


def severity_names() -> list[str]:
    return [s.value for s in Severity]
