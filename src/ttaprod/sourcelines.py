"""Source lines numbered as Python numbers them.

`str.splitlines()` also breaks at form feed, vertical tab, the file/group/record separators,
NEL (U+0085) and the Unicode line and paragraph separators (U+2028, U+2029); Python's
tokenizer, libcst, the tools and editors end a line only at `\\n`, `\\r\\n` or `\\r`. One of
those characters in a comment would shift every later line taken by index, so a snippet
would show the line above the finding (unmasked) and a suppression mark would apply to the
wrong line. Every place that turns a line number into source text splits here.
"""

from __future__ import annotations

import re

_LINE_END = re.compile(r"\r\n|\r|\n")


def split(text: str) -> list[str]:
    """The lines of `text` without their ends, as `splitlines()` would give them if only
    `\\n`, `\\r\\n` and `\\r` ended a line (no empty last line after a final newline)."""
    if not text:
        return []
    lines = _LINE_END.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def split_keepends(text: str) -> list[str]:
    """`split` with each line's end kept."""
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _LINE_END.finditer(text):
        out.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        out.append(text[start:])
    return out


MAX_SNIPPET = 400  # characters of a flagged line kept for display: a terminal shows fewer


def snippet(line: str) -> str:
    """A flagged line as reports show it: cut after `MAX_SNIPPET` characters (a 1 MB
    generated line would otherwise be copied into every finding on it)."""
    return line if len(line) <= MAX_SNIPPET else line[:MAX_SNIPPET] + "…"
