"""The data shapes every other module speaks: findings, sites, facts, verdicts, reports.

All values are frozen dataclasses made only of plain types (str, int, float, bool,
tuples, dicts of those), so they pickle cheaply across worker processes and turn
into JSON without custom encoders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from .rulespec import DEFAULT_EXAMPLE_PATH as DEFAULT_EXAMPLE_PATH
from .rulespec import Example as Example
from .rulespec import RuleSpec, Severity
from .rulespec import language_of as language_of

if TYPE_CHECKING:  # annotations only: `ttaprod rules` need not build the fact types
    from .facts import Fact


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


class ToolStatus(str, Enum):
    OK = "ok"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Replacement:
    """Replace the text from (line, column) up to, not including, (end_line, end_column) of
    the original file with `text`; an empty range inserts. 1-based lines and columns
    (Unicode code points), as in SARIF's `deletedRegion`."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class Suggestion:
    """A machine-applicable fix of one finding (`ttaprod check --fix`)."""

    safe: bool  # False: it changes behaviour; applied only with --unsafe-fixes
    description: str  # what it does, one line ("add `timeout=10`")
    replacements: tuple[Replacement, ...]  # on the file of the finding, as it was checked
    diff: str = ""  # the unified diff of this fix alone, secrets masked


@dataclass(frozen=True)
class Finding:
    rule: str
    source: str
    checklist_item: str | None
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fix: str | None = None
    fingerprint: str = ""
    also_reported_by: tuple[str, ...] = ()
    # Not part of the JSON contract: the flagged source line (secrets masked) for the
    # terminal view, and the first line of the enclosing statement for suppressions.
    snippet: str = ""
    statement_line: int = 0
    on_site: bool = False  # judges one site of a sites-kind item (see Site)
    suppressed_by: str = ""  # why it is not reported (an inline mark…): listed, never dropped
    role: str = "service"  # the code role of the file (or block) it is in
    # cross-function findings: (path, line, what happens there) from the entry point to here
    trace: tuple[tuple[str, int, str], ...] = ()
    suggestion: Suggestion | None = None  # its automatic fix, when one was asked for

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


@dataclass(frozen=True)
class Site:
    """One place a sites-kind checklist item applies to (an outbound call, an async def…)."""

    item: str
    rule: str
    path: str
    line: int
    covered: bool
    label: str = ""


@dataclass(frozen=True)
class FileResult:
    """Everything one file contributes; plain values only (picklable, JSON-able, cacheable)."""

    path: str
    lines: int
    findings: tuple[Finding, ...] = ()
    suppressed: tuple[Finding, ...] = ()
    sites: tuple[Site, ...] = ()
    facts: tuple[Fact, ...] = ()
    parse_error: bool = False
    role: str = "service"  # what the file is for (ttaprod.roles)
    scripts: tuple[tuple[int, int], ...] = ()  # lines of `if __name__ == "__main__":` blocks


@dataclass(frozen=True)
class Evidence:
    path: str
    line: int
    note: str


@dataclass(frozen=True)
class ItemResult:
    id: str
    title: str
    section: str
    status: Status
    score: float | None
    covered: int | None = None
    total: int | None = None
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""
    weight: float = 1.0


@dataclass(frozen=True)
class CategoryResult:
    id: str
    title: str
    score: float | None
    weight: float
    items: tuple[str, ...]


@dataclass(frozen=True)
class ToolRun:
    name: str
    version: str | None
    status: ToolStatus
    duration_s: float
    findings: int
    reason: str = ""
    cached: bool = False  # its results came from the cache: no process was started


@dataclass(frozen=True)
class Gate:
    fail_under: float
    block_on: tuple[str, ...]
    require_tools: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stats:
    files: int
    lines: int
    parse_errors: int
    duration_s: float
    suppressed: int = 0
    baselined: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselineEntry:
    """One known finding in the baseline file; `count` is how many identical ones it holds."""

    rule: str
    path: str  # relative to the checked root
    fingerprint: str
    message: str = ""
    count: int = 1


@dataclass(frozen=True)
class BaselineSummary:
    """How the run compared with a baseline file (`ttaprod check --baseline FILE`)."""

    file: str
    entries: int  # findings the file holds, repeats counted
    stale: tuple[BaselineEntry, ...] = ()  # entries no finding matched: fixed, prunable
    score: float | None = None  # the score recorded with the baseline: the ratchet's floor


@dataclass(frozen=True)
class Scope:
    """What a run reports on when it is not the whole project (pre-commit files, `--diff`)."""

    mode: str  # "files": the given files; "diff": lines changed since `ref`
    files: tuple[str, ...] = ()  # the files reported on (given, or with changed lines)
    ref: str = ""  # --diff REF as given
    base: str = ""  # the commit the working tree was compared with (merge base of REF, HEAD)
    hidden: int = 0  # findings outside the scope, left out of the report
    partial: bool = False  # only the given files were analysed: no project context
    gate_project: bool = False  # the whole-project gate applies too (--diff-gate-project)


@dataclass(frozen=True)
class AppliedFix:
    """One finding `ttaprod check --fix` repaired (or, with --fix-diff, would repair)."""

    rule: str
    path: str
    line: int  # in the file as it was before the fix
    safe: bool
    description: str


@dataclass(frozen=True)
class FixSummary:
    """What a fix run did (`--fix`, `--fix-only`, `--fix-diff`)."""

    mode: str  # "fix", "fix-only" or "fix-diff"
    applied: tuple[AppliedFix, ...] = ()  # written (or, with fix-diff, that would be)
    files: tuple[str, ...] = ()  # files changed (or that would be)
    env: tuple[str, ...] = ()  # environment variables the fixed code now reads: set them
    refused: tuple[str, ...] = ()  # "path: why" for files left alone (changed during the run)
    held_back: int = 0  # unsafe fixes not applied (they need --unsafe-fixes)


@dataclass(frozen=True)
class Report:
    version: str
    root: str
    score: float
    grade: str
    passed: bool
    gate: Gate
    categories: tuple[CategoryResult, ...]
    checklist: tuple[ItemResult, ...]
    findings: tuple[Finding, ...]
    tools: tuple[ToolRun, ...]
    stats: Stats
    notes: tuple[str, ...] = ()
    baselined: tuple[Finding, ...] = ()  # findings the baseline knows (not in `findings`)
    suppressed: tuple[Finding, ...] = ()  # silenced findings, each with `suppressed_by`
    rules: tuple[RuleSpec, ...] = ()  # catalogue entries of the own rules in the findings
    baseline: BaselineSummary | None = None
    scope: Scope | None = None  # None: the whole project
    fixes: FixSummary | None = None  # what `--fix` did before this report was made
    # `check --shard`: what `ttaprod merge` needs (plain JSON values, `sharding.payload`)
    shard: dict[str, Any] | None = None
