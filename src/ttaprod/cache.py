"""Per-file results, cached by content hash: untrusted input, read as such.

Where: by default in the user's cache directory (`$XDG_CACHE_HOME/ttaprod/`, else
`~/.cache/ttaprod/`; `~/Library/Caches/ttaprod/` on macOS, `%LOCALAPPDATA%\\ttaprod\\` on
Windows), one directory per checked root (a hash of its path), so nothing committed to a
repository can feed it. `--cache-dir DIR` chooses another, e.g. inside the tree for a CI
cache step; only then is a directory in the tree read.

What: one JSON file holds, for each analysed file, the key it was analysed under and its
FileResult. The key binds the file's bytes and path, the enabled rules and size limit,
ttaprod's version and the bytes of its rule data and own code, and the effective config:
any change to any of them is a miss. JSON, not pickle (a cache must never run code), and
every entry is checked against the shape `_result` expects (types, ranges, known rules,
checklist items and fact kinds, paths equal to the entry's own): an entry that fails is
dropped and its file analysed again, with one warning.

How: the cache directory and the file are opened without following symlinks, a FIFO or a
device is refused, the file's size is bounded (`limit`), and writes go to a private
temporary file renamed over the old one, so two concurrent runs each leave a whole file.
Nothing in it is a secret: messages and snippets are masked before they are cached, and
once more on the way in (`redact.scrub`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import logging
import os
import secrets
import stat
import sys
from functools import cache
from pathlib import Path
from typing import Any

from . import __version__, catalogue, checklist, facts, redact, roles, safeio
from .config import Config
from .engine.task import FileTask
from .models import FileResult, Finding, Severity, Site
from .resources import rules_dir

FORMAT = 4  # 3: validated entries, bound to the config; 4: roles, traces, second looks
FILE_NAME = "results.json"
BASE_LIMIT = 16 * safeio.MB  # the cache may be this large, plus PER_FILE_LIMIT per file
PER_FILE_LIMIT = 256 * 1024
MAX_TEXT = 10_000  # characters of a message, fix, label or fact string
MAX_NUMBER = 100_000_000  # lines, columns, counts
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
CACHEDIR_SIGNATURE = "8a477f597d28d172789f06886806bc55"  # https://bford.info/cachedir/
log = logging.getLogger("ttaprod.cache")


class Invalid(ValueError):
    """An entry does not have the shape of a cached result."""


# --- where ------------------------------------------------------------------------------------
def user_cache_home() -> Path:
    """The platform's directory for per-user caches."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base)
    if sys.platform == "darwin":  # pragma: no cover - macOS
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"


def default_directory(root: Path) -> Path:
    """`<user cache>/ttaprod/<hash of the root's path>`: one per checked root."""
    digest = hashlib.sha256(os.fsencode(str(root.resolve()))).hexdigest()[:24]
    return user_cache_home() / "ttaprod" / digest


# --- the key ------------------------------------------------------------------------------------
@cache
def _data_digest() -> str:
    """ttaprod's version, its rule data and its own code: a changed detector is a miss too,
    even in an editable install whose version did not move."""
    digest = hashlib.sha256(f"{__version__}\0{FORMAT}".encode())
    package = Path(__file__).resolve().parent
    for base, pattern in ((rules_dir(), "*.toml"), (package, "*.py")):
        for path in sorted(base.rglob(pattern)):
            digest.update(path.relative_to(base).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def data_digest() -> str:
    """ttaprod's version, rule data and code (the tools' cache is bound to them too)."""
    return _data_digest()


def config_digest(config: Config) -> str:
    """The effective config, as far as its values go (not where it was read from)."""
    values = dataclasses.replace(config, source=None)
    return hashlib.sha256(repr(values).encode("utf-8", "surrogateescape")).hexdigest()


def file_key(task: FileTask, data: bytes, config: str = "") -> str:
    digest = hashlib.sha256(_data_digest().encode())
    digest.update(config.encode())
    digest.update(
        f"\0{task.rel_path}\0{task.max_bytes}\0{','.join(sorted(task.enabled))}\0"
        f"{task.role_globs!r}\0{','.join(sorted(task.project))}\0{task.values!r}\0"
        f"{task.sync_clients!r}\0{task.sync_calls!r}\0".encode("utf-8", "surrogateescape")
    )
    digest.update(data)
    return digest.hexdigest()


# --- the shape of an entry ----------------------------------------------------------------------
def _finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule, "source": f.source, "item": f.checklist_item, "severity": f.severity.value,
        "path": f.path, "pos": [f.line, f.column, f.end_line, f.end_column], "message": f.message,
        "fix": f.fix, "fingerprint": f.fingerprint, "snippet": f.snippet,
        "statement_line": f.statement_line, "on_site": f.on_site, "suppressed_by": f.suppressed_by,
        "role": f.role, "trace": [list(step) for step in f.trace],
    }  # fmt: skip


