"""How often each rule was right on real services (rules/precision.toml, written by
`bench/precision/rerun.py --write` from the judged findings; docs/precision.md explains)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .resources import rules_dir
from .tomlcompat import tomllib

DOC = "docs/precision.md"


@dataclass(frozen=True)
class Measured:
    true: int
    false: int
    debatable: int

    @property
    def share(self) -> float | None:
        judged = self.true + self.false
        return self.true / judged if judged else None

    def describe(self) -> str:
        share = self.share
        head = f"{share:.0%} true" if share is not None else "no true or false verdict yet"
        return (
            f"{head}: {self.true} true, {self.false} false, {self.debatable} debatable of the "
            f"findings judged by reading the code of public services ({DOC})"
        )


@cache
def _table() -> dict[str, Measured]:
    path = rules_dir() / "precision.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    rules = raw.get("rule", {})
    return {
        code: Measured(int(v.get("true", 0)), int(v.get("false", 0)), int(v.get("debatable", 0)))
        for code, v in rules.items()
        if isinstance(v, dict)
    }


def measured(code: str) -> Measured | None:
    """The judged findings of a rule, None when none was judged."""
    return _table().get(code)
