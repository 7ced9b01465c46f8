"""One check split across CI jobs: `ttaprod check --shard I/N` and `ttaprod merge`.

A shard analyses the Python files whose path hashes to it (`Shard.owns`: the same split on
every machine, about 1/N of the files each) and runs the file tools on those files only;
what it learns goes into its JSON report under `"shard"` (`payload`). What needs the whole
project is left to the merge, which sees every shard: the second look at the files that
import another module's clients, the external tools' judgement against every file's role
and sites, the project index and its item checks, the score and the gate. The merge
therefore gives the report a single run gives.

Tools: ruff, bandit and pyright check the shard's own files in every shard (their findings on
a file depend on that file and what it imports, not on the other files given); safety,
which audits the dependency files, runs in shard 1 only.

A partial report is untrusted input: `read` checks its shape and bounds as the cache does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import __version__, cache, checklist, redact, safeio
from .models import FileResult, Finding, Severity, ToolRun, ToolStatus
from .tools import bandit, pyright

FORMAT = 1  # the layout of `"shard"`; a merge refuses another
READ_LIMIT = 1024 * safeio.MB
FILE_TOOLS = frozenset({"ruff", "pyright", "bandit"})  # each shard, on its own files
TOOL_SOURCES = frozenset({"ruff", "pyright", "basedpyright", "bandit", "safety"})
OPTION_KEYS = (
    "paths", "config_file", "select", "ignore", "fail_under", "no_tools", "tools", "preview",
    "baseline", "no_baseline", "diff", "diff_gate_project",
)  # fmt: skip
# the notes a tool's parser writes, merged as one run over every file would write them
NOTES: dict[str, Callable[[list[str]], str | None]] = {
    "pyright": pyright.merged_note,
    "bandit": bandit.merged_note,
}
_SPEC = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*")
# worst first: the status a tool gets when its shards disagree
_STATUS_ORDER = (
    ToolStatus.FAILED, ToolStatus.TIMEOUT, ToolStatus.UNAVAILABLE, ToolStatus.OK,
    ToolStatus.SKIPPED,
)  # fmt: skip


class ShardError(Exception):
    """Partial reports that cannot be merged; the message is one line saying why."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, rel: str) -> bool:
        return bucket(rel, self.count) == self.index - 1


def parse(text: str) -> Shard:
    """`"2/3"` → Shard(2, 3); `ValueError` saying what is expected."""
    match = _SPEC.fullmatch(text)
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard: expected I/N with 1 <= I <= N (e.g. 2/3), got '{text}'")
    return Shard(int(match.group(1)), int(match.group(2)))


def bucket(rel: str, count: int) -> int:
    """0 … count-1 from a hash of the root-relative POSIX path: stable across machines."""
    digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count


def tools_for(shard: Shard, has_python: bool, project_has_python: bool) -> frozenset[str]:
    """The tools this shard runs (when enabled): the file tools where it has Python files
    (shard 1 also when the project has none, as a single run would), safety in shard 1."""
    names = {"safety"} if shard.index == 1 else set()
    if has_python or (shard.index == 1 and not project_has_python):
        names |= FILE_TOOLS
    return frozenset(names)


def tree_digest(root: Path, rels: list[str] | tuple[str, ...], max_bytes: int) -> str:
    """A digest of the files' paths and bytes (a file past the limit: its size), so a merge
    can tell that it looks at the tree the shard analysed."""
    digest = hashlib.sha256()
    for rel in sorted(rels):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            data = safeio.read_bytes(root / rel, max_bytes, follow_symlinks=False)
            digest.update(hashlib.sha256(data).digest())
        except OSError:
            try:
                digest.update(f"size {os.lstat(root / rel).st_size}".encode())
            except OSError:
                digest.update(b"gone")
    return digest.hexdigest()


