"""What a run holds against the gate when it is not a plain whole-project check.

Three things narrow a run, and they combine:

- a **baseline**: findings it knows are left out of `findings` (listed apart, counted in
  `stats.baselined`); its entries that match nothing are reported as stale;
- **explicit files** (what pre-commit passes): only findings in those files are reported;
- **`--diff REF`**: only findings on lines added or changed since REF are reported.

The score always describes the whole analysed code, known findings included: one more
bad finding never raises it, and a baseline never flatters it. What changes is the gate.
In these "ratchet" runs every reported finding of `fail-on-new` severity or worse
(default `low`) fails it, and the score floor is:

- whole project: `fail-under`, lowered to the score recorded in the baseline when that is
  lower (a legacy project passes while it does not get worse);
- `--diff`: none, unless `--diff-gate-project` asks for the whole-project gate too;
- explicit files: none (a few files cannot make or break a project's score).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from . import selection
from .baseline import Baseline, Judged, match, stale_entries
from .config import Config
from .engine.project import ProjectIndex
from .gitdiff import Changes
from .models import BaselineSummary, Finding, Scope, Severity, ToolStatus


def fail_on_new(config: Config) -> Severity:
    return config.fail_on_new


@dataclass(frozen=True)
class Focus:
    """What the run reports on: everything, some files, and/or the changed lines."""

    files: frozenset[str] | None = None  # root-relative paths; None: every file
    changes: Changes | None = None
    partial: bool = False  # only the given files were analysed
    gate_project: bool = False
    context_files: int = 0  # files analysed as context (files mode)

    @property
    def mode(self) -> str | None:
        if self.changes is not None:
            return "diff"
        return "files" if self.files is not None else None

    def contains(self, finding: Finding) -> bool:
        if self.files is not None and finding.path not in self.files:
            return False
        return self.changes is None or self.changes.touches(
            finding.path, finding.line, finding.end_line
        )


@dataclass(frozen=True)
class Outcome:
    reported: tuple[Finding, ...]
    baselined: tuple[Finding, ...]
    hidden: int
    summary: BaselineSummary | None
    scope: Scope | None
    floor: float | None  # the score the gate requires; None: the score does not gate
    ratchet: bool  # reported findings gate by severity (fail-on-new)
    notes: tuple[str, ...]


def judged(index: ProjectIndex, focus: Focus) -> Judged:
    """Whether this run could have reported a finding of `rule` in `path`: a baseline entry
    it did not see again is stale only then (a tool that did not run, a file that did not
    parse or was not checked, a rule not selected: the entry stays)."""
    config = index.config
    tools_ok = {t.name for t in index.tools if t.status is ToolStatus.OK}
    analysed = set(index.python_files) | set(index.other_files)
    unparsed = {r.path for r in index.files if r.parse_error}

    def check(rule: str, path: str) -> bool:
        if focus.files is not None and path not in focus.files:
            return False
        if not path:
            if index.partial:
                return False
        elif path not in analysed and (index.root / path).exists():
            return False  # excluded or not discoverable: not looked at (a deleted file is)
        tool = rule.split(":", 1)[0] if ":" in rule else None
        if tool is not None and tool not in tools_ok:
            return False
        if tool is None and path in unparsed:
            return False
        select = (*config.select, f"{tool}:") if tool else config.select
        if not selection.is_selected(rule, select, config.ignore):
            return False
        return not selection.ignored_for_path(rule, path, config.per_file_ignores)

    return check


def ran_tools(index: ProjectIndex) -> tuple[str, ...]:
    return tuple(sorted(t.name for t in index.tools if t.status is ToolStatus.OK))


def comparable(baseline: Baseline, index: ProjectIndex) -> bool:
    """A recorded score compares with this run's only when the same tools ran."""
    return baseline.tools is None or tuple(sorted(baseline.tools)) == ran_tools(index)


def _floor(
    config: Config, baseline: Baseline | None, focus: Focus, index: ProjectIndex
) -> float | None:
    if focus.mode == "files" or (focus.mode == "diff" and not focus.gate_project):
        return None
    if baseline is None or baseline.score is None:
        return config.fail_under
    if not comparable(baseline, index):
        return None
    return min(config.fail_under, baseline.score)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _scope_files(focus: Focus, index: ProjectIndex) -> tuple[str, ...]:
    """The analysed files the run reports on: the given ones, or those with changes."""
    files = set(focus.files) if focus.files is not None else None
    if focus.changes is not None:
        changed = set(focus.changes.files) & {*index.python_files, *index.other_files}
        files = changed if files is None else files & changed
    return tuple(sorted(files or ()))


