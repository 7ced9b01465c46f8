"""Code roles: what a file is for (service, test, script, cli, migration, build, example), and
what each rule does in each role.

A role comes from the project's `[tool.ttaprod.roles]` globs, else from where the file sits and
what it is named (`rules/knowledge/roles.toml`), else from a few bytes it holds (a module that
parses its own command line is a cli; an Alembic revision is a migration); everything else is
a service. A `if __name__ == "__main__":` block of a service or cli module is a script.

A rule's catalogue entry says in which roles it applies and at what severity at most
(`roles = { service = "default", script = "low" }`; a role it does not name is off): a
made-up password in a test is not reported, a live provider key is, wherever it sits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum

from . import knowledge
from .globs import matches
from .models import Severity


class Role(str, Enum):
    SERVICE = "service"
    TEST = "test"
    SCRIPT = "script"
    CLI = "cli"
    MIGRATION = "migration"
    BUILD = "build"
    EXAMPLE = "example"


ORDER = (Role.TEST, Role.MIGRATION, Role.EXAMPLE, Role.BUILD, Role.SCRIPT, Role.CLI)
DEFAULT = "default"  # the rule's catalogue severity
OFF = "off"
# Where a rule applies when its catalogue entry does not say: production code of any kind.
DEFAULT_POLICY: Mapping[str, str] = {
    Role.SERVICE.value: DEFAULT,
    Role.CLI.value: DEFAULT,
    Role.SCRIPT.value: DEFAULT,
    Role.MIGRATION.value: DEFAULT,
    Role.BUILD.value: DEFAULT,
}
_WORD = re.compile(r"[._\-]+")


@knowledge.derived
def _table() -> dict[str, dict[str, tuple[str, ...]]]:
    raw = knowledge.table("roles")
    keys = ("names", "prefixes", "suffixes", "dirs", "contains")
    return {
        role.value: {key: tuple(raw.get(role.value, {}).get(key, ())) for key in keys}
        for role in ORDER
    }


def classify(path: str, data: bytes = b"", globs: tuple[tuple[str, str], ...] = ()) -> Role:
    """The role of the file at `path` (relative, POSIX), with its bytes when it is Python."""
    for pattern, role in globs:
        if matches(pattern, path):
            return Role(role)
    *dirs, name = path.split("/")
    table = _table()
    for role in ORDER:
        spec = table[role.value]
        if (
            name in spec["names"]
            or name.startswith(spec["prefixes"])
            or (spec["suffixes"] and name.endswith(spec["suffixes"]))
            or any(d in spec["dirs"] for d in dirs)
        ):
            return role
    if data:
        for role in ORDER:
            if any(marker.encode() in data for marker in table[role.value]["contains"]):
                return role
    return Role.SERVICE


def classify_deployment(path: str, globs: tuple[tuple[str, str], ...] = ()) -> Role:
    """The role of a Dockerfile, compose file or manifest: one for development, CI or tests is
    not how the service runs."""
    role = classify(path, b"", globs)
    if role is not Role.SERVICE:
        return role
    dev = knowledge.table("roles")["deployment"]
    name = path.rsplit("/", 1)[-1]
    if name in dev["dev_names"] or set(_WORD.split(name.lower())) & set(dev["dev_words"]):
        return Role.BUILD
    return Role.SERVICE


def policy(roles: Mapping[str, str] | None) -> Mapping[str, str]:
    return DEFAULT_POLICY if roles is None else roles


def applies(roles: Mapping[str, str] | None, role: str) -> bool:
    return policy(roles).get(role, OFF) != OFF


def capped(roles: Mapping[str, str] | None, role: str, severity: Severity) -> Severity:
    """`severity`, no worse than what the rule allows in `role`."""
    cap = policy(roles).get(role, OFF)
    if cap in (DEFAULT, OFF):
        return severity
    limit = Severity(cap)
    return severity if severity.rank <= limit.rank else limit


def at_line(file_role: str, scripts: tuple[tuple[int, int], ...], line: int) -> str:
    """The role of the code at `line` of a file: `script` inside one of its
    `if __name__ == "__main__":` blocks (`scripts`, as `FileResult.scripts` gives them)."""
    return Role.SCRIPT.value if any(a <= line <= b for a, b in scripts) else file_role
