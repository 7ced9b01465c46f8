"""A Python file as the per-file analysis receives it, and the module name its path gives.

Kept apart from `analyze.py` (libcst, the walker): a run whose files all come from the cache
builds tasks and cache keys without loading the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .. import roles
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
    # objects the knowledge names by an expression: what calls of instances return ("X()",
    # "X.m()", tracked only for these: `NameTable.returned`) and module-level instances
    objects: frozenset[str] = frozenset()
    injectors: frozenset[str] = frozenset()  # dependency markers (`fastapi.Depends`)


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


def module_aliases(rel_paths: Iterable[str]) -> dict[str, str]:
    """Modules under a source root other than `src/`, by the name they are imported by:
    `backend/chainlit/config.py` in a package `backend/chainlit/` (no `backend/__init__.py`)
    is "backend.chainlit.config" by its path and imported as "chainlit.config" → the alias
    maps the second to the first. A name another file has by its own path keeps its file;
    tests and examples get none (a `tests/fixtures/requests/` package is not `requests`)."""
    paths = [p.replace("\\", "/") for p in rel_paths]
    kept = (roles.Role.SERVICE, roles.Role.CLI, roles.Role.SCRIPT)
    packages = {p.rpartition("/")[0] for p in paths if p.rpartition("/")[2] == "__init__.py"}
    primary = {module_name_for(p) for p in paths}
    out: dict[str, str] = {}
    for path in paths:
        if roles.classify(path) not in kept:
            continue
        dirs = path.split("/")[:-1]
        start = len(dirs)
        while start > 0 and "/".join(dirs[:start]) in packages:
            start -= 1
        if start == 0 or start == len(dirs) or dirs[:start] == ["src"]:
            continue
        own = module_name_for(path)
        alias = module_name_for("/".join(path.split("/")[start:]))
        if alias and alias != own and alias not in primary:
            out[alias] = own
    return out


def unalias(qual: str, aliases: Mapping[str, str]) -> str:
    """`chainlit.config.load` → "backend.chainlit.config.load" when "chainlit.config" is an
    alias (`module_aliases`); any other name as it is."""
    if not aliases:
        return qual
    parts = qual.split(".")
    for i in range(len(parts), 0, -1):
        found = aliases.get(".".join(parts[:i]))
        if found is not None:
            return ".".join([found, *parts[i:]])
    return qual
