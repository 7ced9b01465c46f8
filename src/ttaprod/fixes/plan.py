"""The fixes of a run, file by file: what each finding's fix changes on its own (a
`Suggestion`, for the reports) and what the chosen fixes change together (a `Change`, for
`--fix` and `--fix-diff`).

A combined change must still parse: if the fixes of a file together do not, they are added
one by one and those that break it are dropped (declined, never written).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from ..engine import source as engine_source
from ..models import Finding, Suggestion
from . import files
from .files import Source, Unreadable
from .kit import FindingFix, Statements, render
from .settings import Settings
from .walk import Family, python_fixes

TextFixer = Callable[
    [Source, Sequence[Finding], Settings], tuple[list[FindingFix], list[tuple[Finding, str]]]
]
Key = tuple[str, str, int, int, int, int, str]
Span = tuple[int, int, int, int]
_PYTHON = (".py", ".pyi")


def key(finding: Finding) -> Key:
    f = finding
    return (f.rule, f.path, f.line, f.column, f.end_line, f.end_column, f.fingerprint)


@dataclass
class FilePlan:
    source: Source
    fixes: list[FindingFix]
    declined: list[tuple[Finding, str]]
    module: cst.Module | None  # Python files: the tree the fixes edit
    first_party: frozenset[str]
    secrets: frozenset[str] = frozenset()  # values masked in diffs; never shown
    parses: bool = True  # the original parses with `ast` here: the fixed file must too
    statements: Statements | None = None  # for one fix at a time, made when first needed

    def render(self, chosen: Sequence[FindingFix]) -> str:
        if self.module is not None:
            return render(self.module, chosen, self.first_party)
        return files.apply(self.source.text, [r for fix in chosen for r in fix.replacements])

    def valid(self, text: str) -> bool:
        if self.module is None or not self.parses:
            return True
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return True

    def suggestion(self, fix: FindingFix) -> Suggestion | None:
        try:
            if self.module is not None:
                if self.statements is None:
                    self.statements = Statements(self.module, self.source.text, self.first_party)
                found = self.statements.replacements(fix, fix.finding.line)
                if found is None:
                    return None
                edits = found
            else:
                edits = list(fix.replacements)
        except Exception as exc:  # a bug in one fix must not cost the report
            self.declined.append((fix.finding, f"the fix failed ({type(exc).__name__})"))
            return None
        if not edits:
            return None
        text = files.apply(self.source.text, edits)
        if any(secret in r.text for r in edits for secret in self.secrets):
            edits = []  # never hand a secret on, even one the fix did not touch
        diff = files.unified(self.source.rel, self.source.text, text, self.secrets)
        return Suggestion(fix.safe, fix.description, tuple(edits), diff)

    def combined(self, chosen: Sequence[FindingFix]) -> tuple[str, list[FindingFix]]:
        """The text with every fix of `chosen` that keeps the file valid, and those fixes."""
        text = self.render(chosen)
        if self.valid(text):
            return text, list(chosen)
        kept: list[FindingFix] = []
        for fix in chosen:
            if self.valid(self.render([*kept, fix])):
                kept.append(fix)
            else:
                self.declined.append((fix.finding, "the fix would not parse with the others"))
        return self.render(kept), kept


@dataclass(frozen=True)
class Change:
    """A file's new content and the fixes that made it."""

    source: Source
    text: str
    fixed: tuple[FindingFix, ...]
    diff: str

    @property
    def data(self) -> bytes:
        return files.encode(self.source, self.text)