def result_to_dict(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "lines": result.lines,
        "findings": [_finding_to_dict(f) for f in result.findings],
        "suppressed": [_finding_to_dict(f) for f in result.suppressed],
        "sites": [[s.item, s.rule, s.line, s.covered, s.label] for s in result.sites],
        "facts": [facts.to_dict(f) for f in result.facts],
        "parse_error": result.parse_error,
        "role": result.role,
        "scripts": [list(span) for span in result.scripts],
    }


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise Invalid(what)


def _int(value: Any, what: str, low: int = 0) -> int:
    _need(
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= MAX_NUMBER,
        what,
    )
    return value


def _text(value: Any, what: str, limit: int = MAX_TEXT) -> str:
    _need(isinstance(value, str) and len(value) <= limit and "\0" not in value, what)
    return value


def _item(value: Any, what: str) -> str | None:
    _need(value is None or (isinstance(value, str) and checklist.is_item(value)), what)
    return value


def _finding_from_dict(d: Any, path: str) -> Finding:
    _need(isinstance(d, dict), "a finding is not an object")
    rule = d.get("rule")
    _need(isinstance(rule, str) and rule in catalogue.catalogue(), f"unknown rule {rule!r}")
    _need(d.get("source") == "ttaprod", "a finding not of ttaprod's own")
    _need(d.get("path") == path, "a finding on another file")
    pos = d.get("pos")
    _need(isinstance(pos, list) and len(pos) == 4, "a position is not four numbers")
    line, column, end_line, end_column = (_int(n, "a position") for n in pos)
    try:
        severity = Severity(d.get("severity"))
    except ValueError:
        raise Invalid("an unknown severity") from None
    fix = d.get("fix")
    fingerprint = _text(d.get("fingerprint"), "a fingerprint", 64)
    on_site = d.get("on_site")
    _need(isinstance(on_site, bool), "on_site is not true or false")
    return Finding(
        rule=rule, source="ttaprod", checklist_item=_item(d.get("item"), "an unknown item"),
        severity=severity, path=path, line=line, column=column, end_line=end_line,
        end_column=end_column,
        message=redact.scrub(_text(d.get("message"), "a message")),
        fix=None if fix is None else redact.scrub(_text(fix, "a fix")),
        fingerprint=fingerprint,
        snippet=redact.scrub(_text(d.get("snippet"), "a snippet")),
        statement_line=_int(d.get("statement_line"), "a statement line"), on_site=on_site,
        suppressed_by=_text(d.get("suppressed_by"), "suppressed_by"),
        role=_role(d.get("role")), trace=_trace(d.get("trace")),
    )  # fmt: skip


def _role(value: Any) -> str:
    _need(isinstance(value, str) and value in {r.value for r in roles.Role}, "an unknown role")
    return value


def _trace(value: Any) -> tuple[tuple[str, int, str], ...]:
    steps = _list(value, "a trace")
    _need(len(steps) <= 64, "a trace too long")
    out = []
    for step in steps:
        _need(isinstance(step, list) and len(step) == 3, "a trace step is not three values")
        path, line, note = step
        out.append((_text(path, "a trace path"), _int(line, "a trace line"), _text(note, "a note")))
    return tuple(out)


def _spans(value: Any) -> tuple[tuple[int, int], ...]:
    out = []
    for span in _list(value, "scripts"):
        _need(isinstance(span, list) and len(span) == 2, "a script span is not two lines")
        out.append((_int(span[0], "a script line"), _int(span[1], "a script line")))
    return tuple(out)


def _site(raw: Any, path: str) -> Site:
    _need(isinstance(raw, list) and len(raw) == 5, "a site is not five values")
    item, rule, line, covered, label = raw
    _need(isinstance(item, str) and checklist.is_item(item), "a site of an unknown item")
    _need(isinstance(rule, str) and rule in catalogue.catalogue(), f"unknown rule {rule!r}")
    _need(isinstance(covered, bool), "a site's coverage is not true or false")
    return Site(item, rule, path, _int(line, "a site's line"), covered, _text(label, "a label"))


