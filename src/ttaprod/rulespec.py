"""The shapes of the rule catalogue: a rule's spec, its examples, severities. Apart from
`models.py` (findings, results, the report) so that `ttaprod rules` and `explain` build only
these; `models` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: info 0 … critical 4."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


DEFAULT_EXAMPLE_PATH = "app/example.py"


@dataclass(frozen=True)
class Example:
    title: str
    code: str
    lines: tuple[int, ...]
    path: str = DEFAULT_EXAMPLE_PATH
    # the other files of the example project, (path, code): the lines are those of `path`
    files: tuple[tuple[str, str], ...] = ()

    @property
    def language(self) -> str:
        return language_of(self.path)


def language_of(path: str) -> str:
    """For syntax highlighting: python, dockerfile, yaml, toml, json or text."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith((".py", ".pyi")):
        return "python"
    if "dockerfile" in name or name == "containerfile":
        return "dockerfile"
    for suffix, language in ((".yml", "yaml"), (".yaml", "yaml"), (".toml", "toml")):
        if name.endswith(suffix):
            return language
    if name.endswith(".json"):
        return "json"
    return "text"


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    checklist_item: str | None
    severity: Severity
    title: str
    summary: str
    why: str
    options: str
    references: tuple[str, ...]
    bad: tuple[Example, ...]
    good: tuple[Example, ...]
    use_instead: str = ""
    roles: dict[str, str] | None = None  # role → "default", "off" or the highest severity
    preview: bool = False  # below 90 % precision on real code: runs only in preview mode
    fix: str = ""  # "safe", "unsafe" or "" (no automatic fix): `ttaprod check --fix`
    fix_summary: str = ""  # what the fix does, one sentence (docs, `ttaprod rules`)

    @property
    def family(self) -> str:
        return self.code[:4]
