"""The project's clients, handed to the files that import them.

The first look at every file records what it hands out (`client_value` facts: module-level
clients, sessions and transports, and the functions and lambdas that return one) and what it
imports from the project (`export` facts). `project_values` joins them, following re-exports;
`wanted` picks, for one file, the values under the names it imports, plus its own lambdas
(which its own walk cannot follow). Only those files are looked at a second time, with the
values in hand (`FileTask.values`): usually a small share of the project.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping

from ..facts import ClientValue, Export
from ..models import FileResult
from .task import module_aliases

MAX_HOPS = 10  # re-exports followed from an imported name to its definition


def project_values(results: list[FileResult]) -> dict[str, ClientValue]:
    """Every value by the names it can be imported by (its own, its re-exports, and its
    module's alias under a source root: `task.module_aliases`)."""
    values: dict[str, ClientValue] = {}
    exports: dict[str, str] = {}
    for result in results:
        for fact in result.facts:
            if isinstance(fact, ClientValue):
                values[fact.name] = fact
            elif isinstance(fact, Export):
                exports[fact.name] = fact.target
    if not values:
        return values
    for name, target in exports.items():
        for _ in range(MAX_HOPS):
            if target in values or target not in exports:
                break
            target = exports[target]
        if target in values:
            values.setdefault(name, values[target])
    aliases = module_aliases(r.path for r in results)
    if aliases:
        primary = {own: alias for alias, own in aliases.items()}
        for name, value in list(values.items()):
            module, _, local = name.rpartition(".")
            if module in primary:
                values.setdefault(f"{primary[module]}.{local}", value)
    return values


def wanted(
    result: FileResult, values: Mapping[str, ClientValue], source: Callable[[], bytes]
) -> tuple[tuple[str, ClientValue], ...]:
    """The values a file's second look needs (see `Index.wanted`)."""
    return Index(values).wanted(result, source)


class Index:
    """`values` ready for `wanted` questions from every file: by name (and name prefix) and by
    the file that defines them, so a project of n files costs n lookups, not n × values."""

    def __init__(self, values: Mapping[str, ClientValue]) -> None:
        self.values = values
        self.names = sorted(values)
        self.own: dict[str, list[tuple[str, ClientValue]]] = {}
        for name, value in values.items():
            self.own.setdefault(value.path, []).append((name, value))

    def _under(self, prefix: str) -> list[str]:
        """The names that start with `prefix` (in sorted order)."""
        start = bisect.bisect_left(self.names, prefix)
        out = []
        for name in self.names[start:]:
            if not name.startswith(prefix):
                break
            out.append(name)
        return out

    def wanted(
        self, result: FileResult, source: Callable[[], bytes]
    ) -> tuple[tuple[str, ClientValue], ...]:
        """The values a file's second look needs: under the names it imports, and its own
        lambdas.

        A value reached through an imported module (`from app import models`, then
        `models.redis_client`) is wanted only when the file's text (`source()`, read only
        then) holds every attribute name on the way to it: most files that import a module
        never touch the client it happens to re-export, and a second look costs a whole
        analysis."""
        if not self.values:
            return ()
        found: dict[str, ClientValue] = {}
        for name, value in self.own.get(result.path, ()):
            if value.inline and name == value.name:
                found[name] = value
        imported = {f.target for f in result.facts if isinstance(f, Export)}
        text: bytes | None = None
        for target in imported:
            value = self.values.get(target)
            if value is not None and value.path != result.path:
                found[target] = value
            for name in self._under(target + "."):
                value = self.values[name]
                if value.path == result.path or name in found:
                    continue
                if text is None:
                    text = source()
                if all(part.encode() in text for part in name[len(target) + 1 :].split(".")):
                    found[name] = value
        return tuple(sorted(found.items(), key=lambda item: item[0]))
