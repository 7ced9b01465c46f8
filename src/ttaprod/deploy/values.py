"""Judging values found in deployment files: image references and credential-like settings.

The facts (floating tags, credential words, placeholders) live in `rules/knowledge/deploy.toml`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import knowledge, redact
from ..models import Severity

_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+?=])?(?P<word>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@cache
def _table() -> dict[str, Any]:
    return knowledge.table("deploy")


def has_variable(text: str) -> bool:
    return "$" in text and _VARIABLE.search(text) is not None


def substitute(text: str, known: dict[str, str]) -> str:
    """Expand `$VAR`, `${VAR}`, `${VAR:-default}` from `known`; unknown variables stay as they are
    (a default is used when the variable is unknown)."""

    def repl(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        op, word = match.group("op") or "", match.group("word") or ""
        if name in known:
            value = known[name]
            if op.endswith("+"):
                return word if value or ":" not in op else ""
            if op.startswith(":") and op.endswith("-") and not value:
                return word
            return value
        if op.endswith("-") or op.endswith("="):
            return word
        return match.group(0)

    return _VARIABLE.sub(repl, text)


# --- images ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRef:
    name: str
    tag: str | None
    digest: str | None


def parse_image(ref: str) -> ImageRef:
    rest, _, digest = ref.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return ImageRef(rest[:colon], rest[colon + 1 :], digest or None)
    return ImageRef(rest, None, digest or None)


def image_problem(ref: str) -> str | None:
    """Why `ref` is not pinned ("has no tag", "uses the floating tag 'latest'"), or None when it
    is pinned, not pulled (`scratch`) or cannot be judged (a variable without a default)."""
    images = _table()["images"]
    if not ref or has_variable(ref) or ref.lower() in images["not_pulled"]:
        return None
    image = parse_image(ref)
    if image.digest:
        return None
    if image.tag is None:
        return "has no tag (implicitly `latest`)"
    if image.tag.lower() in images["floating_tags"]:
        return f"uses the floating tag `{image.tag}`"
    return None


def is_digest_pinned(ref: str) -> bool:
    return parse_image(ref).digest is not None


def runs_nonroot_by_default(ref: str) -> bool:
    return any(re.search(p, ref) for p in _table()["images"]["nonroot"]["patterns"])


# --- credentials --------------------------------------------------------------------------


def _words(name: str) -> list[str]:
    out: list[str] = []
    for part in re.split(r"[_\-.\s]+", name):
        out.extend(w.upper() for w in _WORDS.findall(part))
    return out


def is_credential_name(name: str) -> bool:
    creds = _table()["credentials"]
    if name.upper() in creds["not_secret_names"]:
        return False
    words = _words(name)
    if not words or words[-1] in creds["not_secret_suffixes"]:
        return False
    if any(w in creds["words"] for w in words):
        return True
    pairs = {tuple(p) for p in creds["pairs"]}
    return any(pair in pairs for pair in itertools.pairwise(words))


def _is_placeholder(value: str) -> bool:
    return any(re.search(p, value, re.IGNORECASE) for p in _table()["credentials"]["placeholders"])


@dataclass(frozen=True)
class SecretValue:
    severity: Severity
    kind: str  # "a live OpenAI API key", "a literal value", "a weak default", "a password in a URL"
    value: str  # the secret part, for masking only: never print it


def literal_secret(name: str, value: Any) -> SecretValue | None:
    """Whether `name = value` puts a credential into a file: a known key format under any name
    (critical), a password in a URL (high), or a literal under a credential-like name (high; low
    for weak defaults). Interpolations (`${VAR}`), placeholders, numbers and booleans are fine."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    provider = redact.known_format(text)
    if provider:
        return SecretValue(Severity.CRITICAL, f"a live {provider}", text)
    if has_variable(text) and not _VARIABLE.sub("", text).strip():
        return None
    url = re.match(_table()["credentials"]["url_with_password"], text)
    if url and not has_variable(url.group(1)) and not _is_placeholder(url.group(1)):
        return SecretValue(Severity.HIGH, "a password in a URL", url.group(1))
    if not is_credential_name(name) or has_variable(text) or _is_placeholder(text):
        return None
    if re.fullmatch(r"[0-9.]+|true|false|yes|no|on|off", text, re.IGNORECASE):
        return None
    if text.lower() in _table()["credentials"]["weak_defaults"]:
        return SecretValue(Severity.LOW, "a weak default", text)
    return SecretValue(Severity.HIGH, "a literal value", text)


def masked(secret: SecretValue) -> str:
    return redact.mask_value(secret.value)