def _fact(raw: Any, path: str) -> facts.Fact:
    _need(isinstance(raw, dict) and raw.get("kind") in facts.KINDS, "an unknown fact")
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        for one in values:
            if isinstance(one, str):
                _text(one, f"a fact's {key}")
            elif isinstance(one, int) and not isinstance(one, bool):
                _int(one, f"a fact's {key}")
    try:
        return facts.from_dict(raw, path)
    except (KeyError, TypeError, ValueError):
        raise Invalid("a fact of the wrong shape") from None


def _list(value: Any, what: str) -> list[Any]:
    _need(isinstance(value, list), f"{what} is not a list")
    return value


def result_from_dict(d: Any, path: str) -> FileResult:
    """The FileResult an entry for `path` holds; `Invalid` when it is not one."""
    _need(isinstance(d, dict), "a result is not an object")
    _need(d.get("path") == path, "a result for another file")
    lines = _int(d.get("lines"), "a line count")
    parse_error = d.get("parse_error")
    _need(isinstance(parse_error, bool), "parse_error is not true or false")
    found = tuple(_finding_from_dict(f, path) for f in _list(d.get("findings"), "findings"))
    quiet = tuple(_finding_from_dict(f, path) for f in _list(d.get("suppressed"), "suppressed"))
    for finding in (*found, *quiet):
        _need(finding.line <= lines + 1 and finding.end_line <= lines + 1, "a line past the end")
    return FileResult(
        path=path,
        lines=lines,
        findings=found,
        suppressed=quiet,
        sites=tuple(_site(s, path) for s in _list(d.get("sites"), "sites")),
        facts=tuple(_fact(f, path) for f in _list(d.get("facts"), "facts")),
        parse_error=parse_error,
        role=_role(d.get("role")),
        scripts=_spans(d.get("scripts")),
    )


# --- the store ----------------------------------------------------------------------------------
class ResultCache:
    """The cache of one run. `directory=None`: the default directory for `root`."""

    def __init__(
        self,
        root: Path,
        enabled: bool = True,
        directory: Path | None = None,
        files: int = 0,
        config: str = "",
    ) -> None:
        # Opening below a directory descriptor is what keeps a symlink from redirecting it.
        self.enabled = enabled and os.open in os.supports_dir_fd
        self.directory = directory if directory is not None else default_directory(root)
        self.file = self.directory / f"v{FORMAT}" / FILE_NAME
        self.limit = BASE_LIMIT + PER_FILE_LIMIT * files
        self.config = config
        self.unusable = False  # its directory cannot be used (a symlink, a file): not written
        self.entries: dict[str, Any] = self._load() if self.enabled else {}
        self.fresh: dict[str, dict[str, Any]] = {}
        self.hits = 0
        self.dropped = 0

    def key(self, task: FileTask, data: bytes) -> str:
        return file_key(task, data, self.config)

    # reading
    def _load(self) -> dict[str, Any]:
        try:
            data = self._read()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self._warn(f"not used: {exc.strerror or exc}")
            return {}
        if data is None:
            return {}
        try:
            raw = json.loads(data)
        except (ValueError, RecursionError):
            self._warn("not used: not valid JSON (or nested too deeply)")
            return {}
        if (
            not isinstance(raw, dict)
            or raw.get("format") != FORMAT
            or not isinstance(raw.get("entries"), dict)
        ):
            self._warn("not used: not a ttaprod cache of this version")
            return {}
        return raw["entries"]

    def _read(self) -> bytes | None:
        """The file's bytes, opened under directories that are no symlinks."""
        try:
            return read_file(self.directory, f"v{FORMAT}", FILE_NAME, self.limit)
        except Unusable:
            self.unusable = True
            raise

    def get(self, task: FileTask, key: str, slot: str = "") -> FileResult | None:
        """The stored result of a file's analysis (`slot`: which look at it, "" the first)."""
        if not self.enabled:
            return None
        name = f"{task.rel_path}#{slot}" if slot else task.rel_path
        entry = self.entries.get(name)
        if entry is None:
            return None
        try:
            _need(isinstance(entry, dict) and isinstance(entry.get("key"), str), "no key")
            if entry["key"] != key:
                return None
            result = result_from_dict(entry.get("result"), task.rel_path)
        except (Invalid, RecursionError):
            self.dropped += 1
            return None
        self.fresh[name] = {"key": key, "result": result_to_dict(result)}
        self.hits += 1
        return result

    def put(self, task: FileTask, key: str, result: FileResult, slot: str = "") -> None:
        if self.enabled:
            name = f"{task.rel_path}#{slot}" if slot else task.rel_path
            self.fresh[name] = {"key": key, "result": result_to_dict(result)}

    # writing
    def save(self) -> None:
        """Write what this run saw (entries of files no longer checked drop out)."""
        if self.dropped:
            self._warn(f"{self.dropped} invalid entr{'y' if self.dropped == 1 else 'ies'} "
                       "dropped; those files were analysed again")  # fmt: skip
        if not self.enabled or self.unusable or self.fresh == self.entries:
            return
        payload = json.dumps(
            {"format": FORMAT, "ttaprod": __version__, "entries": self.fresh},
            separators=(",", ":"),
            sort_keys=True,
        ).encode("ascii")
        try:
            self._write(payload)
        except OSError as exc:  # a read-only home, a full disk: the cache is optional
            self._warn(f"not written: {exc.strerror or exc}")

    def _write(self, payload: bytes) -> None:
        write_file(self.directory, f"v{FORMAT}", FILE_NAME, payload)

    def _warn(self, what: str) -> None:
        log.warning("cache %s: %s", redact.printable(str(self.file)), what)


