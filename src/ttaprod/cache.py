"""Per-file results cached by content hash in `<root>/.ttaprod_cache/` (like `.ruff_cache`).

One JSON file per checked root holds, for each analysed file, the key it was analysed
under and its FileResult. The key covers the file's bytes, its path, the enabled rules,
the size limit, ttaprod's version and the bytes of every shipped rule and knowledge file
and of ttaprod's own modules, so any change to any of them is a miss. JSON, not pickle: a
cache directory committed to a repository by someone else must never be able to run code.
Nothing in it is a secret: messages and snippets are masked before they are cached, as they
are before any output.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from . import __version__, facts
from .engine.analyze import FileTask
from .models import FileResult, Finding, Severity, Site
from .resources import rules_dir

CACHE_DIR = ".ttaprod_cache"
FORMAT = 3  # 2: typed facts; 3: code roles


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


def file_key(task: FileTask, data: bytes) -> str:
    digest = hashlib.sha256(_data_digest().encode())
    digest.update(
        f"\0{task.rel_path}\0{task.max_bytes}\0{','.join(sorted(task.enabled))}\0"
        f"{task.role_globs!r}\0{','.join(sorted(task.project))}\0{task.values!r}\0"
        f"{task.sync_clients!r}\0{task.sync_calls!r}\0".encode()
    )
    digest.update(data)
    return digest.hexdigest()


def _finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule, "source": f.source, "item": f.checklist_item, "severity": f.severity.value,
        "path": f.path, "pos": [f.line, f.column, f.end_line, f.end_column], "message": f.message,
        "fix": f.fix, "fingerprint": f.fingerprint, "snippet": f.snippet,
        "statement_line": f.statement_line, "on_site": f.on_site, "suppressed_by": f.suppressed_by,
        "role": f.role, "trace": [list(step) for step in f.trace],
    }  # fmt: skip


def _finding_from_dict(d: dict[str, Any]) -> Finding:
    line, column, end_line, end_column = d["pos"]
    return Finding(
        rule=d["rule"], source=d["source"], checklist_item=d["item"],
        severity=Severity(d["severity"]),
        path=d["path"], line=line, column=column, end_line=end_line, end_column=end_column,
        message=d["message"], fix=d["fix"], fingerprint=d["fingerprint"], snippet=d["snippet"],
        statement_line=d["statement_line"], on_site=d["on_site"], suppressed_by=d["suppressed_by"],
        role=d["role"], trace=tuple((p, int(n), t) for p, n, t in d["trace"]),
    )  # fmt: skip


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


def result_from_dict(d: dict[str, Any]) -> FileResult:
    path = d["path"]
    return FileResult(
        path=path,
        lines=d["lines"],
        findings=tuple(_finding_from_dict(f) for f in d["findings"]),
        suppressed=tuple(_finding_from_dict(f) for f in d["suppressed"]),
        sites=tuple(Site(i, r, path, ln, cov, lab) for i, r, ln, cov, lab in d["sites"]),
        facts=tuple(facts.from_dict(f, path) for f in d["facts"]),
        parse_error=d["parse_error"],
        role=d["role"],
        scripts=tuple((int(a), int(b)) for a, b in d["scripts"]),
    )


class ResultCache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.enabled = enabled
        self.directory = root / CACHE_DIR
        self.file = self.directory / f"v{FORMAT}" / "results.json"
        self.entries: dict[str, dict[str, Any]] = self._load() if enabled else {}
        self.fresh: dict[str, dict[str, Any]] = {}
        self.hits = 0

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def get(self, task: FileTask, key: str, slot: str = "") -> FileResult | None:
        """The stored result of a file's analysis (`slot`: which look at it, "" the first)."""
        if not self.enabled:
            return None
        name = f"{task.rel_path}#{slot}" if slot else task.rel_path
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            result = result_from_dict(entry["result"])
        except (KeyError, TypeError, ValueError):
            return None
        self.fresh[name] = entry
        self.hits += 1
        return result

    def put(self, task: FileTask, key: str, result: FileResult, slot: str = "") -> None:
        if self.enabled:
            name = f"{task.rel_path}#{slot}" if slot else task.rel_path
            self.fresh[name] = {"key": key, "result": result_to_dict(result)}

    def save(self) -> None:
        """Write what this run saw (entries of files no longer checked drop out)."""
        if not self.enabled or self.fresh == self.entries:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            self._mark_directory()
            payload = json.dumps(self.fresh, separators=(",", ":"), sort_keys=True)
            handle, temp = tempfile.mkstemp(dir=self.file.parent, prefix=".results-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(payload)
            os.replace(temp, self.file)
        except OSError:  # ttaprod: ignore[TTP112] read-only checkout: the cache is optional
            pass

    def _mark_directory(self) -> None:
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text(
                "# Created by ttaprod: a cache, never commit it.\n*\n", encoding="utf-8"
            )
        tag = self.directory / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# ttaprod cache directory\n",
                encoding="utf-8",
            )
