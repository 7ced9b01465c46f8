"""`[tool.ttaprod.attest]`: what code cannot show, attested by the team in config.

    [tool.ttaprod.attest]
    "performance.load-testing" = "docs/load-test-2026-10.md"

Keys are checklist item ids that may be attested (`rules/knowledge/evidence.toml`,
`attestable`); values are paths relative to the config file's directory. An unknown id, an
item judged from code, or an absolute path is a config error (exit 2). A path that does not
exist is judged by the item check (the item fails, naming the file): an attestation whose
report was deleted must not keep passing.

An attestation is shown as such: evidence "attested in config: <file>" pointing at the config
entry, reason "attested, not verified". It passes the item like evidence in code does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import attestable
from ..engine.project import ProjectIndex
from ..models import Evidence
from .common import relative

ATTESTABLE: tuple[str, ...] = attestable()


@dataclass(frozen=True)
class Attestation:
    item: str
    path: str  # as written in config (POSIX)
    shown: str  # relative to the checked root
    exists: bool
    config: str  # the config file, relative to the checked root
    line: int  # the entry's line in the config file

    @property
    def evidence(self) -> Evidence:
        note = f"attested in config: {self.shown}"
        if not self.exists:
            note = f"attested in config: {self.shown} (missing)"
        return Evidence(self.config, self.line, note)


def attestation(index: ProjectIndex, item: str) -> Attestation | None:
    entries = dict(index.config.attest)
    source = index.config.source
    if item not in entries or source is None:
        return None
    target = source.parent / entries[item]
    config = relative(index, source)
    text = index.read_text(config) or ""
    line = next(
        (n for n, t in enumerate(text.splitlines(), 1) if f'"{item}"' in t or f"'{item}'" in t),
        1,
    )
    return Attestation(
        item=item,
        path=entries[item],
        shown=relative(index, target),
        exists=target.is_file(),
        config=config,
        line=line,
    )
