"""Analyse one file: read, parse, one traversal for all detectors, then plain results."""

from __future__ import annotations

import ast
import errno
import traceback
from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from .. import catalogue, redact, roles, safeio, sourcelines
from ..facts import Fact, Pending
from ..findings import new_finding
from ..models import FileResult, Finding, Severity, Site
from ..suppression import Marks
from . import source
from .binder import Binder, prebind_module
from .context import FileContext, PendingFact, PendingFinding, Problem
from .detector import Detector
from .names import NameTable
from .positions import Range, resolve_positions
from .task import FileTask, module_name_for
from .walker import HookTable, walk

NOTICE_CODES = frozenset({"TTP901", "TTP902", "TTP903", "TTP904", "TTP905", "TTP906"})


def count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def notice_finding(task: FileTask, notice: source.Notice) -> Finding:
    return new_finding(
        notice.code,
        task.rel_path,
        notice.line,
        notice.message,
        anchor=notice.message,
        column=notice.column,
    )


def analyze_file(task: FileTask, detectors: Sequence[type[Detector]]) -> FileResult:
    try:
        data = safeio.read_bytes(task.abs_path, task.max_bytes, follow_symlinks=False)
    except safeio.UnsafeFile as exc:
        if exc.errno != errno.EFBIG:
            notice = source.Notice("TTP902", f"cannot read file: it {exc.strerror}")
            return _notice_result(task, 0, notice)
        return _too_large(task)
    except OSError as exc:
        notice = source.Notice("TTP902", f"cannot read file: {exc.strerror or exc}")
        return _notice_result(task, 0, notice)
    return analyze_bytes(task, data, detectors)


def _too_large(task: FileTask) -> FileResult:
    """TTP903, with the file's lines counted a block at a time (never held in memory)."""
    size = lines = 0
    last = b"\n"
    try:
        with open(task.abs_path, "rb") as handle:
            while block := handle.read(1 << 20):
                size += len(block)
                lines += block.count(b"\n")
                last = block[-1:]
    except OSError:  # ttaprod: ignore[TTP112] the lines counted so far; TTP903 says the rest
        pass
    lines += 0 if last == b"\n" else 1
    return _notice_result(task, lines, source.too_large(size, task.max_bytes))


def analyze_bytes(task: FileTask, data: bytes, detectors: Sequence[type[Detector]]) -> FileResult:
    """`analyze_file` on bytes already read."""
    lines = count_lines(data)
    role = roles.classify(task.rel_path, data, task.role_globs)
    task = replace(task, enabled=enabled_in(task.enabled, role))
    # a client imported from another module brings its library's name to the prefilter
    probe = data + b"".join(f"\n{v.ctor}".encode() for _, v in task.values)
    seen: dict[bytes, bool] = {}
    active = [d for d in detectors if d.applies_to(probe, task.enabled, seen)]
    parsed = source.parse(data, task.max_bytes)
    if isinstance(parsed, source.Notice):
        return _notice_result(task, lines, parsed)
    extra = [notice_finding(task, parsed.notice)] if parsed.notice is not None else []
    if not active:
        scripts = _main_guards(parsed.tree, parsed.text, role)
        return FileResult(
            task.rel_path, lines, findings=tuple(extra), role=role.value, scripts=scripts
        )
    try:
        return _run_detectors(task, parsed, lines, active, extra, role)
    except RecursionError:
        notice = source.Notice("TTP904", "expression nesting is too deep to analyse safely")
        return _notice_result(task, lines, notice)


def _notice_result(task: FileTask, lines: int, notice: source.Notice) -> FileResult:
    role = roles.classify(task.rel_path, b"", task.role_globs).value
    found = []
    if notice.code in task.enabled:
        found.append(replace(notice_finding(task, notice), role=role))
    return FileResult(task.rel_path, lines, findings=tuple(found), parse_error=True, role=role)


def enabled_in(enabled: frozenset[str], role: roles.Role) -> frozenset[str]:
    """The enabled rules that apply to a file of this role."""
    specs = catalogue.catalogue()
    return frozenset(c for c in enabled if c not in specs or roles.applies(specs[c].roles, role))


