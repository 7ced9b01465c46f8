"""Files in and out: read once with their encoding, replaced atomically only if unchanged,
and the differences shown as unified diffs or SARIF replacements, secrets masked.

A fix is planned on the bytes read here. `replace` writes a temporary file beside the target
(same directory, same permissions), checks that the target still holds exactly those bytes
and renames the temporary file over it: a file edited during the run (by the user, a
formatter, another hook) is left alone and reported, never overwritten. Nothing else is
written: no backup, no copy of the old content.
"""

from __future__ import annotations

import bisect
import difflib
import io
import os
import re
import stat
import tempfile
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import redact
from ..engine import source as engine_source
from ..models import Replacement


@dataclass(frozen=True)
class Source:
    path: Path  # absolute
    rel: str  # relative to the checked root, POSIX
    data: bytes  # as read: the content a change must still find
    text: str
    encoding: str  # how to write it back ("utf-8-sig" keeps a byte-order mark)


class Unreadable(Exception):
    pass


def read(path: Path, rel: str) -> Source:
    if path.is_symlink():
        raise Unreadable("a symbolic link: left alone")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot read it: {exc.strerror or exc}") from None
    encoding = "utf-8"
    if rel.endswith((".py", ".pyi")):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError:
            raise Unreadable("cannot tell its encoding") from None
        decoded = engine_source.decode(data)
        if isinstance(decoded, engine_source.Notice):
            raise Unreadable(decoded.message)
        text = decoded
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable("not UTF-8") from None
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
        text = text.removeprefix("\ufeff")
    return Source(path, rel, data, text, encoding)


def encode(src: Source, text: str) -> bytes:
    return text.encode(src.encoding)


CHANGED = "changed since ttaprod read it: left alone"


def replace(src: Source, new: bytes) -> str:
    """Write `new` over the file if it still holds what was read; "" when done, else why not."""
    path = src.path
    try:
        if path.is_symlink() or path.read_bytes() != src.data:
            return CHANGED
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        return f"cannot read it again: {exc.strerror or exc}"
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".ttaprod")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        if path.read_bytes() != src.data:  # the last look, just before the swap
            os.unlink(temporary)
            return CHANGED
        os.replace(temporary, path)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        return f"cannot write it: {exc.strerror or exc}"
    return ""


# --- differences ----------------------------------------------------------------------------
def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset; the end of a file that ends with a
    newline is column 1 of the line after the last."""
    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


def replacements(old: str, new: str) -> list[Replacement]:
    """The smallest replacements (per changed block of lines, trimmed to the characters that
    differ) that turn `old` into `new`."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    starts = _offsets(old)
    out: list[Replacement] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        head = 0
        limit = min(len(before), len(after))
        while head < limit and before[head] == after[head]:
            head += 1
        tail = 0
        while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
            tail += 1
        begin = starts[i1] + head
        end = starts[i1] + len(before) - tail
        line, column = _position(starts, begin)
        end_line, end_column = _position(starts, end)
        out.append(Replacement(line, column, end_line, end_column, after[head : len(after) - tail]))
    return out


def apply(text: str, edits: Iterable[Replacement]) -> str:
    """`text` with non-overlapping replacements applied."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[min(line, len(starts)) - 1] + column - 1

    ordered = sorted(edits, key=lambda r: (r.line, r.column), reverse=True)
    for r in ordered:
        begin, end = offset(r.line, r.column), offset(r.end_line, r.end_column)
        text = text[:begin] + r.text + text[end:]
    return text


def unified(rel: str, old: str, new: str, secrets: Iterable[str] = ()) -> str:
    """A unified diff of one file (`--- a/path`, `+++ b/path`), secrets masked."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(a, b, f"a/{rel}", f"b/{rel}"):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return mask("".join(lines), secrets)


def mask(text: str, secrets: Iterable[str]) -> str:
    for value in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(value, redact.mask_value(value))
    return redact.redact_text(text)


_STRING_BODY = re.compile(r"""^[A-Za-z]*('''|\"\"\"|'|")(.*)\1$""", re.DOTALL)


def string_bodies(line: str) -> set[str]:
    """The contents of the string literals on one line of Python (to mask in diffs)."""
    found: set[str] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            text = token.string
            if token.type == tokenize.STRING:
                match = _STRING_BODY.match(text)
                if match and match.group(2):
                    found.add(match.group(2))
            elif tokenize.tok_name.get(token.type) == "FSTRING_MIDDLE" and text.strip():
                found.add(text)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return {body for body in found if len(body) >= 4}
