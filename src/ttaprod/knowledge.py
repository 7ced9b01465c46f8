"""Library knowledge shipped as data in `rules/knowledge/*.toml` (one table per file).

The files are read through `precompiled` (their JSON copy while it is fresh), and each is
checked against its shape (`knowledge_schema.SHAPES`) when it is first asked for. Rules
read a file through a loader of their own that turns it into typed values; those loaders are
`@derived`, so `reload()` (after a knowledge file changes, in tests) recomputes them all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from . import precompiled
from .knowledge_schema import SHAPES, Map
from .resources import rules_dir

F = TypeVar("F", bound=Callable[..., Any])
_DERIVED: list[Any] = []


class KnowledgeError(Exception):
    """A knowledge file does not have its declared shape: a packaging bug, not a user error."""


@cache
def _tables() -> dict[str, dict[str, Any]]:
    return precompiled.tables(rules_dir() / "knowledge")


@cache
def table(name: str) -> dict[str, Any]:
    """The parsed `rules/knowledge/<name>.toml`, checked against its shape."""
    try:
        data = _tables()[f"{name}.toml"]
    except KeyError:
        raise FileNotFoundError(rules_dir() / "knowledge" / f"{name}.toml") from None
    check(name, data)
    return data


def check(name: str, data: dict[str, Any]) -> None:
    """Raise KnowledgeError when `data` does not have the shape declared for file `name`."""
    if name not in SHAPES:
        raise KnowledgeError(f"rules/knowledge/{name}.toml: no shape declared in knowledge_schema")
    _check(data, SHAPES[name], f"rules/knowledge/{name}.toml", "")


def _check(value: Any, shape: Any, where: str, key: str) -> None:
    shown = key or "(top level)"
    if shape is Any:
        return
    if isinstance(shape, list):
        if not isinstance(value, list):
            raise KnowledgeError(f"{where}: '{shown}' must be a list, not {type(value).__name__}")
        for i, item in enumerate(value):
            _check(item, shape[0], where, f"{key}[{i}]")
        return
    if isinstance(shape, Map):
        if not isinstance(value, dict):
            raise KnowledgeError(f"{where}: '{shown}' must be a table, not {type(value).__name__}")
        for k, item in value.items():
            _check(item, shape.value, where, f"{key}.{k}" if key else k)
        return
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise KnowledgeError(f"{where}: '{shown}' must be a table, not {type(value).__name__}")
        fields = {k.rstrip("?"): k.endswith("?") for k in shape}
        for k in value:
            if k not in fields:
                known = ", ".join(sorted(fields))
                raise KnowledgeError(f"{where}: unknown key '{_join(key, k)}' (known: {known})")
        for k, optional in fields.items():
            if k not in value:
                if not optional:
                    raise KnowledgeError(f"{where}: missing key '{_join(key, k)}'")
                continue
            _check(value[k], shape[f"{k}?" if optional else k], where, _join(key, k))
        return
    ok = isinstance(value, shape) and not (shape is int and isinstance(value, bool))
    if shape is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok:
        raise KnowledgeError(
            f"{where}: '{shown}' must be {shape.__name__}, not {type(value).__name__} {value!r}"
        )


def _join(key: str, child: str) -> str:
    return f"{key}.{child}" if key else child


def derived(loader: F) -> F:
    """A value computed from knowledge files, kept until `reload()`: the loader is cached with
    `functools.cache` unless it already is (an `lru_cache` with arguments)."""
    cached = loader if hasattr(loader, "cache_clear") else cache(loader)
    _DERIVED.append(cached)
    return cached  # type: ignore[return-value]


def reload() -> None:
    """Forget every file read and every value derived from them."""
    _tables.cache_clear()
    table.cache_clear()
    for loader in _DERIVED:
        loader.cache_clear()


def names() -> list[str]:
    return sorted(p.stem for p in (rules_dir() / "knowledge").glob("*.toml"))
