"""Judging values found in deployment files: image references and credential-like settings.

The facts (floating tags, credential words, placeholders) live in `rules/knowledge/deploy.toml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import knowledge, redact
from ..analysis import secrets as security_secrets
from ..models import Severity

_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+?=])?(?P<word>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


@knowledge.derived
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


def steps_down_by_default(ref: str) -> bool:
    """Official images whose entrypoint drops root for their own user (postgres, mysql…)."""
    return any(re.search(p, ref) for p in _table()["images"]["steps_down"]["patterns"])


def _path_parts(ref: str) -> list[str]:
    """The repository path of an image without its registry host (`ghcr.io/org/app` → org, app)."""
    parts = parse_image(ref).name.lower().split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return parts


def is_own_image(ref: str, own_names: frozenset[str]) -> bool:
    """Whether the image is the project's own: its namespace or name is the project's name
    (`freqtradeorg/freqtrade` for freqtrade, `ghcr.io/khoj-ai/terrarium` for khoj)."""
    if has_variable(ref):
        return False
    for part in _path_parts(ref):
        word = re.sub(r"[^a-z0-9]", "", part)
        if any(word == n or (len(n) >= 4 and word.startswith(n)) for n in own_names):
            return True
    return False


def own_channel(ref: str, problem: str) -> str:
    """The message for the project's own image on a moving tag: a release channel it
    publishes, still not reproducible."""
    tag = parse_image(ref).tag or "latest"
    return f"is the project's own image on its moving `{tag}` channel ({problem.split(' (')[0]})"


# --- credentials --------------------------------------------------------------------------
# Which names are credentials and which literals are secrets is the same question as in Python
# code (TTP402): `checks.security_secrets` answers it from rules/knowledge/secrets.toml.


def is_credential_name(name: str) -> bool:
    """A setting that holds a credential: named like one (rules/knowledge/secrets.toml), and
    neither a flag about one (`USE_ID_TOKEN`, `AUTH_ENABLED`) nor a variable a frontend build
    compiles into its public bundle (`VITE_*`, `NEXT_PUBLIC_*`)."""
    facts = _table()["credentials"]
    upper = name.upper()
    if upper in facts["not_secret_names"] or is_public_build_variable(name):
        return False
    if any(re.search(p, upper) for p in facts["flag_patterns"]):
        return False
    return security_secrets.is_credential_name(name)


def is_public_build_variable(name: str) -> bool:
    return name.upper().startswith(tuple(_table()["credentials"]["public_prefixes"]))


@dataclass(frozen=True)
class SecretValue:
    severity: Severity
    kind: str  # "a live OpenAI API key", "a literal value", "a weak default"
    value: str  # the secret part, for masking only: never print it


_KINDS = {"secret": (Severity.HIGH, "a literal value"), "weak": (Severity.LOW, "a weak default")}


def literal_secret(name: str, value: Any) -> SecretValue | None:
    """Whether `name = value` puts a credential into a file: a key in a known live format
    under any name (critical), a password in a URL (high), a literal under a credential-like
    name (high; low for weak defaults). Interpolations (`${VAR}`), placeholders, numbers and
    booleans are fine."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if has_variable(text) and not _VARIABLE.sub("", text).strip():
        return None
    found = redact.find_key(text)
    if found is not None:
        return SecretValue(Severity.CRITICAL, f"a live {found[0]}", found[1])
    if "://" in text:
        verdict = security_secrets.judge_url(text)
    elif is_credential_name(name) and not has_variable(text) and not _NUMBER.fullmatch(text):
        verdict = security_secrets.judge(name, text)
    else:
        return None
    if verdict is None:
        return None
    if verdict.kind == "key":
        return SecretValue(Severity.CRITICAL, f"a live {verdict.provider}", verdict.value)
    severity, kind = _KINDS.get(verdict.kind, _KINDS["secret"])
    return SecretValue(severity, "a password in a URL" if "://" in text else kind, verdict.value)


def masked(secret: SecretValue) -> str:
    """The length only; a key in a known public format also shows its 4-character prefix."""
    keep = 4 if redact.known_format(secret.value) else 0
    return redact.mask_value(secret.value, keep=keep)