# --- writing --------------------------------------------------------------------------------
def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule, "source": f.source, "item": f.checklist_item, "severity": f.severity.value,
        "path": f.path, "pos": [f.line, f.column, f.end_line, f.end_column],
        "message": redact.scrub(f.message), "fix": None if f.fix is None else redact.scrub(f.fix),
        "fingerprint": f.fingerprint, "snippet": redact.scrub(f.snippet),
        "statement_line": f.statement_line, "on_site": f.on_site, "suppressed_by": f.suppressed_by,
        "role": f.role, "also": list(f.also_reported_by),
    }  # fmt: skip


def _run(run: ToolRun) -> dict[str, Any]:
    return {
        "name": run.name,
        "version": run.version,
        "status": run.status.value,
        "duration_s": run.duration_s,
        "findings": run.findings,
        "reason": run.reason,
    }


@dataclass(frozen=True)
class Part:
    """One shard's contribution, as `payload` writes it and `read` returns it."""

    shard: Shard
    digest: str  # tree_digest of its files
    config: str  # cache.config_digest of its effective config
    options: dict[str, Any]  # the check options that shape the result (OPTION_KEYS)
    tools: tuple[str, ...]  # the tools it was given to run
    duration_s: float
    results: tuple[FileResult, ...]  # its files' first look, in discovery order
    runs: tuple[ToolRun, ...]
    findings: tuple[Finding, ...]  # the tools' findings, before ttaprod's judgement
    suppressed: tuple[Finding, ...]  # the tools' findings silenced by marks
    version: str = __version__
    root: str = ""
    source: str = ""  # the file it was read from (for messages)


def payload(part: Part) -> dict[str, Any]:
    """The `"shard"` object of a partial JSON report (documented in the README)."""
    return {
        "format": FORMAT,
        "index": part.shard.index,
        "count": part.shard.count,
        "files": [r.path for r in part.results],
        "digest": part.digest,
        "config": part.config,
        "options": part.options,
        "tools": list(part.tools),
        "duration_s": round(part.duration_s, 3),
        "results": [cache.result_to_dict(r) for r in part.results],
        "tool_runs": [_run(r) for r in part.runs],
        "tool_findings": [_finding(f) for f in part.findings],
        "tool_suppressed": [_finding(f) for f in part.suppressed],
    }


# --- reading --------------------------------------------------------------------------------
def _need(ok: bool, what: str) -> None:
    if not ok:
        raise cache.Invalid(what)


def _int(value: Any, what: str, low: int = 0) -> int:
    _need(
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= cache.MAX_NUMBER,
        what,
    )
    return value


def _text(value: Any, what: str, limit: int = cache.MAX_TEXT) -> str:
    _need(isinstance(value, str) and len(value) <= limit and "\0" not in value, what)
    return value


def _list(value: Any, what: str) -> list[Any]:
    _need(isinstance(value, list), f"{what} is not a list")
    return value


def _tool_finding(d: Any) -> Finding:
    _need(isinstance(d, dict), "a tool finding is not an object")
    source = d.get("source")
    _need(source in TOOL_SOURCES, "a finding of an unknown tool")
    rule = _text(d.get("rule"), "a rule", 200)
    _need(rule.startswith(f"{source}:"), "a rule of another tool")
    path = _text(d.get("path"), "a path", 4096)
    _need(not path.startswith("/") and ".." not in path.split("/"), "a path outside the root")
    pos = _list(d.get("pos"), "a position")
    _need(len(pos) == 4, "a position is not four numbers")
    line, column, end_line, end_column = (_int(n, "a position") for n in pos)
    item = d.get("item")
    _need(item is None or (isinstance(item, str) and checklist.is_item(item)), "an unknown item")
    try:
        severity = Severity(d.get("severity"))
    except ValueError:
        raise cache.Invalid("an unknown severity") from None
    fix = d.get("fix")
    on_site = d.get("on_site")
    _need(isinstance(on_site, bool), "on_site is not true or false")
    role = _text(d.get("role"), "a role", 40)
    also = tuple(_text(a, "also_reported_by", 200) for a in _list(d.get("also"), "also"))
    return Finding(
        rule=rule, source=source, checklist_item=item, severity=severity, path=path,
        line=line, column=column, end_line=end_line, end_column=end_column,
        message=redact.scrub(_text(d.get("message"), "a message")),
        fix=None if fix is None else redact.scrub(_text(fix, "a fix")),
        fingerprint=_text(d.get("fingerprint"), "a fingerprint", 64),
        also_reported_by=also, snippet=redact.scrub(_text(d.get("snippet"), "a snippet")),
        statement_line=_int(d.get("statement_line"), "a statement line"), on_site=on_site,
        suppressed_by=_text(d.get("suppressed_by"), "suppressed_by"), role=role,
    )  # fmt: skip


