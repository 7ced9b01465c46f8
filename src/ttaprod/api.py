"""`check()`: the one entry point the CLI and the tests call.

It wires discovery, the per-file engine, the external tools, project checks, scoring
and the report; it prints nothing. Problems the user must fix raise `UsageError`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from . import (
    assess,
    catalogue,
    discovery,
    fixes,
    gitdiff,
    merge,
    ratchet,
    report,
    ruleset,
    runner,
    safeio,
    scope,
    selection,
    timings,
    tools,
)
from . import baseline as baseline_mod
from . import config as config_mod
from .cache import ResultCache, config_digest
from .config import Config, ConfigError
from .engine.analyze import FileTask
from .engine.names import module_name_for
from .engine.project import ProjectIndex
from .engine.values import project_values, wanted
from .findings import new_finding
from .fixes import files as fix_files
from .items import health
from .models import AppliedFix, FileResult, Finding, FixSummary, Report


class UsageError(Exception):
    """The run cannot be done as asked (exit 2); the message is one line."""


class Progress(Protocol):
    """Told how the run advances: `("files", done, total, "")` after each analysed file and
    `("tools", finished, total, "ruff, pyright")` while external tools run."""

    def __call__(self, stage: str, done: int, total: int, detail: str = "") -> None: ...


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
    cache_dir: Path | None = None  # --cache-dir DIR (else the user's cache directory)
    jobs: int | None = None
    preview: bool | None = None  # --preview: the rules in preview run too
    baseline: Path | None = None  # --baseline FILE (else config `baseline`)
    no_baseline: bool = False  # ignore any baseline
    diff: str | None = None  # --diff REF: report findings on lines changed since REF only
    diff_gate_project: bool = False  # with --diff: the whole-project gate applies too
    suggest: bool = False  # give each fixable finding its fix (`Finding.suggestion`)
    progress: Progress | None = field(default=None, compare=False)


def load_config(options: CheckOptions) -> tuple[Config, Path]:
    first = options.paths[0] if options.paths else Path(".")
    start = first if first.exists() else Path(".")
    try:
        config_mod.check_overrides(fail_under=options.fail_under, jobs=options.jobs)
        config = config_mod.load(start.resolve(), options.config_file)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    config = config.with_overrides(
        select=options.select,
        fail_under=options.fail_under,
        jobs=options.jobs,
        preview=options.preview,
    )
    if options.ignore:
        config = config.with_overrides(ignore=(*config.ignore, *options.ignore))
    config_dir = config.source.parent.resolve() if config.source else None
    root = discovery.choose_root(list(options.paths), config_dir)
    try:
        config_mod.check_attestations(config, root)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return config, root


def _discovery_findings(found: discovery.Discovered) -> list[Finding]:
    """Notices for what discovery could not follow: links out of the tree, unreadable dirs."""
    notices = [
        ("TTP905", link.rel_path, "symlink points outside the checked tree; not followed")
        for link in found.outside_links
    ]
    notices += [
        ("TTP902", rel, f"cannot read directory ({why}); its files were not checked")
        for rel, why in found.unreadable
    ]
    notices += [
        ("TTP902", rel, f"is {what}, not a regular file; not read (by ttaprod or the tools)")
        for rel, what in found.special
    ]
    return [new_finding(code, path, 1, message, anchor="") for code, path, message in notices]


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
    store = ResultCache(
        root,
        enabled=not options.no_cache,
        directory=options.cache_dir,
        files=len(tasks),
        config=config_digest(config),
    )
    results: dict[int, FileResult] = {}
    keys: dict[int, str] = {}
    todo: list[int] = []
    for i, task in enumerate(tasks):
        if not store.enabled:
            todo.append(i)
            continue
        try:
            keys[i] = store.key(task, safeio.read_bytes(task.abs_path, task.max_bytes, False))
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
    for i, result in zip(todo, fresh, strict=True):
        results[i] = result
        if i in keys:
            store.put(tasks[i], keys[i], result)
    timings.mark("own pass: parse + rules, per file")
    _second_look(tasks, results, store, config)
    store.save()
    timings.mark("own pass: second look, cache write")
    return [results[i] for i in range(len(tasks))]


def _second_look(
    tasks: list[FileTask], results: dict[int, FileResult], store: ResultCache, config: Config
) -> None:
    """Files that import another module's clients, analysed again with them in hand
    (`engine/values.py`); their results replace the first ones."""
    found = project_values([results[i] for i in range(len(tasks))])
    again: dict[int, FileTask] = {}
    for i, task in enumerate(tasks):
        given = wanted(results[i], found)
        if given:
            again[i] = replace(task, values=given)
    todo: list[int] = []
    keys: dict[int, str] = {}
    for i, task in again.items():
        if not store.enabled:
            todo.append(i)
            continue
        try:
            keys[i] = store.key(task, safeio.read_bytes(task.abs_path, task.max_bytes, False))
        except OSError:
            todo.append(i)  # gone since the first look: the analysis reports it, uncached
            continue
        hit = store.get(task, keys[i], slot="values")
        if hit is None:
            todo.append(i)
        else:
            results[i] = hit
    for i, result in zip(
        todo, runner.run([again[i] for i in todo], config.jobs, None), strict=True
    ):
        results[i] = result
        if i in keys:
            store.put(again[i], keys[i], result, slot="values")


def baseline_file(options: CheckOptions, config: Config) -> Path | None:
    """The baseline a check compares with: `--baseline`, else the config's `baseline`
    (relative to the config file)."""
    if options.baseline is not None:
        return options.baseline
    value = config.baseline
    if value is None:
        return None
    return (config.source.parent if config.source else Path.cwd()) / value


def default_baseline_file(options: CheckOptions) -> tuple[Path, bool]:
    """Where `ttaprod baseline` writes: the config's `baseline` (True: configured), else
    `.ttaprod-baseline.json` beside the config, else in the checked root."""
    config, root = load_config(options)
    configured = baseline_file(replace(options, baseline=None), config)
    if configured is not None:
        return configured, True
    return (config.source.parent if config.source else root) / baseline_mod.FILE_NAME, False


def _baseline(
    options: CheckOptions, config: Config, root: Path
) -> tuple[baseline_mod.Baseline | None, str]:
    path = None if options.no_baseline else baseline_file(options, config)
    if path is None:
        return None, ""
    try:
        loaded = baseline_mod.load(path)
    except baseline_mod.BaselineError as exc:
        raise UsageError(str(exc)) from None
    shown = os.path.relpath(loaded.path, root) if scope.inside(loaded.path, root) else str(path)
    return loaded, Path(shown).as_posix()


def _changes(options: CheckOptions, root: Path) -> gitdiff.Changes | None:
    if options.diff is None:
        if options.diff_gate_project:
            raise UsageError("--diff-gate-project needs --diff REF")
        return None
    try:
        return gitdiff.changes(root, options.diff)
    except gitdiff.GitError as exc:
        raise UsageError(str(exc)) from None


def _tool_state(session: tools.Session) -> tuple[int, int, str]:
    """(finished, started, names still running) of the external tools."""
    started = [job for job in session.jobs if job.main is not None]
    running = [job.name for job in started if job.main is not None and job.main.ended is None]
    return len(started) - len(running), len(started), ", ".join(running)


def _wait_for_tools(session: tools.Session, progress: Progress | None) -> None:
    """Show the tools still running after the analysis (only when someone is watching)."""
    if progress is None:
        return
    while True:
        session.poll()
        finished, total, running = _tool_state(session)
        progress("tools", finished, total, running)
        if not running:
            return
        time.sleep(0.1)


def _run(
    options: CheckOptions,
    config: Config,
    plan: scope.Plan,
    found: discovery.Discovered,
    focus_files: frozenset[str] | None,
) -> tuple[list[FileResult], tools.Collected]:
    """The per-file analysis and the external tools, side by side."""
    root = plan.root
    specs = catalogue.catalogue()
    enabled = frozenset(
        code
        for code, spec in specs.items()
        if selection.is_selected(code, config.select, config.ignore)
        and (config.preview or not spec.preview)
    )
    max_bytes = config.max_file_size_kb * 1024
    project = frozenset(module_name_for(rel).split(".", 1)[0] for rel in found.python)
    tasks = [
        FileTask(
            str(root / rel),
            rel,
            enabled,
            max_bytes,
            config.roles,
            project,
            sync_clients=config.sync_clients,
            sync_calls=config.sync_calls,
        )
        for rel in found.python
    ]
    done = 0
    # Tools start before the analysis forks its pool (no thread is running then) and are
    # polled after each file, so they run alongside it and each tool's time is exact.
    # Given explicit files, they check only those: their findings elsewhere are not shown.
    session = tools.start(
        root,
        plan.given or options.paths,
        _for_tools(root, found.python, focus_files, max_bytes),
        tuple(f for f in found.other if focus_files is None or f in focus_files),
        config,
        options.tools,
        options.no_tools,
        options.safety_db,
        cache=tools.ToolCache(
            root, not options.no_cache, options.cache_dir, found.python, found.other
        ),
    )
    timings.mark("tools: cache lookup, start")

    def tick(n: int) -> None:
        nonlocal done
        done += n
        session.poll()
        if options.progress:
            options.progress("files", done, len(tasks))
            options.progress("tools", *_tool_state(session))

    try:
        results = _analyse(tasks, root, config, options, tick)
        _wait_for_tools(session, options.progress)
    except BaseException:
        session.close()
        raise
    # Files ttaprod could not analyse (too deep, crashing its parser, too large) are no
    # tool's either: a tool that failed on them runs again without them, and what the tools
    # said about them is dropped. A syntax error (TTP901) stays the tools' to report too.
    unanalysed = frozenset(
        r.path for r in results if r.parse_error and not any(f.rule == "TTP901" for f in r.findings)
    )
    known = (frozenset(found.python) | frozenset(found.other)) - unanalysed
    unparsed = frozenset(r.path for r in results if r.parse_error)
    return results, tools.collect(session, known, unanalysed, unparsed)


def _for_tools(
    root: Path, python: tuple[str, ...], focus: frozenset[str] | None, max_bytes: int
) -> tuple[str, ...]:
    """The Python files the tools are given: the ones ttaprod checks, less those over the
    size limit (a 50 MB generated file would stall every tool as it does the analysis)."""
    out = []
    for rel in python:
        if focus is not None and rel not in focus:
            continue
        try:
            if os.lstat(root / rel).st_size > max_bytes:
                continue
        except OSError:  # ttaprod: ignore[TTP112] gone since discovery: the analysis says so
            continue
        out.append(rel)
    return tuple(out)


@dataclass(frozen=True)
class Checked:
    """A check's report with what was learnt on the way (for the fixes)."""

    report: Report
    index: ProjectIndex
    config: Config