def _refused(exc: OSError) -> OSError:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return safeio.UnsafeFile(exc.errno, "a symlink or not a directory (not followed)")
    return exc


class Unusable(OSError):
    """The cache directory (or its version directory) cannot be used: a symlink, a file."""


def read_file(directory: Path, sub: str, name: str, limit: int) -> bytes | None:
    """`directory/sub/name`, opened below directory descriptors without following a symlink,
    a regular file of at most `limit` bytes; None when it does not exist. `Unusable` when the
    directories are not what they should be (never written through then), `OSError` (or
    `safeio.UnsafeFile`) when the file itself is refused."""
    try:
        top = _open_directory(directory)
    except OSError as exc:
        raise Unusable(exc.errno, exc.strerror) from None
    if top is None:
        return None
    try:
        below = os.open(sub, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=top)
    except FileNotFoundError:
        return None
    except OSError as exc:
        refused = _refused(exc)
        raise Unusable(refused.errno, refused.strerror) from None
    finally:
        os.close(top)
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=below)
    except OSError as exc:
        raise _refused(exc) from None
    finally:
        os.close(below)
    try:
        return _read_bounded(fd, limit)
    finally:
        os.close(fd)


def write_file(directory: Path, sub: str, name: str, payload: bytes) -> None:
    """Write `directory/sub/name` whole: a private temporary file renamed into place (two runs
    at once each leave a whole file), directories created private and marked as a cache."""
    top = _make_directory(directory)
    try:
        _mark(top)
        with contextlib.suppress(FileExistsError):
            os.mkdir(sub, 0o700, dir_fd=top)
        below = os.open(sub, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=top)
    except OSError as exc:
        raise _refused(exc) from None
    finally:
        os.close(top)
    temp = f".{name}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(temp, _CREATE, 0o600, dir_fd=below)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(temp, name, src_dir_fd=below, dst_dir_fd=below)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=below)
            raise
    finally:
        os.close(below)


def _read_bounded(fd: int, limit: int) -> bytes:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise safeio.UnsafeFile(errno.EINVAL, "not a regular file")
    if info.st_size > limit:
        raise safeio.UnsafeFile(
            errno.EFBIG, f"{info.st_size // safeio.MB} MB, over its {limit // safeio.MB} MB bound"
        )
    chunks: list[bytes] = []
    total = 0
    while chunk := os.read(fd, min(limit + 1 - total, 4 * safeio.MB)):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise safeio.UnsafeFile(errno.EFBIG, "grew over its bound while read")
    return b"".join(chunks)


def _open_directory(path: Path) -> int | None:
    """A descriptor of the cache directory itself, never through a symlink at its place."""
    try:
        return os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _refused(exc) from None


def _make_directory(path: Path) -> int:
    """Create the cache directory (private) when missing; a descriptor of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    fd = _open_directory(path)
    if fd is None:
        raise FileNotFoundError(errno.ENOENT, "vanished while created", str(path))
    return fd


def _mark(directory: int) -> None:
    """A `.gitignore` (never commit a cache) and a CACHEDIR.TAG (backup tools skip it)."""
    for name, text in (
        (".gitignore", "# Created by ttaprod: a cache, never commit it.\n*\n"),
        ("CACHEDIR.TAG", f"Signature: {CACHEDIR_SIGNATURE}\n# ttaprod cache directory\n"),
    ):
        try:
            fd = os.open(name, _CREATE, 0o600, dir_fd=directory)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