def _run_detectors(
    task: FileTask,
    parsed: source.Parsed,
    lines: int,
    active: Sequence[type[Detector]],
    extra: list[Finding],
    role: roles.Role,
) -> FileResult:
    values = dict(task.values)
    names = NameTable(
        module_name_for(task.rel_path),
        task.rel_path.endswith("__init__.py"),
        values,
        task.objects,
        task.injectors,
    )
    ctx = FileContext(
        task.rel_path,
        parsed.module,
        parsed.text,
        names,
        task.enabled,
        tree=parsed.tree,
        role=role,
        project=task.project,
        sync_clients=frozenset(task.sync_clients),
        sync_calls=frozenset(task.sync_calls),
    )
    walks = any(cls.walks for cls in active)
    if walks:
        prebind_module(names, parsed.module)
    instances = [cls(ctx) for cls in active]
    binder = Binder(ctx)
    hooks = HookTable([binder])
    hooks.leave.clear()  # the binder leaves after every detector: add_last_leaver below
    for detector in instances:
        for name, fns in HookTable([detector]).visit.items():
            hooks.visit.setdefault(name, []).extend(fns)
        for name, fns in HookTable([detector]).leave.items():
            hooks.leave.setdefault(name, []).extend(fns)
    hooks.add_last_leaver(binder)
    internal: list[Finding] = []
    broken: set[int] = set()

    def failed(owner: object, exc: Exception) -> None:
        if owner is binder:  # the engine's own bookkeeping: nothing after it can be trusted
            raise exc
        broken.add(id(owner))
        internal.append(_internal_error(task, exc))

    try:
        if walks:
            walk(parsed.module, hooks, ctx.stack, failed)
    except RecursionError:
        raise
    except Exception as exc:
        internal.append(_internal_error(task, exc))
        broken.update(id(d) for d in instances)
    for detector in instances:
        if id(detector) in broken:
            continue
        try:
            detector.finish()
        except RecursionError:
            raise
        except Exception as exc:
            internal.append(_internal_error(task, exc))
    return _assemble(task, ctx, lines, extra + internal)


def _internal_error(task: FileTask, exc: Exception) -> Finding:
    """TTP906 naming the rule that failed (the innermost detector on the traceback)."""
    where = traceback.extract_tb(exc.__traceback__)[-1]
    rule = "ttaprod"
    tb = exc.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, Detector):
            codes = ", ".join(owner.codes or owner.feeds) or "facts"
            rule = f"ttaprod's {type(owner).__name__} ({codes})"
        tb = tb.tb_next
    message = (
        f"{rule} failed on this file ({type(exc).__name__} in {where.name}); "
        "other files were analysed. Please report this bug."
    )
    return notice_finding(task, source.Notice("TTP906", message))