def _notes(focus: Focus, index: ProjectIndex, hidden: int) -> list[str]:
    notes = []
    if focus.partial:
        notes.append(
            "only the given files were checked (no [tool.ttaprod] config or git repository "
            "around them): project-level items that need the whole project are skipped"
        )
    elif focus.mode == "files" and focus.changes is None:
        notes.append(
            f"findings in the {_plural(len(focus.files or ()), 'given file')} only, checked with "
            f"the whole project ({_plural(focus.context_files, 'file')}) as context; "
            "project-level items and the score do not gate"
        )
    if focus.changes is not None:
        changes = focus.changes
        gate = (
            "the whole-project gate applies too"
            if focus.gate_project
            else "project-level items and the score do not gate (--diff-gate-project)"
        )
        files = _plural(len(_scope_files(focus, index)), "file")
        notes.append(
            f"changed lines only: findings on lines added or changed since {changes.ref} "
            f"(compared with {changes.base[:10]}) in {files}; {gate}"
        )
    if hidden:
        notes.append(f"{_plural(hidden, 'finding')} outside the checked scope not shown")
    return notes


def _baseline_notes(baseline: Baseline, label: str, known: int, stale: int) -> list[str]:
    notes = [f"baseline {label}: {_plural(known, 'known finding')} not held against the gate"]
    if stale:
        entries = (
            "1 baseline entry no longer matches"
            if stale == 1
            else (f"{stale} baseline entries no longer match")
        )
        notes.append(f"{entries} (fixed?): `ttaprod baseline --prune` drops them")
    return notes


def apply(
    findings: Sequence[Finding],
    index: ProjectIndex,
    baseline: Baseline | None,
    focus: Focus,
    baseline_label: str = "",
) -> Outcome:
    config = index.config
    if baseline is not None:

        def outside(finding: Finding) -> bool:  # unchanged code holds the old findings
            return not focus.contains(finding)

        matched = match(findings, baseline, index.root, judged(index, focus), outside)
        known = matched.known
    else:
        matched, known = None, (False,) * len(findings)
    reported: list[Finding] = []
    baselined: list[Finding] = []
    hidden = 0
    for finding, is_known in zip(findings, known, strict=True):
        shown = focus.contains(finding) or (
            focus.gate_project and finding.severity in config.block_on
        )
        if not shown:
            hidden += 0 if is_known else 1
        elif is_known:
            baselined.append(finding)
        else:
            reported.append(finding)
    notes = _notes(focus, index, hidden)
    summary = None
    if baseline is not None and matched is not None:
        stale = stale_entries(baseline, matched.stale, index.root)
        summary = BaselineSummary(
            baseline_label or str(baseline.path), baseline.total, stale, baseline.score
        )
        notes += _baseline_notes(
            baseline, summary.file, len(baselined), sum(e.count for e in stale)
        )
        if baseline.score is not None and not comparable(baseline, index):
            then = ", ".join(baseline.tools or ()) or "no tools"
            now = ", ".join(ran_tools(index)) or "no tools"
            notes.append(
                f"the score does not gate: the baseline's was recorded with {then}, "
                f"this run had {now}"
            )
    scope = None
    if focus.mode is not None:
        files = _scope_files(focus, index)
        scope = Scope(
            mode=focus.mode,
            files=files,
            ref=focus.changes.ref if focus.changes else "",
            base=focus.changes.base if focus.changes else "",
            hidden=hidden,
            partial=focus.partial,
            gate_project=focus.gate_project,
        )
    return Outcome(
        reported=tuple(reported),
        baselined=tuple(baselined),
        hidden=hidden,
        summary=summary,
        scope=scope,
        floor=_floor(config, baseline, focus, index),
        ratchet=baseline is not None or focus.mode is not None,
        notes=tuple(notes),
    )


def _where(outcome: Outcome) -> str:
    parts = []
    if outcome.scope is not None:
        parts.append("on changed lines" if outcome.scope.mode == "diff" else "in the checked files")
    if outcome.summary is not None:
        parts.append("not in the baseline")
    return ", ".join(parts)


def finding_reasons(outcome: Outcome, config: Config) -> list[str]:
    """The gate's reasons about findings."""
    if not outcome.ratchet:
        blocking = Counter(
            f.severity.value for f in outcome.reported if f.severity in config.block_on
        )
        return [f"{n} {sev} finding{'s' if n != 1 else ''}" for sev, n in sorted(blocking.items())]
    bar = fail_on_new(config)
    gating = [
        f for f in outcome.reported if f.severity.rank >= bar.rank or f.severity in config.block_on
    ]
    if not gating:
        return []
    counts = Counter(f.severity for f in gating)
    detail = ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts[s])
    noun = "new finding" if outcome.summary is not None else "finding"
    return [f"{_plural(len(gating), noun)} {_where(outcome)} ({detail})"]


def score_reason(outcome: Outcome, score: float, config: Config) -> str | None:
    if outcome.floor is None or score >= outcome.floor:
        return None
    if outcome.floor < config.fail_under and outcome.summary is not None:
        return (
            f"score {score:g} is under {outcome.floor:g}, the score recorded in the baseline "
            f"(fail-under {config.fail_under:g})"
        )
    return f"score {score:g} is under fail-under {outcome.floor:g}"
