"""Keep secrets out of every output: masks for values, lines and tool messages.

A secret found in the code is shown at most as a short prefix and its length
(`sk-p…(51 chars)`), never in full: not in messages, snippets, fingerprints, caches or
SARIF. The known key formats come from `rules/knowledge/secrets.toml`.

Two questions, two strictnesses: `redact_text` masks anything shaped like a known key
(when in doubt, hide it), while `find_key` / `known_format` say whether a value holds a
*live* key (shape, randomness, not a documented example or a placeholder) — that decides a
critical finding, so it must not cry wolf.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from . import knowledge


@dataclass(frozen=True)
class KeyFormat:
    name: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...]
    min_entropy: float


def mask_value(value: str, keep: int = 0) -> str:
    """`…(51 chars)`; with `keep=4`, for a key in a known public format, `sk-p…(51 chars)`
    (short values never keep a prefix). Ordinary passwords show only their length."""
    shown = value[:keep] if keep > 0 and len(value) >= 12 else ""
    return f"{shown}…({len(value)} chars)"


def shannon_entropy(value: str) -> float:
    """Bits per character of `value` (0 for an empty or one-symbol string)."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


@knowledge.derived
def formats() -> tuple[KeyFormat, ...]:
    table = knowledge.table("secrets").get("formats", [])
    return tuple(
        KeyFormat(
            f["name"],
            re.compile(f["pattern"]),
            tuple(f.get("keywords", ())),
            float(f.get("min_entropy", 0.0)),
        )
        for f in table
    )


@knowledge.derived
def keyword_hint() -> re.Pattern[str]:
    """One regex that finds any format's keyword: the cheap test run on every literal."""
    words = sorted({k for f in formats() for k in f.keywords}, key=len, reverse=True)
    if not words:
        return re.compile(r"(?!)")
    return re.compile("|".join(re.escape(w) for w in words))


@knowledge.derived
def _documented_examples() -> frozenset[str]:
    return frozenset(knowledge.table("secrets").get("examples", {}).get("values", ()))


@knowledge.derived
def placeholder_patterns() -> re.Pattern[str]:
    patterns = knowledge.table("secrets").get("placeholders", {}).get("patterns", ())
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


def looks_like_placeholder(value: str) -> bool:
    """`<your-key>`, `xxxx`, `your-api-key-here`, `${API_KEY}`, `test-token`…"""
    return placeholder_patterns().search(value) is not None


@knowledge.derived
def _key_placeholder() -> re.Pattern[str]:
    patterns = knowledge.table("secrets").get("placeholders", {}).get("key_patterns", ())
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


def _is_live(fmt: KeyFormat, token: str) -> bool:
    if token in _documented_examples() or _key_placeholder().search(token):
        return False
    return shannon_entropy(token) >= fmt.min_entropy


def find_key(value: str) -> tuple[str, str] | None:
    """(provider, token) for the first live key of a known format inside `value`."""
    if not keyword_hint().search(value):
        return None
    for fmt in formats():
        if not any(k in value for k in fmt.keywords):
            continue
        for match in fmt.pattern.finditer(value):
            if _is_live(fmt, match.group(0)):
                return fmt.name, match.group(0)
    return None


def known_format(value: str) -> str | None:
    """The provider name when `value` contains a key in a known live format."""
    found = find_key(value)
    return found[0] if found else None


def redact_text(text: str) -> str:
    """Mask every token shaped like a known key format anywhere in `text`."""
    if not keyword_hint().search(text):
        return text
    for fmt in formats():
        if any(k in text for k in fmt.keywords):
            text = fmt.pattern.sub(lambda m: mask_value(m.group(0), keep=4), text)
    return text


_PREFIX_CHARS = frozenset("rRbBuUfF")
_MASKED = re.compile(r"[^…]{0,4}…\(\d+ chars\)")  # already masked: masking is idempotent


def mask_string_literals(line: str) -> str:
    """Mask the body of every non-empty string literal on a source line.

    Bodies keep no prefix (`"…(7 chars)"`): a weak password's first letters are half of it.
    A literal left open at the end of the line (a triple-quoted string that goes on) is
    masked to the end of the line. Masking a masked line changes nothing.
    """
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch == "#":
            out.append(line[i:])  # a comment: nothing after it is code
            break
        if ch not in "'\"":
            out.append(ch)
            i += 1
            continue
        quote = line[i : i + 3] if line[i : i + 3] in ("'''", '"""') else ch
        raw = _is_raw(out)
        start = i + len(quote)
        end = _closing(line, start, quote, raw)
        body = line[start:end] if end >= 0 else line[start:]
        out.append(quote)
        if body:
            out.append(body if _MASKED.fullmatch(body) else mask_value(body, keep=0))
        if end < 0:
            break
        out.append(quote)
        i = end + len(quote)
    return "".join(out)


def _is_raw(emitted: list[str]) -> bool:
    prefix = ""
    for piece in reversed(emitted):
        if len(piece) == 1 and piece in _PREFIX_CHARS and len(prefix) < 2:
            prefix = piece + prefix
            continue
        break
    return "r" in prefix.lower()


def _closing(line: str, start: int, quote: str, raw: bool) -> int:
    i = start
    while i < len(line):
        if line[i] == "\\" and not raw:
            i += 2
            continue
        if line.startswith(quote, i):
            return i
        i += 1
    return -1


def mask_quoted(message: str) -> str:
    """Mask quoted values inside a tool's message ("Possible hardcoded password: 'x'")."""
    return redact_text(mask_string_literals(message))
