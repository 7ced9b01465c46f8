"""The external tools' findings under ttaprod's judgement: where ttaprod knows better, a tool's
finding is kept out of the report, counted as suppressed and listed with why
(`--show-suppressed`); it is never dropped silently.

- **Roles.** Every tool finding gets the code role of where it sits (`ttaprod.roles`: its
  file's, or `script` inside an `if __name__ == "__main__":` block). A rule that is moot in
  that role (`[roles]` in the tool's map: `print` in a command-line program, `assert` in a
  test) is suppressed with the map's reason, or its severity capped.
- **Secrets.** A password finding (`secret_literals` in the tool's map: ruff's S105-S107,
  bandit's B105-B107) on a line where ttaprod's secret check (TTP401/TTP402) judged every
  literal it examined not to be a credential is suppressed with the check's reason ("a
  placeholder", "an environment variable name"). A line with a literal judged a credential,
  or with none examined, keeps the tool's finding. No reason ever carries the value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .. import roles
from ..facts import SecretLiteral
from ..models import FileResult, Finding
from .codemap import CodeMap, MapError, code_map


class _Places:
    """Roles and secret verdicts of the checked Python files, by path and line."""

    def __init__(self, results: Sequence[FileResult], role_globs: tuple[tuple[str, str], ...]):
        self.globs = role_globs
        self.files = {r.path: (r.role, r.scripts) for r in results}
        self.secrets: dict[tuple[str, int], list[SecretLiteral]] = defaultdict(list)
        for result in results:
            for fact in result.facts:
                if isinstance(fact, SecretLiteral):
                    for line in {fact.line, fact.def_line} - {0}:
                        self.secrets[(result.path, line)].append(fact)

    def role(self, path: str, line: int) -> str:
        found = self.files.get(path)
        if found is None:  # requirements.txt, a Dockerfile…
            return roles.classify_deployment(path, self.globs).value
        return roles.at_line(found[0], found[1], line)

    def cleared(self, path: str, line: int) -> str:
        """Why ttaprod judged every literal it examined at `line` no credential ("" when it
        examined none there, or judged one a credential)."""
        judged = self.secrets.get((path, line), [])
        if not judged or not all(fact.cleared for fact in judged):
            return ""
        names = ", ".join(dict.fromkeys(f"`{fact.name}`" for fact in judged))
        reasons = "; ".join(dict.fromkeys(fact.cleared for fact in judged))
        judge = "ttaprod's secret check judged the literal bound to"
        return f"{judge} {names} not a credential: {reasons}"


def _code(finding: Finding) -> str:
    return finding.rule.split(":", 1)[1] if ":" in finding.rule else finding.rule


def _map(source: str) -> CodeMap | None:
    try:
        return code_map(source)
    except (OSError, MapError):
        return None


def judge(
    findings: Iterable[Finding],
    results: Sequence[FileResult],
    role_globs: tuple[tuple[str, str], ...] = (),
) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed): tool findings given their role, and judged."""
    places = _Places(results, role_globs)
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        role = places.role(finding.path, finding.line)
        finding = replace(finding, role=role)
        tool_map = _map(finding.source)
        code = _code(finding)
        policy = tool_map.role_policy(code) if tool_map is not None else None
        if policy is not None:
            full = policy.policy()
            if not roles.applies(full, role):
                why = f"moot in {role} code: {policy.why}"
                suppressed.append(replace(finding, suppressed_by=why))
                continue
            finding = replace(finding, severity=roles.capped(full, role, finding.severity))
        if tool_map is not None and code in tool_map.secret_literals:
            why = places.cleared(finding.path, finding.line)
            if why:
                suppressed.append(replace(finding, suppressed_by=why))
                continue
        kept.append(finding)
    return kept, suppressed


def with_roles(
    findings: Iterable[Finding],
    results: Sequence[FileResult],
    role_globs: tuple[tuple[str, str], ...] = (),
) -> list[Finding]:
    """`findings` (suppressed by a mark already) given the role of where they sit."""
    places = _Places(results, role_globs)
    return [replace(f, role=places.role(f.path, f.line)) for f in findings]
