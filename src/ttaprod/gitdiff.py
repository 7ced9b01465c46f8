"""Lines changed since a git revision (`ttaprod check --diff REF`).

The working tree (staged and unstaged edits) is compared with the merge base of REF and
HEAD, so commits that landed on REF after the branch was cut do not count as changes
here; when there is no merge base (a shallow clone) REF itself is used. `git diff -U0`
gives the changed line ranges, renames are followed (a renamed file counts only its
edited lines) and untracked files count as wholly new. Paths come back relative to the
checked root; changes outside it are dropped.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
GIT_TIMEOUT_S = 60.0
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class GitError(Exception):
    """--diff cannot be honoured (no git, not a repository, unknown revision): one line."""


@dataclass(frozen=True)
class Changes:
    ref: str
    base: str  # the commit compared with (full hash)
    ranges: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    gaps: dict[str, tuple[int, ...]] = field(default_factory=dict)  # lines were deleted after n
    new_files: frozenset[str] = frozenset()  # untracked: every line is new

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(sorted({*self.ranges, *self.gaps, *self.new_files}))

    def touches(self, path: str, line: int, end_line: int) -> bool:
        """Whether a finding spanning `line..end_line` of `path` is on a changed line, or
        spans a place where lines were deleted (a removed `timeout=` argument, say)."""
        if path in self.new_files:
            return True
        end = max(line, end_line)
        if any(start <= end and line <= stop for start, stop in self.ranges.get(path, ())):
            return True
        return any(line <= gap < end for gap in self.gaps.get(path, ()))


def unquote(path: str) -> str:
    """A path as git prints it: C-quoted (with octal bytes) when it holds odd characters."""
    if not (len(path) >= 2 and path[0] == path[-1] == '"'):
        return path
    out = bytearray()
    body = path[1:-1]
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out.extend(char.encode("utf-8"))
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in "01234567" and re.match(r"[0-7]{3}", body[i + 1 : i + 4]):
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(_ESCAPES.get(nxt, ord(nxt)))
            i += 2
    return out.decode("utf-8", errors="replace")


def parse(diff: str) -> tuple[dict[str, list[tuple[int, int]]], dict[str, list[int]]]:
    """Changed line ranges and deletion points of the new side of `git diff -U0` output,
    keyed by the path relative to the repository's top level (deleted files: none)."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    gaps: dict[str, list[int]] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            target = line[4:].rstrip("\t")
            target = unquote(target)
            current = target[2:] if target.startswith("b/") else None  # /dev/null: deleted
        elif current is not None and (match := _HUNK.match(line)):
            start = int(match.group(1))
            count = int(match.group(2)) if match.group(2) is not None else 1
            if count == 0:
                gaps.setdefault(current, []).append(start)
            else:
                ranges.setdefault(current, []).append((start, start + count - 1))
    return ranges, gaps


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    env.pop("GIT_EXTERNAL_DIFF", None)
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("--diff needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took more than {GIT_TIMEOUT_S:g} s") from None


def _toplevel(root: Path) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], root)
    if done.returncode != 0:
        raise GitError(f"--diff needs a git repository: {root} is not inside one")
    return Path(done.stdout.strip()).resolve()


def _base(ref: str, cwd: Path) -> str:
    if not ref or ref.startswith("-"):
        raise GitError(f"--diff: '{ref}' is not a git revision")
    done = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    if done.returncode != 0:
        raise GitError(f"--diff: unknown git revision '{ref}' (fetch it, or check the name)")
    commit = done.stdout.strip()
    merge = _git(["merge-base", commit, "HEAD"], cwd)
    return merge.stdout.strip() if merge.returncode == 0 and merge.stdout.strip() else commit


def _relative(paths: Mapping[str, list[T]], top: Path, root: Path) -> dict[str, tuple[T, ...]]:
    out: dict[str, tuple[T, ...]] = {}
    for path, values in paths.items():
        rel = _under(top / path, root)
        if rel is not None:
            out[rel] = tuple(values)  # git lists hunks in order
    return out


def _under(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def changes(root: Path, ref: str) -> Changes:
    """What changed under `root` since `ref`; raises GitError with a one-line reason."""
    root = root.resolve()
    top = _toplevel(root)
    base = _base(ref, top)
    diff = _git(
        [
            "-c", "core.quotePath=false", "diff", "-U0", "--no-color", "--no-ext-diff",
            "--no-textconv", "--find-renames", "--src-prefix=a/", "--dst-prefix=b/",
            "--ignore-submodules", base, "--",
        ],
        top,
    )  # fmt: skip
    if diff.returncode != 0:
        last = (diff.stderr.strip().splitlines() or ["git diff failed"])[-1]
        raise GitError(f"--diff: {last}")
    ranges, gaps = parse(diff.stdout)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top)
    new_files = set()
    for path in untracked.stdout.split("\0") if untracked.returncode == 0 else []:
        rel = _under(top / path, root) if path else None
        if rel is not None:
            new_files.add(rel)
    return Changes(
        ref=ref,
        base=base,
        ranges=_relative(ranges, top, root),
        gaps=_relative(gaps, top, root),
        new_files=frozenset(new_files),
    )


def toplevel(path: Path) -> Path | None:
    """The top level of the git work tree holding `path`, or None (no git, no repository)."""
    start = path if path.is_dir() else path.parent
    try:
        return _toplevel(start)
    except GitError:
        return None
