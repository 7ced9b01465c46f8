"""A Python file as the per-file analysis receives it, and the module name its path gives.

Kept apart from `analyze.py` (libcst, the walker): a run whose files all come from the cache
builds tasks and cache keys without loading the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..facts import ClientValue

DEFAULT_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FileTask:
    abs_path: str
    rel_path: str
    enabled: frozenset[str]
    max_bytes: int = DEFAULT_MAX_BYTES
    role_globs: tuple[tuple[str, str], ...] = ()  # [tool.ttaprod.roles]
    project: frozenset[str] = frozenset()  # top-level module names of the project's files
    # clients and factories of other modules this file imports (`engine/values.py`)
    # as (the name it is imported by, the value)
    values: tuple[tuple[str, ClientValue], ...] = ()
    sync_clients: tuple[str, ...] = ()  # [tool.ttaprod] sync-clients
    sync_calls: tuple[str, ...] = ()  # [tool.ttaprod] sync-calls


def module_name_for(rel_path: str) -> str:
    """`src/app/api/routes.py` → "app.api.routes" (a leading `src/` is dropped)."""
    parts = rel_path.replace("\\", "/").split("/")
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    last = parts[-1]
    for suffix in (".pyi", ".py"):
        if last.endswith(suffix):
            last = last[: -len(suffix)]
    parts[-1] = last
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(p for p in parts if p)
