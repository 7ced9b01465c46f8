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
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .deps import normalise

DB_FILES = ("insecure_full.json", "insecure.json")


class DatabaseError(Exception):
    """The database cannot be used; the message says why (one line)."""


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
        try:
            parsed = Version(version)
        except InvalidVersion:
            return []
        return [a for a in self.advisories.get(package, ()) if _affects(a.specs, parsed)]


def _affects(specs: tuple[str, ...], version: Version) -> bool:
    for spec in specs:
        try:
            if SpecifierSet(spec).contains(version, prereleases=True):
                return True
        except InvalidSpecifier:
            continue
    return False


def locate(path: Path) -> Path:
    """The database file to read: `path` itself, or the best file in a directory."""
    if path.is_file():
        return path
    if path.is_dir():
        for name in DB_FILES:
            if (path / name).is_file():
                return path / name
        raise DatabaseError(f"no {' or '.join(DB_FILES)} in {path}")
    raise DatabaseError(f"advisory database {path} does not exist")


def _ids(entry: dict[str, Any]) -> tuple[str, str]:
    advisory_id = str(entry.get("id") or "")
    cve = str(entry.get("cve") or "")
    for ident in entry.get("ids") or []:
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
    advisory_id, cve = _ids(entry)
    return Advisory(
        package,
        advisory_id or cve or package,
        tuple(str(s) for s in specs),
        cve=cve,
        text=" ".join(str(entry.get("advisory", "")).split()),
    )


def _stamp(meta: Any) -> str:
    if not isinstance(meta, dict):
        return ""
    value = meta.get("timestamp") or meta.get("last_updated") or ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d")
    return str(value)[:10]


def parse_database(text: str) -> Database:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatabaseError(f"advisory database is not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise DatabaseError("advisory database is not a JSON object")
    packages = data.get("vulnerable_packages", data)
    if not isinstance(packages, dict):
        raise DatabaseError("advisory database has no package table")
    advisories: dict[str, tuple[Advisory, ...]] = {}
    for name, entries in packages.items():
        if name.startswith("$") or not isinstance(entries, list):
            continue
        package = normalise(name)
        advisories[package] = advisories.get(package, ()) + tuple(
            _advisory(package, e) for e in entries
        )
    return Database(advisories, _stamp(data.get("$meta")))


def load(path: Path) -> Database:
    target = locate(path)
    try:
        return parse_database(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatabaseError(f"cannot read {target}: {exc}") from None
