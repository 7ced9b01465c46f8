"""`check()`: the one entry point the CLI and the tests call.

It wires discovery, the per-file engine, the external tools, project checks, scoring
and the report; it prints nothing. Problems the user must fix raise `UsageError`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from . import (
    assess,
    catalogue,
    discovery,
    gitdiff,
    merge,
    ratchet,
    report,
    ruleset,
    safeio,
    scope,
    selection,
    sharding,
    timings,
    tools,
)
from . import baseline as baseline_mod
from . import config as config_mod
from .cache import ResultCache, config_digest
from .config import Config, ConfigError
from .engine.project import ProjectIndex
from .engine.task import FileTask, module_aliases, module_name_for
from .engine.values import Index as ValueIndex
from .engine.values import project_values
from .errors import UsageError
from .facts import ClientValue, Coroutine
from .findings import new_finding
from .models import AppliedFix, FileResult, Finding, FixSummary, Report
from .sharding import Shard

if TYPE_CHECKING:
    from . import fixes


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
    shard: Shard | None = None  # --shard I/N: this share of the files, a partial report
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
    second_look: bool = True,
) -> list[FileResult]:
    """Per-file results in task order: from the cache when the key matches, else analysed.
    A shard leaves the second look to the merge, which has every file's first look."""
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
    fresh = _analysed([tasks[i] for i in todo], config.jobs, tick)
    for i, result in zip(todo, fresh, strict=True):
        results[i] = result
        if i in keys:
            store.put(tasks[i], keys[i], result)
    timings.mark("own pass: parse + rules, per file")
    if second_look:
        _second_look(tasks, results, store, config)
    store.save()
    timings.mark("own pass: second look, cache write")
    return [results[i] for i in range(len(tasks))]


def _analysed(
    tasks: list[FileTask], jobs: int, tick: Callable[[int], None] | None
) -> list[FileResult]:
    """The files the cache did not have, analysed; the engine, libcst and the detectors are
    imported only then (a warm run of an unchanged tree never loads them)."""
    if not tasks:
        return []
    from . import runner

    return runner.run(tasks, jobs, tick)


def _followed(values: dict[str, ClientValue], results: list[FileResult]) -> dict[str, ClientValue]:
    """The values worth a second look: a synchronous object that is no client (a session from
    `def get_db() -> Session`) matters only to blocking calls in coroutines, so only when TTP301
    judges some `async def` (a site of its item, or a `coroutine` fact)."""
    for result in results:
        if any(site.rule == "TTP301" for site in result.sites):
            return values
        if any(isinstance(fact, Coroutine) for fact in result.facts):
            return values
    from .analysis.targets import blocks_only  # knowledge only: light

    return {name: value for name, value in values.items() if not blocks_only(value.ctor)}


def _second_look(
    tasks: list[FileTask], results: dict[int, FileResult], store: ResultCache, config: Config
) -> None:
    """Files that import another module's clients, analysed again with them in hand
    (`engine/values.py`); their results replace the first ones."""
    first = [results[i] for i in range(len(tasks))]
    found = ValueIndex(_followed(project_values(first), first))
    again: dict[int, FileTask] = {}
    for i, task in enumerate(tasks):
        given = found.wanted(results[i], partial(_source, task))
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
    for i, result in zip(todo, _analysed([again[i] for i in todo], config.jobs, None), strict=True):
        results[i] = result
        if i in keys:
            store.put(again[i], keys[i], result, slot="values")


