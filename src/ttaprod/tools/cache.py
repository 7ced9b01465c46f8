"""The external tools' results, cached like ttaprod's own (`cache.py`): untrusted input, read
as such.

ruff and bandit judge one file at a time: their findings are kept per file, under a key that
binds the file's bytes and path, the tool itself (its executable: real path, size and times,
and its bytes when it is a small script), the arguments ttaprod passes it (file names aside),
the configuration files it may read, the environment variables named after it, and
ttaprod's version, code and tool maps. A run hands the tool only the files without a valid
entry and merges the others' findings from the cache. pyright and the advisory check read
the whole project: one entry each, keyed on everything they read (every checked Python
file's bytes and path, the configuration files, the interpreter pyright is given and its
installed packages' directories, the dependency files and the advisory database's bytes).
A tool that did not end `ok` is never stored.

Stored beside the per-file results (`<cache dir>/tools-v1/<tool>.json`), read with the same
care (below directory descriptors, no symlinks, regular files, bounded size), and every
entry is checked when it is read: rule codes, checklist items, severities, positions in
range, paths that are the entry's own file (or a checked file), short NUL-free texts. An
entry that fails is dropped (its file is checked again), with one warning. Messages and
fixes are stored through `redact.scrub`, the function every output goes through, and
masked again when read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import cache as own_cache
from .. import cachedir, checklist, redact, safeio
from ..models import Finding, Severity
from . import advisories, deps
from .base import MAX_LINE, MAX_MESSAGE, make_finding

FORMAT = 1
SUBDIR = f"tools-v{FORMAT}"
PER_FILE = ("ruff", "bandit")  # judge one file at a time
WHOLE = ("pyright", "safety")  # read the whole project
BASE_LIMIT = 16 * safeio.MB  # a tool's cache file may be this large, plus per checked file:
PER_FILE_LIMIT = 256 * 1024
MAX_TEXT = MAX_MESSAGE + 200  # a masked message can be a little longer than the tool's
SMALL_EXECUTABLE = safeio.MB  # a script this small is identified by its bytes too
SOURCE_LIMIT = 16 * safeio.MB  # the largest file a tool is given is 10 MB (max-file-size-kb)
# Files a tool may read its settings from, wherever they are in the tree (ruff reads the
# configuration closest to each file).
CONFIG_NAMES = frozenset(
    {"pyproject.toml", "ruff.toml", ".ruff.toml", "pyrightconfig.json", "setup.cfg", ".bandit"}
)
ENV_NAMES = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")
log = logging.getLogger("ttaprod.cache")


class Invalid(ValueError):
    """An entry does not have the shape of cached tool findings."""


@dataclass(frozen=True)
class Cached:
    """What a cache entry gives back: the findings and what the tool's status said."""

    findings: tuple[Finding, ...]
    version: str | None
    note: str = ""