def _tool_run(d: Any) -> ToolRun:
    _need(isinstance(d, dict), "a tool run is not an object")
    version = d.get("version")
    _need(version is None or (isinstance(version, str) and len(version) <= 40), "a version")
    duration = d.get("duration_s")
    _need(isinstance(duration, (int, float)) and 0 <= duration < 1e7, "a tool duration")
    try:
        status = ToolStatus(d.get("status"))
    except ValueError:
        raise cache.Invalid("an unknown tool status") from None
    return ToolRun(
        name=_text(d.get("name"), "a tool name", 40),
        version=version,
        status=status,
        duration_s=float(duration),
        findings=_int(d.get("findings"), "a count of findings"),
        reason=_text(d.get("reason"), "a tool's reason"),
    )


def _shape(data: Any) -> Part:
    _need(isinstance(data, dict), "not a JSON object")
    raw = data.get("shard")
    _need(isinstance(raw, dict), 'no "shard" object')
    _need(raw.get("format") == FORMAT, f"shard format {raw.get('format')!r}, not {FORMAT}")
    count = _int(raw.get("count"), "the shard count", 1)
    shard = Shard(_int(raw.get("index"), "the shard index", 1), count)
    _need(shard.index <= count, "a shard index past the count")
    files = [_text(p, "a path", 4096) for p in _list(raw.get("files"), "files")]
    _need(len(set(files)) == len(files), "a file listed twice")
    results = _list(raw.get("results"), "results")
    _need(len(results) == len(files), "a result missing")
    options = raw.get("options")
    _need(isinstance(options, dict) and sorted(options) == sorted(OPTION_KEYS), "the options")
    tools = tuple(_text(t, "a tool", 40) for t in _list(raw.get("tools"), "tools"))
    duration = raw.get("duration_s")
    _need(isinstance(duration, (int, float)) and 0 <= duration < 1e7, "the duration")
    return Part(
        shard=shard,
        digest=_text(raw.get("digest"), "the digest", 64),
        config=_text(raw.get("config"), "the config digest", 64),
        options=options,
        tools=tools,
        duration_s=float(duration),
        results=tuple(cache.result_from_dict(r, p) for r, p in zip(results, files, strict=True)),
        runs=tuple(_tool_run(r) for r in _list(raw.get("tool_runs"), "tool_runs")),
        findings=tuple(_tool_finding(f) for f in _list(raw.get("tool_findings"), "tools")),
        suppressed=tuple(_tool_finding(f) for f in _list(raw.get("tool_suppressed"), "tools")),
        version=_text(data.get("version"), "the version", 40),
        root=_text(data.get("root"), "the root", 4096),
    )


def read(path: Path) -> Part:
    """A partial report written by `ttaprod check --shard`; `ShardError` when it is not one."""
    try:
        data = json.loads(safeio.read_bytes(path, READ_LIMIT).decode("utf-8"))
    except OSError as exc:
        raise ShardError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ShardError(f"{path}: not a JSON report") from None
    try:
        part = _shape(data)
    except cache.Invalid as exc:
        hint = "run `ttaprod check --shard I/N -f json=FILE`"
        raise ShardError(f"{path}: not a partial report of ttaprod ({exc}; {hint})") from None
    return replace(part, source=str(path))