@dataclass
class Plan:
    files: list[FilePlan] = field(default_factory=list)
    unreadable: list[tuple[Finding, str]] = field(default_factory=list)

    def suggestions(self) -> dict[Key, Suggestion]:
        out: dict[Key, Suggestion] = {}
        for plan in self.files:
            for fix in plan.fixes:
                made = plan.suggestion(fix)
                if made is not None:
                    out[key(fix.finding)] = made
        return out

    def changes(self, unsafe: bool) -> list[Change]:
        out = []
        for plan in self.files:
            chosen = [fix for fix in plan.fixes if fix.safe or unsafe]
            if not chosen:
                continue
            text, kept = plan.combined(chosen)
            if text != plan.source.text:
                diff = files.unified(plan.source.rel, plan.source.text, text, plan.secrets)
                out.append(Change(plan.source, text, tuple(kept), diff))
        return out

    def held_back(self, unsafe: bool) -> int:
        return 0 if unsafe else sum(1 for p in self.files for f in p.fixes if not f.safe)

    def declined(self) -> list[tuple[Finding, str]]:
        return [*self.unreadable, *(d for p in self.files for d in p.declined)]


def build(
    findings: Sequence[Finding],
    root: Path,
    settings: Settings,
    families: dict[str, type[Family]],
    text_fixers: dict[str, TextFixer],
    secret_spans: dict[str, set[Span]],
) -> Plan:
    """Plan the fixes of `findings` (each has a family or a text fixer)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    plan = Plan()
    for rel in sorted(by_path):
        found = by_path[rel]
        try:
            src = files.read(root / rel, rel)
        except Unreadable as why:
            plan.unreadable.extend((f, str(why)) for f in found)
            continue
        secrets = _secrets(src.text, secret_spans.get(rel, set()), rel.endswith(_PYTHON))
        if rel.endswith(_PYTHON):
            file_plan = _python(src, found, settings, families)
        else:
            fixes: list[FindingFix] = []
            declined: list[tuple[Finding, str]] = []
            for rule in sorted({f.rule for f in found}):
                made, refused = text_fixers[rule](
                    src, [f for f in found if f.rule == rule], settings
                )
                fixes.extend(made)
                declined.extend(refused)
            file_plan = FilePlan(src, fixes, declined, None, settings.first_party)
        file_plan.secrets = frozenset(secrets | file_plan.secrets)
        plan.files.append(file_plan)
    return plan


def _python(
    src: Source, found: list[Finding], settings: Settings, families: dict[str, type[Family]]
) -> FilePlan:
    parsed = engine_source.parse(src.data, max(len(src.data), engine_source.DEFAULT_MAX_BYTES))
    if isinstance(parsed, engine_source.Notice):
        return FilePlan(src, [], [(f, parsed.message) for f in found], None, settings.first_party)
    try:
        kit = python_fixes(src.rel, parsed.text, parsed.module, found, families, settings)
    except RecursionError:
        why = "too deeply nested to rewrite safely"
        return FilePlan(src, [], [(f, why) for f in found], None, settings.first_party)
    return FilePlan(
        src,
        kit.fixes,
        kit.declined,
        parsed.module,
        settings.first_party,
        frozenset(kit.secrets),
        parses=parsed.tree is not None,
    )


_QUOTED = re.compile(r"""^[A-Za-z]{0,3}('{3}|"{3}|'|")(?P<body>.*)\1$""", re.DOTALL)


def _secrets(text: str, spans: set[Span], python: bool) -> set[str]:
    """What to mask in diffs: the secret at each span a secret was reported at (suppressed
    and baselined ones included): a string's contents in Python, a setting's value in a
    Dockerfile or YAML file (their findings flag the whole line)."""
    found: set[str] = set()
    rows = text.splitlines()
    for line, column, end_line, end_column in spans:
        if not 0 < line <= len(rows):
            continue
        if end_line != line:
            for row in rows[line - 1 : end_line]:
                found |= files.string_bodies(row) if python else {row.strip()}
            continue
        piece = rows[line - 1][max(column - 1, 0) : max(end_column - 1, column)]
        if python:
            quoted = _QUOTED.match(piece.strip())
            value = quoted.group("body") if quoted else piece.strip()
        else:
            value = re.split(r"\s#", piece, maxsplit=1)[0]
            value = re.split(r"=|:\s", value, maxsplit=1)[-1].strip().strip("\"'")
        if len(value) >= 4:
            found.add(value)
    return found
