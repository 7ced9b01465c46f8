"""Library knowledge shipped as data in `rules/knowledge/*.toml` (one table per file)."""

from __future__ import annotations

from functools import cache
from typing import Any

from .resources import rules_dir
from .tomlcompat import loads


@cache
def table(name: str) -> dict[str, Any]:
    """The parsed `rules/knowledge/<name>.toml`; a missing table is a packaging bug."""
    path = rules_dir() / "knowledge" / f"{name}.toml"
    return loads(path.read_text(encoding="utf-8"))


def names() -> list[str]:
    return sorted(p.stem for p in (rules_dir() / "knowledge").glob("*.toml"))