def check(options: CheckOptions) -> Report:
    return run_check(options).report


def run_check(options: CheckOptions) -> Checked:
    started = time.perf_counter()
    config, root = load_config(options)
    _validate_codes(config.select, "select")
    _validate_codes(config.ignore, "ignore")
    plan = scope.plan(options.paths, config, root)
    root = plan.root
    changes = _changes(options, root)  # a bad REF or baseline fails before any work
    baseline, baseline_label = _baseline(options, config, root)
    try:
        found = discovery.discover(list(plan.walk), root, config.exclude)
    except discovery.DiscoveryError as exc:
        raise UsageError(str(exc)) from None
    timings.mark("config, discovery")
    focus_files = scope.focus_files(plan, found)
    results, collected = _run(options, config, plan, found, focus_files)

    own_suppressed = [f for r in results for f in r.suppressed]
    tool_findings, judged = tools.judge(collected.findings, results, config.roles)
    tool_findings, absorbed = merge.absorb_suppressed(tool_findings, own_suppressed)
    sites = [site for r in results for site in r.sites]
    tool_findings, overruled = merge.overrule_covered(tool_findings, sites)
    timings.mark("merge: tool findings checked, judged, deduplicated")
    marked = tools.with_roles(collected.suppressed, results, config.roles)
    suppressed = [*own_suppressed, *marked, *judged, *absorbed, *overruled]
    findings: list[Finding] = [f for r in results for f in r.findings]
    findings.extend(_discovery_findings(found))
    findings.extend(tool_findings)

    tool_lines = sum(r.lines for r in results if focus_files is None or r.path in focus_files)
    index = ProjectIndex(
        root=root,
        config=config,
        files=tuple(results),
        python_files=found.python,
        other_files=found.other,
        lines=sum(r.lines for r in results),
        tools=collected.runs,
        partial=plan.partial,
        tool_lines=0 if focus_files is None else tool_lines,
        facts=tuple(f for r in results for f in r.facts),
    )
    assessed = assess.evaluate(index, findings, ruleset.registry())
    timings.mark("project checks (index, call graph, items)")
    suppressed.extend(assessed.suppressed)
    inputs = report.Inputs(
        root_label=str(root),
        index=index,
        items=assessed.items,
        findings=assessed.findings,
        suppressed=tuple(sorted(suppressed, key=lambda f: f.sort_key)),
        duration_s=time.perf_counter() - started,
        parse_errors=sum(1 for r in results if r.parse_error),
        notes=() if found.python else ("no Python files found under the given paths",),
        baseline=baseline,
        baseline_label=baseline_label,
        focus=ratchet.Focus(
            files=focus_files,
            changes=changes,
            partial=plan.partial,
            gate_project=options.diff_gate_project,
            context_files=len(found.python) + len(found.other),
        ),
    )
    built = report.build(inputs)
    if options.suggest:
        built = _with_suggestions(built, index, config)
    timings.mark("report (scores, gate)")
    return Checked(built, index, config)


