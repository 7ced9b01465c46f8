"""A reader for safety's vulnerability database (`insecure_full.json` / `insecure.json`).

Both layouts safety has shipped are understood: package names at the top level (the open
safety-db) or under `vulnerable_packages` (safety 2.x). An entry affects a version when
any of its `specs` (each a comma-joined specifier set, PEP 440) contains it; old entries
carry one spec in `v`. Matching uses `packaging`, the reference implementation of PEP 440.
Everything here is pure: text in, values out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import safeio
from .deps import normalise

if TYPE_CHECKING:
    from packaging.version import Version

DB_FILES = ("insecure_full.json", "insecure.json")
MAX_BYTES = 128 * safeio.MB  # safety's full database is about 40 MB


class DatabaseError(Exception):
    """The database cannot be used; the message says why (one line)."""


class DatabaseMissing(DatabaseError):
    """There is no database at the path given (safety is `unavailable`, not `failed`)."""


@dataclass(frozen=True)
class Advisory:
    package: str  # normalised
    id: str  # safety's advisory id without the "pyup.io-" prefix
    specs: tuple[str, ...]
    cve: str = ""
    text: str = ""


@dataclass(frozen=True)
class Database:
    advisories: dict[str, tuple[Advisory, ...]]
    stamp: str  # when it was built, for the version column

    def affecting(self, package: str, version: str) -> list[Advisory]:
        # packaging is imported when versions are compared, not by every run that imports this
        from packaging.version import InvalidVersion, Version

        try:
            parsed = Version(version)
        except InvalidVersion:
            return []
        return [a for a in self.advisories.get(package, ()) if _affects(a.specs, parsed)]


def _affects(specs: tuple[str, ...], version: Version) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    for spec in specs:
        try:
            if SpecifierSet(spec).contains(version, prereleases=True):
                return True
        except InvalidSpecifier:
            continue
    return False


def locate(path: Path) -> Path:
    """The database file to read: `path` itself, or the best file in a directory."""
    if path.is_dir():
        for name in DB_FILES:
            if (path / name).exists():
                return path / name
        raise DatabaseMissing(f"no {' or '.join(DB_FILES)} in {path}")
    if path.exists():
        return path
    raise DatabaseMissing(f"advisory database {path} does not exist")


def _text(entry: dict[str, Any], key: str, package: str, limit: int = 200) -> str:
    value = entry.get(key)
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise DatabaseError(f"advisory for {package!r}: '{key}' is {type(value).__name__}")
    return str(value)[:limit]


def _ids(entry: dict[str, Any], package: str) -> tuple[str, str]:
    advisory_id = _text(entry, "id", package)
    cve = _text(entry, "cve", package)
    ids = entry.get("ids") or []
    if not isinstance(ids, list):
        raise DatabaseError(f"advisory for {package!r}: 'ids' is {type(ids).__name__}, not a list")
    for ident in ids:
        if isinstance(ident, dict) and ident.get("type") == "pyup" and not advisory_id:
            advisory_id = str(ident.get("id", ""))
        elif isinstance(ident, dict) and ident.get("type") == "cve" and not cve:
            cve = str(ident.get("id", ""))
    return advisory_id.removeprefix("pyup.io-"), cve


def _advisory(package: str, entry: Any) -> Advisory:
    if isinstance(entry, str):  # insecure.json: a bare specifier
        return Advisory(package, f"{package}{entry}", (entry,))
    if not isinstance(entry, dict):
        raise DatabaseError(f"unexpected entry for {package!r}")
    specs = entry.get("specs") or ([entry["v"]] if entry.get("v") else [])
    if not isinstance(specs, list) or not all(isinstance(spec, str) for spec in specs):
        raise DatabaseError(
            f"advisory for {package!r}: 'specs' is {type(specs).__name__}, not a list of strings"
        )
    advisory_id, cve = _ids(entry, package)
    return Advisory(
        package,
        advisory_id or cve or package,
        tuple(spec[:200] for spec in specs),
        cve=cve,
        text=" ".join(_text(entry, "advisory", package, 2000).split()),
    )


def _stamp(meta: Any) -> str:
    if not isinstance(meta, dict):
        return ""
    value = meta.get("timestamp") or meta.get("last_updated") or ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:  # huge, negative, NaN: no date, not a crash
            return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d")
        except (OverflowError, OSError, ValueError):
            return ""
    text = str(value)[:10] if isinstance(value, str) else ""
    return text if text.isprintable() else ""


def parse_database(text: str) -> Database:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatabaseError(f"advisory database is not JSON ({exc.msg})") from None
    except RecursionError:
        raise DatabaseError("advisory database is not JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise DatabaseError("advisory database is not a JSON object")
    packages = data.get("vulnerable_packages", data)
    if not isinstance(packages, dict):
        raise DatabaseError("advisory database has no package table")
    advisories: dict[str, tuple[Advisory, ...]] = {}
    for name, entries in packages.items():
        if name.startswith("$"):
            continue
        if not isinstance(entries, list):
            raise DatabaseError(
                f"advisory database: {name[:80]!r} holds {type(entries).__name__}, not a list"
            )
        package = normalise(name)
        advisories[package] = advisories.get(package, ()) + tuple(
            _advisory(package, e) for e in entries
        )
    return Database(advisories, _stamp(data.get("$meta")))


def load(path: Path) -> Database:
    target = locate(path)
    try:
        text = safeio.read_text(target, MAX_BYTES)
    except (OSError, UnicodeDecodeError) as exc:
        raise DatabaseError(
            f"cannot read {target}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    return parse_database(text)
