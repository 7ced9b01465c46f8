"""`# ttaprod: ignore[...]`: one reading for Python files, deployment files (Dockerfile, YAML)
and project-level findings, and for the external tools' findings too.

A mark silences the rules it names, by code or prefix (`TTP101`, `TTP1`, `ruff:S113`), or every
rule when bare (`# ttaprod: ignore`), on

- the line it ends (the flagged line, or the first line of the flagged statement), or
- the line below it, when the mark is a comment line of its own: Dockerfiles have no
  end-of-line comments, and a long line reads better with its mark above it (as hadolint and
  yamllint do).

A silenced finding is never dropped silently: it is counted in `stats.suppressed` and listed
by `--show-suppressed` with the line of its mark.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from . import sourcelines
from .models import Finding

_MARK = re.compile(r"#\s*ttaprod:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
ALL = "*"


def _codes(match: re.Match[str]) -> frozenset[str]:
    listed = match.group("codes")
    if listed is None:
        return frozenset({ALL})
    return frozenset(c.strip().upper() for c in listed.split(",") if c.strip())


def names(rule: str, codes: frozenset[str]) -> bool:
    """Whether a mark with `codes` silences `rule`."""
    wanted = rule.upper()
    return ALL in codes or any(wanted.startswith(code) for code in codes)


@dataclass(frozen=True)
class Marks:
    """The marks of one file: line → codes, and the lines that hold nothing but a comment."""

    codes: Mapping[int, frozenset[str]] = field(default_factory=dict)
    alone: frozenset[int] = frozenset()

    @classmethod
    def read(cls, text: str) -> Marks:
        if "ttaprod" not in text:
            return NONE
        codes: dict[int, frozenset[str]] = {}
        alone: set[int] = set()
        for number, line in enumerate(sourcelines.split(text), start=1):
            match = _MARK.search(line)
            if match is None:
                continue
            codes[number] = _codes(match)
            if line.lstrip().startswith("#"):
                alone.add(number)
        return cls(codes, frozenset(alone))

    def mark_for(self, rule: str, *lines: int) -> int | None:
        """The line of the mark that silences `rule` at any of `lines`, else None."""
        for line in lines:
            here = self.codes.get(line)
            if here is not None and names(rule, here):
                return line
            above = line - 1
            if above in self.alone and names(rule, self.codes[above]):
                return above
        return None

    def silence(self, finding: Finding, *lines: int) -> Finding | None:
        """`finding` marked suppressed (with where) when a mark at its line, or at one of
        `lines` (its statement's first line, its last line), silences it; else None."""
        line = self.mark_for(finding.rule, finding.line, *lines)
        if line is None:
            return None
        return replace(finding, suppressed_by=f"# ttaprod: ignore at line {line}")


NONE = Marks()