# --- fixes ---------------------------------------------------------------------------------
def fix_settings(index: ProjectIndex, config: Config) -> fixes.Settings:
    return fixes.settings(config, index.root, index.other_files, health.health_paths(index))


def _every_finding(built: Report) -> tuple[Finding, ...]:
    return (*built.findings, *built.suppressed, *built.baselined)


def _with_suggestions(built: Report, index: ProjectIndex, config: Config) -> Report:
    planned = fixes.plan(
        built.findings, index.root, fix_settings(index, config), _every_finding(built)
    )
    made = planned.suggestions()
    if not made:
        return built
    findings = tuple(
        replace(f, suggestion=made[fixes.key(f)]) if fixes.key(f) in made else f
        for f in built.findings
    )
    return replace(built, findings=findings)


@dataclass(frozen=True)
class FixOutcome:
    summary: FixSummary
    changes: tuple[fixes.Change, ...]  # what changed (or, with write=False, would)
    declined: tuple[tuple[Finding, str], ...] = ()  # fixable findings left as they are, and why


def fix(
    options: CheckOptions, unsafe: bool = False, write: bool = True, mode: str = "fix"
) -> FixOutcome:
    """Apply (or, with `write=False`, only compute) the fixes of what `check` reports: ttaprod's
    own findings, after suppressions, the baseline and `--diff` scope. The external tools are
    not run for this: none of their findings is fixed here."""
    first = run_check(replace(options, no_tools=True, tools=None, suggest=False))
    planned = fixes.plan(
        first.report.findings,
        first.index.root,
        fix_settings(first.index, first.config),
        _every_finding(first.report),
    )
    changes = planned.changes(unsafe)
    refused: list[str] = []
    done: list[fixes.Change] = []
    for change in changes:
        why = fix_files.replace(change.source, change.data) if write else ""
        if why:
            refused.append(f"{change.source.rel}: {why}")
        else:
            done.append(change)
    applied = tuple(
        AppliedFix(f.finding.rule, f.finding.path, f.finding.line, f.safe, f.description)
        for change in done
        for f in change.fixed
    )
    env = sorted({name for change in done for f in change.fixed for name in f.env})
    summary = FixSummary(
        mode=mode,
        applied=applied,
        files=tuple(c.source.rel for c in done),
        env=tuple(env),
        refused=tuple(refused),
        held_back=planned.held_back(unsafe),
    )
    return FixOutcome(summary, tuple(done), tuple(planned.declined()))
