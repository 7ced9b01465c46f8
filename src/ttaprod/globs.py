"""Glob patterns for `exclude` and `per-file-ignores`, matched against root-relative paths.

A pattern without a slash matches any one path component (`build`, `*_pb2.py`), like
.gitignore; a pattern with a slash matches the whole relative path, where `**` spans
directories. A pattern that matches a directory matches everything below it.
"""

from __future__ import annotations

import fnmatch
import re
from functools import cache


@cache
def _compile(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/")
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        else:
            j = i
            while j < len(pattern) and not pattern.startswith("**", j):
                j += 1
            parts.append(fnmatch.translate(pattern[i:j])[4:-3])  # strip (?s: … )\Z
            i = j
    return re.compile("(?s:" + "".join(parts) + r")(?:/.*)?\Z")


def matches(pattern: str, rel_path: str) -> bool:
    if "/" not in pattern.strip().rstrip("/"):
        return any(fnmatch.fnmatchcase(part, pattern.strip()) for part in rel_path.split("/"))
    return _compile(pattern).match(rel_path) is not None


def any_match(patterns: tuple[str, ...] | list[str], rel_path: str) -> bool:
    return any(matches(p, rel_path) for p in patterns)
