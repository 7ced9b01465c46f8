"""The baseline file (`.ttaprod-baseline.json`): known findings that do not fail the gate.

A legacy project records what it has today (`ttaprod baseline`) and from then on only new
findings fail; fixed ones show as stale entries, and `ttaprod baseline --prune` removes
them, so the file only shrinks. The match key is (rule, path, fingerprint) — the
fingerprint hashes the flagged code with its layout removed, so moving code or editing
other lines never breaks a match — and it is a multiset: the same problem twice in one
file is two entries (`count`), and one of them coming back is a new finding. Paths are
relative to the file's own directory, so the file works whichever directory is checked.

The file is JSON, sorted, with no line numbers or timings: the same findings give the same
bytes. It holds no secret: fingerprints are hashes of masked text and messages are masked
again on the way out.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import redact, safeio
from .models import BaselineEntry, Finding, Report

FILE_NAME = ".ttaprod-baseline.json"
MAX_BYTES = 64 * safeio.MB  # ~250 bytes an entry: room for 250,000 known findings
MAX_MESSAGE = 2_000
VERSION = 1
ABOUT = (
    "Findings ttaprod knows about and does not hold against the gate. "
    "`ttaprod baseline` rewrites this file; `ttaprod baseline --prune` drops what was fixed."
)
Key = tuple[str, str, str]  # rule, path relative to the file's directory, fingerprint
Judged = Callable[[str, str], bool]  # (rule, root-relative path): could this run report it?


class BaselineError(Exception):
    """The baseline file cannot be used; the message is one line."""


@dataclass(frozen=True)
class Baseline:
    path: Path  # absolute
    counts: Mapping[Key, int] = field(default_factory=dict)
    messages: Mapping[Key, str] = field(default_factory=dict)
    score: float | None = None  # the score when it was recorded: the gate's floor
    tools: tuple[str, ...] | None = None  # the tools that ran then (None: not recorded)

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Match:
    known: tuple[bool, ...]  # per finding, in the order given: the baseline holds it
    stale: dict[Key, int]  # entries no finding matched that this run could have reported


def _fingerprint(finding: Finding) -> str:
    if finding.fingerprint:
        return finding.fingerprint
    text = f"{finding.rule}\0{finding.path}\0{redact.redact_text(finding.message)}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def to_file_path(path: str, root: Path, directory: Path) -> str:
    """A root-relative path as the baseline file writes it (relative to its directory)."""
    if not path or root == directory:
        return path
    return Path(os.path.relpath(root / path, directory)).as_posix()


def to_root_path(path: str, root: Path, directory: Path) -> str | None:
    """A path from the file, relative to the checked root; None when outside it."""
    if not path or root == directory:
        return path
    rel = Path(os.path.relpath(directory / path, root)).as_posix()
    return None if rel == ".." or rel.startswith("../") else rel


def _rebase(path: str, source: Path, target: Path) -> str:
    if not path or source == target:
        return path
    return Path(os.path.relpath(source / path, target)).as_posix()


def key_of(finding: Finding, root: Path, directory: Path) -> Key:
    return (finding.rule, to_file_path(finding.path, root, directory), _fingerprint(finding))


def _entries(data: Any, where: str) -> tuple[Counter[Key], dict[Key, str]]:
    if not isinstance(data, list):
        raise BaselineError(f"{where}: 'findings' must be a list")
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for number, entry in enumerate(data, start=1):
        fields = [
            entry.get(k) if isinstance(entry, dict) else None
            for k in ("rule", "path", "fingerprint")
        ]
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        if (
            not all(isinstance(v, str) for v in fields)
            or isinstance(count, bool)
            or not isinstance(count, int)
            or count < 1
        ):
            raise BaselineError(
                f"{where}: finding {number} needs string rule, path and fingerprint "
                "and a count of at least 1"
            )
        key: Key = (fields[0], fields[1], fields[2])  # type: ignore[assignment]
        counts[key] += count
        message = entry.get("message", "")
        if isinstance(message, str) and key not in messages:
            messages[key] = redact.scrub(message[:MAX_MESSAGE])
    return counts, messages


def load(path: Path) -> Baseline:
    where = str(path)
    try:
        text = safeio.read_text(path, MAX_BYTES)
    except FileNotFoundError:
        raise BaselineError(
            f"baseline file {path} does not exist (write it with `ttaprod baseline`)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(
            f"cannot read baseline {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{where}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise BaselineError(f"{where}: not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise BaselineError(f"{where}: a baseline is a JSON object")
    if data.get("version") != VERSION:
        raise BaselineError(
            f"{where}: unsupported baseline version {data.get('version')!r} (expected {VERSION})"
        )
    score = data.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise BaselineError(f"{where}: 'score' must be a number")
    tools = data.get("tools")
    if tools is not None and (
        not isinstance(tools, list) or not all(isinstance(t, str) for t in tools)
    ):
        raise BaselineError(f"{where}: 'tools' must be a list of tool names")
    counts, messages = _entries(data.get("findings", []), where)
    return Baseline(
        path.resolve(),
        dict(counts),
        messages,
        None if score is None else float(score),
        None if tools is None else tuple(tools),
    )


def render(
    counts: Mapping[Key, int],
    messages: Mapping[Key, str],
    score: float | None,
    tools: Sequence[str] | None,
) -> str:
    findings = [
        {
            "rule": rule,
            "path": path,
            "fingerprint": fingerprint,
            "count": counts[(rule, path, fingerprint)],
            "message": redact.scrub(messages.get((rule, path, fingerprint), "")),
        }
        for rule, path, fingerprint in sorted(counts, key=lambda k: (k[1], k[0], k[2]))
        if counts[(rule, path, fingerprint)] > 0
    ]
    data = {
        "version": VERSION,
        "about": ABOUT,
        "score": score,
        "tools": None if tools is None else sorted(tools),
        "findings": findings,
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if encodable(text):
        return text
    # a file name that is not UTF-8 (kept as lone surrogates): JSON escapes it losslessly
    return json.dumps(data, indent=2) + "\n"


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def match(
    findings: Sequence[Finding],
    baseline: Baseline,
    root: Path,
    judged: Judged,
    first: Callable[[Finding], bool] | None = None,
) -> Match:
    """Which findings the baseline holds, as a multiset. Findings for which `first` is true
    are matched first (the ones outside a diff: unchanged code is the old code)."""
    left: Counter[Key] = Counter(baseline.counts)
    order = sorted(
        range(len(findings)),
        key=lambda i: (not first(findings[i]) if first else False, findings[i].sort_key),
    )
    known = [False] * len(findings)
    for i in order:
        key = key_of(findings[i], root, baseline.directory)
        if left[key] > 0:
            left[key] -= 1
            known[i] = True
    stale = {}
    for key, count in left.items():
        rel = to_root_path(key[1], root, baseline.directory)
        if count > 0 and rel is not None and judged(key[0], rel):
            stale[key] = count
    return Match(tuple(known), stale)


def stale_entries(
    baseline: Baseline, stale: Mapping[Key, int], root: Path
) -> tuple[BaselineEntry, ...]:
    out = []
    for key in sorted(stale, key=lambda k: (k[1], k[0], k[2])):
        rule, path, fingerprint = key
        rel = to_root_path(path, root, baseline.directory) or path
        out.append(
            BaselineEntry(rule, rel, fingerprint, baseline.messages.get(key, ""), stale[key])
        )
    return tuple(out)


def from_report(
    old: Baseline | None, report: Report, directory: Path
) -> tuple[Counter[Key], dict[Key, str]]:
    """The baseline for what the report saw: its findings, known or new, plus the old
    entries it could not judge or did not show (a tool that did not run, a file outside
    the checked files): those stay as they were."""
    root = Path(report.root)
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    if old is not None:
        left = Counter(old.counts)
        left.subtract(key_of(f, root, old.directory) for f in report.baselined)
        stale = report.baseline.stale if report.baseline is not None else ()
        left.subtract({entry_key(e, root, old.directory): e.count for e in stale})
        for key, count in left.items():
            if count > 0:
                moved = (key[0], _rebase(key[1], old.directory, directory), key[2])
                counts[moved] += count
                messages.setdefault(moved, old.messages.get(key, ""))
    for finding in sorted((*report.findings, *report.baselined), key=lambda f: f.sort_key):
        key = key_of(finding, root, directory)
        counts[key] += 1
        messages.setdefault(key, finding.message)
    return counts, messages


def entry_key(entry: BaselineEntry, root: Path, directory: Path) -> Key:
    return (entry.rule, to_file_path(entry.path, root, directory), entry.fingerprint)


def pruned(old: Baseline, report: Report) -> tuple[Counter[Key], dict[Key, str]]:
    """The old entries less the stale ones the report found; nothing is ever added."""
    counts = Counter(old.counts)
    stale = report.baseline.stale if report.baseline is not None else ()
    counts.subtract({entry_key(e, Path(report.root), old.directory): e.count for e in stale})
    kept = Counter({k: c for k, c in counts.items() if c > 0})
    return kept, {k: old.messages.get(k, "") for k in kept}


def write(path: Path, text: str) -> None:
    """Through a private temporary file renamed over `path`: a symlink planted at `path` (or
    at a fixed temporary name) is replaced, never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    safeio.write_atomic(path, text)