def _source(task: FileTask) -> bytes:
    """The file's bytes for a second look's text test; unreadable now: empty (its first
    result stands)."""
    try:
        return safeio.read_bytes(task.abs_path, task.max_bytes, False)
    except OSError:
        return b""


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
    """The per-file analysis and the external tools, side by side. A shard analyses its
    own files and runs the tools `sharding.tools_for` gives it."""
    root = plan.root
    max_bytes = config.max_file_size_kb * 1024
    tasks = _tasks(config, root, found)
    python = found.python
    elsewhere: frozenset[str] = frozenset()
    if options.shard is not None:
        shard = options.shard
        tasks = [t for t in tasks if shard.owns(t.rel_path)]
        python = tuple(t.rel_path for t in tasks)
        elsewhere = frozenset(tools.TOOL_NAMES) - sharding.tools_for(
            shard, bool(tasks), bool(found.python)
        )
    done = 0
    # Tools start before the analysis forks its pool (no thread is running then) and are
    # polled after each file, so they run alongside it and each tool's time is exact.
    # Given explicit files, they check only those: their findings elsewhere are not shown.
    session = tools.start(
        root,
        plan.given or options.paths,
        _for_tools(root, python, focus_files, max_bytes),
        tuple(f for f in found.other if focus_files is None or f in focus_files),
        config,
        options.tools,
        options.no_tools,
        options.safety_db,
        elsewhere,
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
        results = _analyse(tasks, root, config, options, tick, options.shard is None)
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


def _tasks(config: Config, root: Path, found: discovery.Discovered) -> list[FileTask]:
    """One task per Python file found, in discovery order."""
    specs = catalogue.catalogue()
    enabled = frozenset(
        code
        for code, spec in specs.items()
        if selection.is_selected(code, config.select, config.ignore)
        and (config.preview or not spec.preview)
    )
    modules = [module_name_for(rel) for rel in found.python]
    modules += module_aliases(found.python)
    project = frozenset(module.split(".", 1)[0] for module in modules)
    from .analysis.targets import injectors, known_objects  # knowledge only: light

    objects, markers = known_objects(), injectors()
    return [
        FileTask(
            str(root / rel),
            rel,
            enabled,
            config.max_file_size_kb * 1024,
            config.roles,
            project,
            sync_clients=config.sync_clients,
            sync_calls=config.sync_calls,
            objects=objects,
            injectors=markers,
        )
        for rel in found.python
    ]


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


@dataclass(frozen=True)
class _Setup:
    """What a run decides before any file is analysed."""

    config: Config
    plan: scope.Plan
    changes: gitdiff.Changes | None
    baseline: baseline_mod.Baseline | None
    baseline_label: str
    found: discovery.Discovered
    focus_files: frozenset[str] | None


def _prepare(options: CheckOptions) -> _Setup:
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
    return _Setup(config, plan, changes, baseline, baseline_label, found, focus_files)


def run_check(options: CheckOptions) -> Checked:
    started = time.perf_counter()
    setup = _prepare(options)
    results, collected = _run(options, setup.config, setup.plan, setup.found, setup.focus_files)
    if options.shard is not None:
        return _shard_report(options, options.shard, setup, results, collected, started)
    return _assemble(options, setup, results, collected, started)


def _assemble(
    options: CheckOptions,
    setup: _Setup,
    results: list[FileResult],
    collected: tools.Collected,
    started: float,
    partial: bool = False,
    earlier_s: float = 0.0,
) -> Checked:
    """The report from every file's results and the tools' findings. `partial`: the files
    are a shard's (project items that need the whole project are skipped); `earlier_s`:
    time spent before this process started (the longest shard of a merge)."""
    config, plan, found, focus_files = setup.config, setup.plan, setup.found, setup.focus_files
    root = plan.root
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
        python_files=tuple(r.path for r in results) if partial else found.python,
        other_files=found.other,
        lines=sum(r.lines for r in results),
        tools=collected.runs,
        partial=plan.partial or partial,
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
        duration_s=earlier_s + time.perf_counter() - started,
        parse_errors=sum(1 for r in results if r.parse_error),
        notes=() if found.python else ("no Python files found under the given paths",),
        baseline=setup.baseline,
        baseline_label=setup.baseline_label,
        focus=ratchet.Focus(
            files=focus_files,
            changes=setup.changes,
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


# --- shards -----------------------------------------------------------------------------------
def _recorded(options: CheckOptions) -> dict[str, object]:
    """The options that shape a check's result, as a shard records them for the merge
    (paths made absolute: the merge may run from elsewhere in the same checkout)."""

    def path(value: Path | None) -> str | None:
        return None if value is None else str(scope.absolute(value))

    return {
        "paths": [path(p) for p in options.paths],
        "config_file": path(options.config_file),
        "select": None if options.select is None else list(options.select),
        "ignore": list(options.ignore),
        "fail_under": options.fail_under,
        "no_tools": options.no_tools,
        "tools": None if options.tools is None else list(options.tools),
        "preview": options.preview,
        "baseline": path(options.baseline),
        "no_baseline": options.no_baseline,
        "diff": options.diff,
        "diff_gate_project": options.diff_gate_project,
    }


def _shard_report(
    options: CheckOptions,
    shard: Shard,
    setup: _Setup,
    results: list[FileResult],
    collected: tools.Collected,
    started: float,
) -> Checked:
    """A shard's own report (its files, no project items) carrying what the merge needs."""
    root = setup.plan.root
    part = sharding.Part(
        shard=shard,
        digest=sharding.tree_digest(
            root, [r.path for r in results], setup.config.max_file_size_kb * 1024
        ),
        config=config_digest(setup.config),
        options=_recorded(options),
        tools=tuple(sorted(sharding.tools_for(shard, bool(results), bool(setup.found.python)))),
        duration_s=time.perf_counter() - started,
        results=tuple(results),
        runs=collected.runs,
        findings=collected.findings,
        suppressed=collected.suppressed,
    )
    checked = _assemble(options, setup, results, collected, started, partial=True)
    note = (
        f"shard {shard.label}: {len(results)} of {len(setup.found.python)} Python files, "
        "without the project's items; `ttaprod merge` combines the shards into its report"
    )
    built = replace(
        checked.report, notes=(*checked.report.notes, note), shard=sharding.payload(part)
    )
    return replace(checked, report=built)


@dataclass(frozen=True)
class MergeOptions:
    reports: tuple[Path, ...]
    fail_under: float | None = None
    jobs: int | None = None
    suggest: bool = False


def merge_shards(merging: MergeOptions) -> Checked:
    """The report a single `check` gives, from the partial reports of all its shards. It runs
    in a checkout of the same tree: it reads the config, the deployment files and the files
    whose second look needs other modules' clients, and refuses (UsageError) a set that is
    incomplete, mixed, or from another tree."""
    started = time.perf_counter()
    try:
        parts = [sharding.read(path) for path in merging.reports]
        sharding.check_set(parts)
    except sharding.ShardError as exc:
        raise UsageError(str(exc)) from None
    parts.sort(key=lambda p: p.shard.index)
    options = _options_of(parts[0].options, merging)
    if not Path(parts[0].root).is_dir():
        raise UsageError(
            f"{parts[0].root} (the shards' root) is not a directory here: "
            "run ttaprod merge in a checkout of the tree the shards checked"
        )
    setup = _prepare(options)
    if str(setup.plan.root) != parts[0].root:
        raise UsageError(f"the shards checked {parts[0].root}; here it is {setup.plan.root}")
    config = setup.config
    if config_digest(config) != parts[0].config:
        raise UsageError(
            f"the configuration of {setup.plan.root} differs from the one the shards used"
        )
    if merging.fail_under is not None:
        config = config.with_overrides(fail_under=merging.fail_under)
        setup = replace(setup, config=config)
    tasks = _tasks(config, setup.plan.root, setup.found)
    results = _merged_results(parts, tasks, setup)
    store = ResultCache(setup.plan.root, enabled=False)  # a merge writes no cache
    _second_look(tasks, results, store, config)
    runs, found_by_tools, quiet = sharding.merged_tools(parts)
    known = frozenset(setup.found.python) | frozenset(setup.found.other)
    collected = tools.Collected(
        runs,
        tuple(f for f in found_by_tools if f.path in known),
        tuple(f for f in quiet if f.path in known),
    )
    longest = max(p.duration_s for p in parts)
    ordered = [results[i] for i in range(len(tasks))]
    return _assemble(options, setup, ordered, collected, started, earlier_s=longest)


def _options_of(recorded: dict[str, object], merging: MergeOptions) -> CheckOptions:
    def path(value: object) -> Path | None:
        return None if value is None else Path(str(value))

    def strings(value: object) -> tuple[str, ...]:
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    try:
        fail_under = recorded["fail_under"]
        return CheckOptions(
            paths=tuple(Path(str(p)) for p in strings(recorded["paths"])) or (Path("."),),
            config_file=path(recorded["config_file"]),
            select=None if recorded["select"] is None else strings(recorded["select"]),
            ignore=strings(recorded["ignore"]),
            fail_under=float(fail_under) if isinstance(fail_under, (int, float)) else None,
            no_tools=recorded["no_tools"] is True,
            tools=None if recorded["tools"] is None else strings(recorded["tools"]),
            preview=True if recorded["preview"] is True else None,
            baseline=path(recorded["baseline"]),
            no_baseline=recorded["no_baseline"] is True,
            diff=None if recorded["diff"] is None else str(recorded["diff"]),
            diff_gate_project=recorded["diff_gate_project"] is True,
            jobs=merging.jobs,
            suggest=merging.suggest,
            no_cache=True,
        )
    except (KeyError, TypeError, ValueError):
        raise UsageError("the shards' options are not readable") from None


def _merged_results(
    parts: list[sharding.Part], tasks: list[FileTask], setup: _Setup
) -> dict[int, FileResult]:
    """Every file's first look from the shard it belongs to; UsageError when the shards did
    not analyse exactly the files of this tree, or the files have changed since."""
    by_path = {task.rel_path: i for i, task in enumerate(tasks)}
    results: dict[int, FileResult] = {}
    max_bytes = setup.config.max_file_size_kb * 1024
    for part in parts:
        mine = [rel for rel in by_path if part.shard.owns(rel)]
        if sorted(mine) != sorted(r.path for r in part.results):
            raise UsageError(
                f"{part.source} (shard {part.shard.label}) analysed other files than this tree "
                "gives it: merge in a checkout of the commit the shards checked"
            )
        if sharding.tree_digest(setup.plan.root, mine, max_bytes) != part.digest:
            raise UsageError(
                f"the files of shard {part.shard.label} changed since {part.source} was "
                "written: merge in a checkout of the commit the shards checked"
            )
        for result in part.results:
            results[by_path[result.path]] = result
    return results


# --- fixes ---------------------------------------------------------------------------------
def fix_settings(index: ProjectIndex, config: Config) -> fixes.Settings:
    from . import fixes
    from .items import health

    return fixes.settings(config, index.root, index.other_files, health.health_paths(index))


def _every_finding(built: Report) -> tuple[Finding, ...]:
    return (*built.findings, *built.suppressed, *built.baselined)


def _with_suggestions(built: Report, index: ProjectIndex, config: Config) -> Report:
    from . import fixes

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
    from . import fixes
    from .fixes import files as fix_files

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