def _assemble(task: FileTask, ctx: FileContext, lines: int, extra: list[Finding]) -> FileResult:
    wanted: list[cst.CSTNode] = []
    for pending in ctx.findings:
        wanted.append(pending.node)
        if pending.statement is not None:
            wanted.append(pending.statement)
    wanted.extend(site.node for site in ctx.sites if not site.line)
    wanted.extend(f.node for f in ctx.facts if not f.line or isinstance(f.fact, Pending))
    ranges = resolve_positions(ctx.module, wanted, ctx.tree)
    text_lines = sourcelines.split(ctx.text)
    marks = Marks.read(ctx.text)
    specs = catalogue.catalogue()

    scripts = _main_guards(ctx.tree, ctx.text, ctx.role)
    kept: list[Finding] = list(extra)
    suppressed: list[Finding] = []
    suppressed_ids: set[int] = set()
    dropped: set[int] = set()  # off in the role of the block they sit in
    on_site = {id(site.finding) for site in ctx.sites if site.finding is not None}
    secret_lines = {
        ranges[id(p.node)][0]
        for p in ctx.findings
        if p.problem.snippet_mask and id(p.node) in ranges
    }
    for pending in ctx.findings:
        finding = _finding(task.rel_path, ctx, pending, ranges, text_lines)
        role = roles.Role.SCRIPT if _inside(finding.line, scripts) else ctx.role
        rules = specs[finding.rule].roles
        if not roles.applies(rules, role.value):
            dropped.add(id(pending))
            continue
        finding = replace(
            finding, severity=roles.capped(rules, role.value, finding.severity), role=role.value
        )
        if finding.line in secret_lines and not pending.problem.snippet_mask:
            finding = replace(finding, snippet=redact.mask_string_literals(finding.snippet))
        if id(pending) in on_site:
            finding = replace(finding, on_site=True)
        silenced = marks.silence(finding, finding.statement_line)
        if silenced is not None:
            suppressed.append(silenced)
            suppressed_ids.add(id(pending))
        else:
            kept.append(finding)

    sites: list[Site] = []
    for site in ctx.sites:
        start = (site.line, 0, 0, 0) if site.line else ranges.get(id(site.node), (0, 0, 0, 0))
        role = roles.Role.SCRIPT if _inside(start[0], scripts) else ctx.role
        rules = specs[site.rule].roles
        if id(site.finding) in dropped or not roles.applies(rules, role.value):
            continue
        covered = site.problem is None or id(site.finding) in suppressed_ids
        if not covered and site.problem is not None:
            severity = site.problem.severity or specs[site.rule].severity
            covered = roles.capped(rules, role.value, severity) is Severity.INFO
        sites.append(Site(site.item, site.rule, task.rel_path, start[0], covered, site.label))

    facts = [_placed(f, task.rel_path, ranges) for f in ctx.facts]
    return FileResult(
        path=task.rel_path,
        lines=lines,
        role=ctx.role.value,
        findings=tuple(sorted(kept, key=lambda f: f.sort_key)),
        suppressed=tuple(sorted(suppressed, key=lambda f: f.sort_key)),
        sites=tuple(sites),
        facts=tuple(facts),
        scripts=scripts,
    )


def _placed(pending: PendingFact, path: str, ranges: dict[int, Range]) -> Fact:
    """A recorded fact with its file and line (and a pending problem with its span)."""
    start = ranges.get(id(pending.node), (0, 0, 0, 0))
    fact = replace(pending.fact, path=path, line=pending.line or start[0])
    if isinstance(fact, Pending) and id(pending.node) in ranges:
        line, column, end_line, end_column = start
        fact = replace(
            fact, line=line, column=column + 1, end_line=end_line, end_column=end_column + 1
        )
    return fact


def _finding(
    path: str,
    ctx: FileContext,
    pending: PendingFinding,
    ranges: dict[int, Range],
    text_lines: list[str],
) -> Finding:
    problem: Problem = pending.problem
    line, col, end_line, end_col = ranges.get(id(pending.node), (1, 0, 1, 0))
    statement_line = line
    if pending.statement is not None and id(pending.statement) in ranges:
        statement_line = ranges[id(pending.statement)][0]
    snippet = sourcelines.snippet(text_lines[line - 1]) if 0 < line <= len(text_lines) else ""
    snippet = redact.mask_string_literals(snippet) if problem.snippet_mask else snippet
    node_text = problem.fingerprint_text
    if node_text is None:
        node_text = ctx.code_for(pending.node)
        if problem.snippet_mask:
            node_text = redact.mask_string_literals(node_text)
    return new_finding(
        problem.rule,
        path,
        line,
        problem.message,
        anchor=node_text,
        column=col + 1,
        end_line=end_line,
        end_column=end_col + 1,
        severity=problem.severity,
        item=problem.checklist_item or catalogue.catalogue()[problem.rule].checklist_item,
        fix=problem.fix,
        snippet=snippet,
        statement_line=statement_line,
    )


def _main_guards(
    tree: ast.Module | None, text: str, role: roles.Role
) -> tuple[tuple[int, int], ...]:
    """Line spans of `if __name__ == "__main__":` blocks at module level of a service or cli
    module: script code."""
    if tree is None or role not in (roles.Role.SERVICE, roles.Role.CLI) or "__main__" not in text:
        return ()
    spans = []
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_test(node.test):  # its body, not its `else`
            spans.append((node.lineno, node.body[-1].end_lineno or node.lineno))
    return tuple(spans)


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.comparators) == 1):
        return False
    sides = (test.left, test.comparators[0])
    named = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    return named and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def _inside(line: int, spans: tuple[tuple[int, int], ...]) -> bool:
    return any(start <= line <= end for start, end in spans)