def check_set(parts: list[Part]) -> None:
    """One whole, consistent set: the same ttaprod, count, root, config and options, each
    shard once and none missing; `ShardError` naming the first problem."""
    if not parts:
        raise ShardError("no partial reports given")
    first = parts[0]
    for part in parts:
        if part.version != __version__:
            raise ShardError(
                f"{part.source} was written by ttaprod {part.version}, this is {__version__}"
            )
        for what, mine, theirs in (
            ("shard count", part.shard.count, first.shard.count),
            ("root", part.root, first.root),
            ("configuration", part.config, first.config),
            ("options", part.options, first.options),
        ):
            if mine != theirs:
                raise ShardError(
                    f"{part.source} and {first.source} differ in their {what}: "
                    "shards of one run must use the same ttaprod, tree, config and options"
                )
    seen: dict[int, str] = {}
    for part in parts:
        if part.shard.index in seen:
            raise ShardError(
                f"shard {part.shard.label} given twice ({seen[part.shard.index]}, {part.source})"
            )
        seen[part.shard.index] = part.source
    missing = [str(i) for i in range(1, first.shard.count + 1) if i not in seen]
    if missing:
        raise ShardError(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} of "
            f"{first.shard.count} missing"
        )


# --- merging the tools ------------------------------------------------------------------------
def _merged_run(name: str, runs: list[tuple[Part, ToolRun]]) -> ToolRun:
    worst = min(runs, key=lambda pair: _STATUS_ORDER.index(pair[1].status))
    status = worst[1].status
    if status is not ToolStatus.OK or len(runs) == 1:
        reason = worst[1].reason
        if len(runs) > 1 and status is not ToolStatus.SKIPPED:
            reason = f"shard {worst[0].shard.label}: {reason}" if reason else reason
    else:  # the reasons of the shards where it ran (not those it had nothing to check in)
        ran = [r for _, r in runs if r.version or r.duration_s] or [r for _, r in runs]
        merge_notes = NOTES.get(name)
        joined = merge_notes([r.reason for r in ran]) if merge_notes else None
        reason = (
            joined
            if joined is not None
            else "; ".join(dict.fromkeys(r.reason for r in ran if r.reason))
        )
    versions = [r.version for _, r in runs if r.version]
    return ToolRun(
        name=name,
        version=versions[0] if versions else None,
        status=status,
        duration_s=round(sum(r.duration_s for _, r in runs), 3),
        findings=sum(r.findings for _, r in runs) if status is ToolStatus.OK else 0,
        reason=reason,
    )


def merged_tools(
    parts: list[Part],
) -> tuple[tuple[ToolRun, ...], tuple[Finding, ...], tuple[Finding, ...]]:
    """(runs, findings, suppressed) of the external tools over all shards: each tool from the
    shards that ran it, its status the worst of theirs (a tool that failed in one shard has
    no findings at all, as in a single run where it failed), its time summed."""
    ordered = sorted(parts, key=lambda p: p.shard.index)
    runs: list[ToolRun] = []
    findings: list[Finding] = []
    suppressed: list[Finding] = []
    for first in ordered[0].runs:
        name = first.name
        mine = [(p, r) for p in ordered if name in p.tools for r in p.runs if r.name == name]
        if not mine:
            mine = [(ordered[0], first)]
        run = _merged_run(name, mine)
        if run.status is ToolStatus.OK:
            sources = {p.shard.index for p, _ in mine}
            for part in ordered:
                if part.shard.index in sources:
                    findings.extend(f for f in part.findings if _tool_of(f) == name)
                    suppressed.extend(f for f in part.suppressed if _tool_of(f) == name)
        runs.append(run)
    return tuple(runs), tuple(findings), tuple(suppressed)


def _tool_of(finding: Finding) -> str:
    return "pyright" if finding.source == "basedpyright" else finding.source