# --- keys ---------------------------------------------------------------------------------
def _digest(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _identity(path: str | Path | None) -> str:
    """A file as far as the cache cares: its real path, size and times (a reinstall changes
    them), and its bytes when it is small (a script)."""
    if path is None:
        return "-"
    try:
        real = os.path.realpath(path)
        info = os.stat(real)
    except OSError:
        return f"{path}:missing"
    text = f"{real}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
    if stat.S_ISREG(info.st_mode) and info.st_size <= SMALL_EXECUTABLE:
        try:
            text += ":" + hashlib.sha256(safeio.read_bytes(real, SMALL_EXECUTABLE)).hexdigest()
        except OSError:
            text += ":unreadable"
    return text


def interpreter(python: str | Path | None) -> str:
    """An interpreter pyright is given (or finds on PATH) and the directories of its installed
    packages: installing or removing one changes what pyright resolves."""
    if python is None:
        return "-"
    parts = [_identity(python)]
    prefix = Path(os.path.realpath(python)).parent.parent
    unresolved = Path(python).parent.parent  # a virtualenv's own prefix (its python links out)
    for base in dict.fromkeys((unresolved, prefix)):
        for lib in ("lib", "lib64", "Lib"):
            with_versions = sorted((base / lib).glob("python3*/site-packages"))
            for site in [*with_versions, base / lib / "site-packages"]:
                try:
                    parts.append(f"{site}:{os.stat(site).st_mtime_ns}")
                except OSError:
                    continue
    return "|".join(parts)


def environment(tool: str, extra: dict[str, str]) -> str:
    """The environment variables a tool may read its settings from (`RUFF_…`)."""
    prefix = tool.upper() + "_"
    names = sorted(n for n in os.environ if n.startswith(prefix) or n in ENV_NAMES)
    return json.dumps([[n, os.environ[n]] for n in names] + sorted(extra.items()))


# --- the shape of an entry ----------------------------------------------------------------
def _need(ok: bool, what: str) -> None:
    if not ok:
        raise Invalid(what)


def _number(value: Any, what: str) -> int:
    _need(isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_LINE, what)
    return value


def _text(value: Any, what: str, limit: int = MAX_TEXT) -> str:
    _need(isinstance(value, str) and len(value) <= limit and "\0" not in value, what)
    return value


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    code = finding.rule.split(":", 1)[1]
    return {
        "code": code,
        "item": finding.checklist_item,
        "severity": finding.severity.value,
        "path": finding.path,
        "pos": [finding.line, finding.column, finding.end_line, finding.end_column],
        "message": redact.scrub(finding.message),
        "fix": None if finding.fix is None else redact.scrub(finding.fix),
    }


def finding_from_dict(raw: Any, tool: str, paths: frozenset[str] | str) -> Finding:
    """The finding an entry holds (`paths`: the file it must be on, or the files it may be
    on); `Invalid` when it is not one."""
    _need(isinstance(raw, dict), "a finding is not an object")
    code = raw.get("code")
    _need(isinstance(code, str) and _CODE.fullmatch(code) is not None, "not a rule code")
    item = raw.get("item")
    _need(item is None or (isinstance(item, str) and checklist.is_item(item)), "an unknown item")
    try:
        severity = Severity(raw.get("severity"))
    except ValueError:
        raise Invalid("an unknown severity") from None
    path = raw.get("path")
    allowed = path == paths if isinstance(paths, str) else path in paths
    _need(isinstance(path, str) and allowed, "a finding on another file")
    pos = raw.get("pos")
    _need(isinstance(pos, list) and len(pos) == 4, "a position is not four numbers")
    line, column, end_line, end_column = (_number(n, "a position") for n in pos)
    _need((end_line, end_column) >= (line, column), "an end before its start")
    fix = raw.get("fix")
    return make_finding(
        tool,
        code,
        item,
        severity,
        str(path),
        (line, column, end_line, end_column),
        redact.scrub(_text(raw.get("message"), "a message")),
        None if fix is None else redact.scrub(_text(fix, "a fix")),
    )


def _findings(raw: Any, tool: str, paths: frozenset[str] | str) -> tuple[Finding, ...]:
    _need(isinstance(raw, list), "findings are not a list")
    return tuple(finding_from_dict(f, tool, paths) for f in raw)


def _version(raw: Any) -> str | None:
    _need(raw is None or (isinstance(raw, str) and len(raw) <= 40 and raw.isprintable()), "version")
    return raw


def masked(finding: Finding) -> Finding:
    """A finding as the cache gives it back (stored masked): a run from the cache and a run of
    the tool report the same."""
    fix = None if finding.fix is None else redact.scrub(finding.fix)
    message = redact.scrub(finding.message)
    if message == finding.message and fix == finding.fix:
        return finding
    return replace(finding, message=message, fix=fix)


# --- the store ----------------------------------------------------------------------------
class ToolCache:
    """The tools' cache of one run. `directory=None`: the default directory for `root`.
    `python` and `other`: every file the run discovered (entries of files gone drop out)."""

    def __init__(
        self,
        root: Path,
        enabled: bool = True,
        directory: Path | None = None,
        python: tuple[str, ...] = (),
        other: tuple[str, ...] = (),
    ) -> None:
        self.enabled = enabled and os.open in os.supports_dir_fd
        self.root = root
        self.directory = directory if directory is not None else own_cache.default_directory(root)
        self.python = python
        self.other = other
        self.limit = BASE_LIMIT + PER_FILE_LIMIT * (len(python) + len(other))
        self.unusable = False
        self._hashes: dict[str, str | None] = {}
        self._loaded: dict[str, dict[str, Any]] = {}
        self._changed: set[str] = set()
        self._dropped: dict[str, int] = {}
        self._config: str | None = None

    def file(self, tool: str) -> Path:
        return self.directory / SUBDIR / f"{tool}.json"

    # keys
    def file_hash(self, rel: str) -> str | None:
        """The sha256 of a checked file's bytes; None when it cannot be read (not cached)."""
        if rel not in self._hashes:
            try:
                data = safeio.read_bytes(self.root / rel, SOURCE_LIMIT, follow_symlinks=False)
            except OSError:
                self._hashes[rel] = None
            else:
                self._hashes[rel] = hashlib.sha256(data).hexdigest()
        return self._hashes[rel]

    def config(self) -> str:
        """Every configuration file a tool may read, anywhere in the tree."""
        if self._config is None:
            names = [rel for rel in self.other if rel.rsplit("/", 1)[-1] in CONFIG_NAMES]
            self._config = _digest(*(f"{rel}\0{self.file_hash(rel)}" for rel in names))
        return self._config

    def settings_key(self, tool: str, executable: str, argv: tuple[str, ...], extra: str) -> str:
        """What a tool's findings depend on besides the files it is given."""
        return _digest(
            str(FORMAT),
            own_cache.data_digest(),
            tool,
            _identity(executable),
            json.dumps(argv),
            environment(tool, {}),
            extra,
            self.config(),
        )

    def file_key(self, settings: str, rel: str) -> str | None:
        content = self.file_hash(rel)
        return None if content is None else _digest(settings, rel, content)

    def project_key(self, settings: str, files: tuple[str, ...]) -> str | None:
        """The key of a whole-project tool: its settings and every file it reads."""
        parts = [settings]
        for rel in files:
            content = self.file_hash(rel)
            if content is None:
                return None
            parts.append(f"{rel}\0{content}")
        return _digest(*parts)

    def safety_key(self, database: Path | None) -> str | None:
        if database is None:
            return None
        try:
            target = advisories.locate(database)
            data = safeio.read_bytes(target, advisories.MAX_BYTES)
        except (OSError, advisories.DatabaseMissing, advisories.DatabaseError):
            return None
        dependency_files = tuple(f for f in self.other if deps.is_dependency_file(f))
        settings = _digest(
            str(FORMAT), own_cache.data_digest(), "safety", hashlib.sha256(data).hexdigest()
        )
        return self.project_key(settings, dependency_files)

    # reading
    def _load(self, tool: str) -> dict[str, Any]:
        if tool in self._loaded:
            return self._loaded[tool]
        data: dict[str, Any] = {}
        if self.enabled:
            data = self._read(tool)
        self._loaded[tool] = data
        return data

    def _read(self, tool: str) -> dict[str, Any]:
        if self.unusable:  # said once already
            return {}
        try:
            payload = own_cache.read_file(self.directory, SUBDIR, f"{tool}.json", self.limit)
        except own_cache.Unusable as exc:
            self.unusable = True
            self._warn(tool, f"not used: {exc.strerror or exc}")
            return {}
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self._warn(tool, f"not used: {exc.strerror or exc}")
            return {}
        if payload is None:
            return {}
        try:
            raw = json.loads(payload)
        except (ValueError, RecursionError):
            self._warn(tool, "not used: not valid JSON (or nested too deeply)")
            return {}
        if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("tool") != tool:
            self._warn(tool, "not used: not a ttaprod tool cache of this version")
            return {}
        return self._checked(tool, raw)

    def _checked(self, tool: str, raw: dict[str, Any]) -> dict[str, Any]:
        """The valid part of a tool's file, as values (entries that fail are counted)."""
        if tool in PER_FILE:
            files = raw.get("files")
            if not isinstance(files, dict):
                self._dropped[tool] = 1
                return {}
            out: dict[str, Any] = {}
            for rel, entry in files.items():
                try:
                    _need(isinstance(entry, dict) and isinstance(entry.get("key"), str), "no key")
                    found = _findings(entry.get("findings"), tool, rel)
                    out[rel] = (entry["key"], found, _version(entry.get("version")))
                except (Invalid, RecursionError):
                    self._dropped[tool] = self._dropped.get(tool, 0) + 1
            return {"files": out}
        try:
            _need(isinstance(raw.get("key"), str), "no key")
            paths = frozenset(self.python) | frozenset(self.other)
            found = _findings(raw.get("findings"), tool, paths)
            note = redact.scrub(_text(raw.get("note"), "a note"))
            return {"key": raw["key"], "entry": Cached(found, _version(raw.get("version")), note)}
        except (Invalid, RecursionError):
            self._dropped[tool] = 1
            return {}

    def split(
        self, tool: str, keys: dict[str, str | None]
    ) -> tuple[dict[str, tuple[Finding, ...]], str | None]:
        """(the cached findings of each file whose entry matches its key, the version they
        were found with). The others are to be checked."""
        stored = self._load(tool).get("files", {})
        hits: dict[str, tuple[Finding, ...]] = {}
        version = None
        for rel, key in keys.items():
            entry = stored.get(rel)
            if key is not None and entry is not None and entry[0] == key:
                hits[rel] = entry[1]
                version = version or entry[2]
        return hits, version

    def whole(self, tool: str, key: str | None) -> Cached | None:
        if key is None:
            return None
        loaded = self._load(tool)
        if loaded.get("key") != key:
            return None
        return loaded["entry"]

    # writing
    def keep_files(
        self,
        tool: str,
        keys: dict[str, str | None],
        findings: list[Finding],
        version: str | None,
    ) -> None:
        """Store what a tool found on the files it was given (`keys`), none of them failed."""
        if not self.enabled:
            return
        stored = self._load(tool).setdefault("files", {})
        by_file: dict[str, list[Finding]] = {rel: [] for rel, key in keys.items() if key}
        for finding in findings:
            if finding.path in by_file:
                by_file[finding.path].append(finding)
        for rel, found in by_file.items():
            key = keys[rel]
            assert key is not None
            stored[rel] = (key, tuple(found), version)
        self._changed.add(tool)

    def keep_whole(self, tool: str, key: str | None, cached: Cached) -> None:
        if self.enabled and key is not None:
            self._loaded[tool] = {"key": key, "entry": cached}
            self._changed.add(tool)

    def save(self) -> None:
        """Write what changed, then keep the user cache within its bound (`cachedir.trim`)."""
        for tool, count in sorted(self._dropped.items()):
            self._warn(tool, f"{count} invalid entr{'y' if count == 1 else 'ies'} dropped; "
                       "those files were checked again")  # fmt: skip
        if not self.enabled or self.unusable:
            return
        for tool in sorted(self._changed | set(self._dropped)):
            payload = json.dumps(self._payload(tool), separators=(",", ":"), sort_keys=True).encode(
                "ascii"
            )
            try:
                own_cache.write_file(self.directory, SUBDIR, f"{tool}.json", payload)
            except OSError as exc:  # a read-only home, a full disk: the cache is optional
                self._warn(tool, f"not written: {exc.strerror or exc}")
                return
        cachedir.trim(self.directory)

    def _payload(self, tool: str) -> dict[str, Any]:
        loaded = self._loaded.get(tool, {})
        out: dict[str, Any] = {"format": FORMAT, "tool": tool}
        if tool in PER_FILE:
            present = frozenset(self.python)
            out["files"] = {
                rel: {
                    "key": key,
                    "version": version,
                    "findings": [finding_to_dict(f) for f in found],
                }
                for rel, (key, found, version) in loaded.get("files", {}).items()
                if rel in present
            }
            return out
        if "entry" in loaded:
            entry: Cached = loaded["entry"]
            out.update(
                key=loaded["key"],
                version=entry.version,
                note=redact.scrub(entry.note),
                findings=[finding_to_dict(f) for f in entry.findings],
            )
        return out

    def _warn(self, tool: str, what: str) -> None:
        log.warning("cache %s: %s", redact.printable(str(self.file(tool))), what)
