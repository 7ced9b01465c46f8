"""What the fixes of one run know besides the file they change: the configuration
(`fix-timeout`, `fix-requests-timeout`, `fix-env-prefix`, `fix-env-names`), the catalogue's
word on each rule's safety, and facts of the project (its dependencies, its health routes, its
own top-level packages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import knowledge


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0
    requests_timeout: tuple[float, float] | None = None
    env_prefix: str = ""
    env_names: dict[str, str] = field(default_factory=dict)
    safety: dict[str, str] = field(default_factory=dict)  # rule → "safe" | "unsafe"
    dependencies: frozenset[str] = frozenset()  # normalised names the project declares
    health_paths: tuple[str, ...] = ()  # the project's health routes ("/health")
    first_party: frozenset[str] = frozenset()  # the project's top-level module names
    # environment variable → digest of the value it replaced, across the run's files
    env_values: dict[str, str] = field(default_factory=dict)


def data() -> dict[str, Any]:
    return knowledge.table("fixes")


def number(value: float) -> str:
    """`10.0` → `10`, `3.05` → `3.05`: seconds as a person writes them."""
    return f"{value:g}"
