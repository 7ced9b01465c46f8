"""Keep secrets out of every output: masks for values, lines and tool messages.

A secret found in the code is shown at most as a short prefix and its length
(`sk-p…(51 chars)`), never in full: not in messages, snippets, fingerprints, caches or
SARIF. The known key formats come from `rules/knowledge/secrets.toml`.
"""

from __future__ import annotations

import re
from functools import cache

from . import knowledge

_STRING_LITERAL = re.compile(
    r"""(?P<prefix>\b[rRbBuUfF]{0,2})(?P<q>'''|\"\"\"|'|")(?P<body>(?:\\.|(?!(?P=q)).)*)(?P=q)"""
)


def mask_value(value: str, keep: int = 4) -> str:
    """`sk-proj-abc…` → `sk-p…(51 chars)`; short values keep no prefix at all."""
    shown = value[:keep] if len(value) >= 12 else ""
    return f"{shown}…({len(value)} chars)"


@cache
def _known_formats() -> tuple[tuple[str, re.Pattern[str]], ...]:
    formats = knowledge.table("secrets").get("formats", [])
    return tuple((f["name"], re.compile(f["pattern"])) for f in formats)


def known_format(value: str) -> str | None:
    """The provider name when `value` contains a key in a known live format."""
    for name, pattern in _known_formats():
        if pattern.search(value):
            return name
    return None


def redact_text(text: str) -> str:
    """Mask every token of a known key format found anywhere in `text`."""
    for _, pattern in _known_formats():
        text = pattern.sub(lambda m: mask_value(m.group(0)), text)
    return text


def mask_string_literals(line: str) -> str:
    """Mask the body of every non-empty string literal on a source line."""

    def repl(match: re.Match[str]) -> str:
        body = match.group("body")
        if not body:
            return match.group(0)
        return f"{match.group('prefix')}{match.group('q')}{mask_value(body)}{match.group('q')}"

    return _STRING_LITERAL.sub(repl, line)


def mask_quoted(message: str) -> str:
    """Mask quoted values inside a tool's message ("Possible hardcoded password: 'x'")."""
    return redact_text(mask_string_literals(message))
