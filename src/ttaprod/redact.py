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

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from . import knowledge

T = TypeVar("T")


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


# --- the output boundary ------------------------------------------------------------------------
# Every text that leaves ttaprod (each formatter, the cache, the baseline, --verbose) goes
# through `scrub`: whatever the rule or tool that produced it knew, a credential-shaped value
# never gets out. It masks, in any text:
#   - tokens in a known key format (`redact_text`);
#   - the password (or a long token) in a URL's user-info: `https://admin:…(8 chars)@host`;
#   - on a line where a credential-like name (its last word a `[names]` head of
#     `secrets.toml`: password, db_password, aws_secret_access_key, Authorization…) is
#     followed by `=` or `:`, every string literal after it (an unterminated one to the end of
#     the line) and an unquoted `NAME=value` / `NAME: value`: source lines a tool echoes,
#     lines of files that did not parse, snippets taken from the wrong line.
# Masking is idempotent: a masked text passes through unchanged.
_URL_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^\s/@:'\"`<>]*)"
    r"(?::(?P<password>[^\s/@'\"`<>]*))?@(?=[^\s/@])"
)
_NAME_BEFORE_VALUE = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)(?P<quote>[\"'`]?)(?P<space>\s*)(?P<op>[:=])(?P<after>\s*)"
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_UNQUOTED = re.compile(r"[^\s'\"(),;\[\]{}<>&|`]+")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


@knowledge.derived
def _credential_words() -> tuple[frozenset[str], frozenset[str]]:
    names = knowledge.table("secrets").get("names", {})
    heads = frozenset(str(h).lower() for h in names.get("heads", ()))
    qualifiers = frozenset(str(q).lower() for q in names.get("key_qualifiers", ()))
    return heads, qualifiers


def is_credential_name(name: str) -> bool:
    """Whether a binding's name ends in a credential word: `db_password`, `apiKey`,
    `AWS_SECRET_ACCESS_KEY`, `Authorization` (not `author`, `token_url`, `sort_key`)."""
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words:
        return False
    heads, qualifiers = _credential_words()
    if words[-1] in heads:
        return True
    return words[-1] == "key" and len(words) > 1 and words[-2] in qualifiers


def _mask_userinfo(match: re.Match[str]) -> str:
    user, password = match.group("user"), match.group("password")
    if password is not None:
        shown = password if not password or _MASKED.fullmatch(password) else mask_value(password)
        return f"{match.group('scheme')}{user}:{shown}@"
    if len(user) >= 16 and not _MASKED.fullmatch(user):  # a token as the user name
        return f"{match.group('scheme')}{mask_value(user)}@"
    return match.group(0)


def _mask_assignments(line: str) -> str:
    for match in _NAME_BEFORE_VALUE.finditer(line):
        if not is_credential_name(match.group("name")):
            continue
        start = match.end()
        rest = line[start:]
        if any(q in rest for q in "'\""):
            return line[:start] + mask_string_literals(rest)
        if match.group("op") == ":" and not match.group("after"):
            continue  # `token:` in a message, a dict slice, a URL's port
        value = _UNQUOTED.match(rest)
        if value is None or _MASKED.match(rest) or rest.startswith("…"):
            continue
        end = value.end()
        word = value.group(0)
        if _DOTTED.fullmatch(word) or rest[end : end + 1] in ("(", "["):
            continue  # code: a call or an attribute, not a value
        if match.group("op") == "=" and (match.group("space") or match.group("after")):
            continue  # `password = get_password` in code: a name, not a value
        return line[:start] + mask_value(word) + rest[end:]
    return line


def scrub(text: str) -> str:
    """`text` with every credential-shaped value masked (see above)."""
    if not text:
        return text
    text = redact_text(text)
    if "://" in text and "@" in text:
        text = _URL_USERINFO.sub(_mask_userinfo, text)
    if "=" in text or ":" in text:
        text = "\n".join(_mask_assignments(line) for line in text.split("\n"))
    return text


# --- what a terminal may be sent --------------------------------------------------------------
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (a file name), as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, newlines: bool = False) -> str:
    """`text` safe to show a person: control characters (escape sequences, a carriage return
    that would overwrite the line), bidirectional and invisible formatting characters, line
    separators, and undecodable bytes of a file name are written as `\\x1b`, `\\u202e`,
    `\\xff`. Tabs stay; line feeds stay only with `newlines` (a message of several lines)."""
    if newlines and "\n" in text:
        return "\n".join(_UNPRINTABLE.sub(_escape, part) for part in text.split("\n"))
    return _UNPRINTABLE.sub(_escape, text)


def encodable(text: str) -> str:
    """`text` that UTF-8 can encode: the undecodable bytes of a file name (kept by Python as
    lone surrogates) written as `\\xff`."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(_escape, text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_values(value: T, human: bool = False) -> T:
    """`value` (a report, a finding, any frozen dataclass, tuple, list or dict of them) with
    every string in it through `scrub` and `encodable`, and `printable` too for a format a
    person reads (line feeds kept only in fields of free text: messages, fixes, reasons,
    notes). Enums (severities, statuses) and numbers are kept as they are."""
    return _scrub(value, human, "")  # type: ignore[return-value]


MULTILINE_FIELDS = frozenset({"message", "fix", "reason", "reasons", "note", "notes", "diff"})


def _scrub(value: Any, human: bool, field: str) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        text = encodable(scrub(value))
        return printable(text, newlines=field in MULTILINE_FIELDS) if human else text
    if isinstance(value, tuple):
        return tuple(_scrub(v, human, field) for v in value)
    if isinstance(value, list):
        return [_scrub(v, human, field) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, human, field): _scrub(v, human, field) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for item in dataclasses.fields(value):
            if not item.init:
                continue
            old = getattr(value, item.name)
            new = _scrub(old, human, item.name)
            if new is not old and new != old:
                changes[item.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value
