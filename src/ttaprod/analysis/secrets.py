"""`rules/knowledge/secrets.toml`, compiled once: which names are credentials, which values
are not secrets, where secrets are read at run time. `judge` is the pure verdict on one
literal bound to one name; the detector in secrets.py decides where to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .. import knowledge, redact
from ..engine.problem import Problem
from ..models import Severity
from .strings import is_local_host, parse_url, words

PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pw", "pass", "passphrase"})
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")  # names, env vars, header names
# A plain word: what a lexer or parser calls a token (`_COLUMN_TOKEN = "column"`,
# `default_metavalue_token = "DEFAULT"`), never what an API issues (random, with digits).
_PLAIN_WORD = re.compile(r"[A-Za-z]+(?:[ _-][A-Za-z]+)*")
# Password hashes (bcrypt $2b$, argon2, scrypt, crypt(3) $1$/$5$/$6$, Django's pbkdf2_sha256$):
# what a service stores to check a password, not the password.
_HASH = re.compile(
    r"^\$(?:2[abxy]?|argon2(?:id|i|d)|scrypt|[156])\$|^(?:pbkdf2_\w+|bcrypt\w*|argon2|scrypt)\$"
)
_REGEX = re.compile(r"\\[wdsWDSbB]|\(\?[:=!<P]|\[\^")  # \w, (?:, [^ … : a pattern
_PATH_PREFIXES = ("/", "./", "../", "~/")
_KV = r"(?i)(?:^|[\s;])(?:{keys})\s*=\s*(?P<{group}>[^\s;'\"]+)"
_KV_PASSWORD = re.compile(_KV.format(keys="password|passwd|pwd", group="pw"))
_KV_HOST = re.compile(
    _KV.format(keys="host|hostaddr|server|data source|address|addr", group="host")
)
_KV_USER = re.compile(_KV.format(keys="user|username|uid|user id", group="user"))


@dataclass(frozen=True)
class Reader:
    """Where an env reader takes its default."""

    index: int | None
    keyword: str | None


@dataclass(frozen=True)
class Knowledge:
    heads: frozenset[str]
    key_qualifiers: frozenset[str]
    token_not_after: frozenset[str]
    not_if_first: frozenset[str]
    weak: frozenset[str]
    scheme_words: frozenset[str]
    contextual: tuple[tuple[str, re.Pattern[str], re.Pattern[str], float], ...]
    env_calls: dict[str, Reader]
    env_methods: dict[tuple[str, str], Reader]
    store_subscripts: frozenset[str]
    store_calls: frozenset[str]
    store_methods: frozenset[str]
    settings_bases: frozenset[str]
    wrappers: dict[str, Reader]
    password_calls: dict[str, int]
    password_methods: dict[tuple[str, str], int]
    pair_keywords: frozenset[str]
    auth_prefixes: tuple[str, ...]


@knowledge.derived
def load() -> Knowledge:
    t = knowledge.table("secrets")
    env_calls: dict[str, Reader] = {}
    env_methods: dict[tuple[str, str], Reader] = {}
    for entry in t["env_readers"]:
        reader = Reader(entry.get("default_arg"), entry.get("default_kw"))
        if "call" in entry:
            env_calls[entry["call"]] = reader
        for ctor in entry.get("methods_of", ()):
            for method in entry.get("methods", ()):
                env_methods[(ctor, method)] = reader
    wrappers = {
        call: Reader(entry.get("positional"), entry.get("keyword"))
        for entry in t["value_wrappers"]
        for call in entry["calls"]
    }
    password_calls: dict[str, int] = {}
    password_methods: dict[tuple[str, str], int] = {}
    for entry in t["password_args"]:
        for call in entry.get("calls", ()):
            password_calls[call] = entry["index"]
        for ctor in entry.get("methods_of", ()):
            password_methods[(ctor, entry["method"])] = entry["index"]
    names = t["names"]
    stores = t["secret_stores"]
    return Knowledge(
        heads=frozenset(names["heads"]),
        key_qualifiers=frozenset(names["key_qualifiers"]),
        token_not_after=frozenset(names["token_not_after"]),
        not_if_first=frozenset(names["not_if_first"]),
        weak=frozenset(v.lower() for v in t["weak_defaults"]["values"]),
        scheme_words=frozenset(v.lower() for v in t["scheme_words"]["values"]),
        contextual=tuple(
            (c["name"], re.compile(c["names"]), re.compile(c["pattern"]), float(c["min_entropy"]))
            for c in t.get("contextual", ())
        ),
        env_calls=env_calls,
        env_methods=env_methods,
        store_subscripts=frozenset(stores["subscripts"]),
        store_calls=frozenset(stores["calls"]),
        store_methods=frozenset(stores["methods"]),
        settings_bases=frozenset(t["settings_classes"]["bases"]),
        wrappers=wrappers,
        password_calls=password_calls,
        password_methods=password_methods,
        pair_keywords=frozenset(t["pair_keywords"]["names"]),
        auth_prefixes=tuple(t["auth_schemes"]["prefixes"]),
    )


@knowledge.derived
@lru_cache(maxsize=4096)
def is_credential_name(name: str) -> bool:
    """Judged by the last word: `api_key`, `DB_PASSWORD`, `clientSecret`, `x-api-key`,
    `Authorization` are credentials; `token_type`, `password_field`, `api_key_env`,
    `max_tokens`, `eos_token`, `cache_key` are not."""
    k = load()
    w = words(name)
    if len(w) == 0 or not _IDENTIFIER.fullmatch(name) or (len(w) > 1 and w[0] in k.not_if_first):
        return False
    head = w[-1]
    if head == "key":
        return len(w) > 1 and w[-2] in k.key_qualifiers
    if head not in k.heads:
        return False
    return not (head == "token" and len(w) > 1 and w[-2] in k.token_not_after)


@knowledge.derived
@lru_cache(maxsize=4096)
def mentions_credential(name: str) -> bool:
    """Whether any word of `name` names a credential (`TOKEN_TYPE`, `password_field`,
    `CATALOG_TOKEN_ENV`): the names the external tools' password checks flag, whatever
    their last word says."""
    heads = load().heads
    return _IDENTIFIER.fullmatch(name) is not None and any(w in heads for w in words(name))


@dataclass(frozen=True)
class Verdict:
    kind: str  # "key": a live key format (TTP401); "secret" / "weak": TTP402
    value: str  # what to mask in the message
    provider: str = ""


def judge(name: str, text: str, label_ok: bool = False) -> Verdict | None:
    """Is `text`, bound to `name` (already known to be credential-like), a hard-coded secret?

    `label_ok`: the binding may hold the field's own name as a label (`PASSWORD = "password"`
    in a constants module or an Enum, `{"password": "password"}`); for a keyword argument,
    a parameter default, an env var default or a settings field the same value is a weak
    password."""
    verdict = judgement(name, text, label_ok)
    return verdict if isinstance(verdict, Verdict) else None


def judgement(name: str, text: str, label_ok: bool = False) -> Verdict | str:
    """`judge`, with the reason when `text` is not a credential: what it is instead ("a
    placeholder", "an environment variable name"…). The reason never quotes the value."""
    k = load()
    value = text.strip()
    if not value:
        return "an empty string"
    found = redact.find_key(value)
    if found is not None:
        return Verdict("key", found[1], found[0])
    for provider, name_re, value_re, min_entropy in k.contextual:
        if (
            name_re.search(name)
            and value_re.match(value)
            and redact.shannon_entropy(value) >= min_entropy
            and not redact.looks_like_placeholder(value)
        ):
            return Verdict("key", value, provider)
    for prefix in k.auth_prefixes:
        if value.startswith(prefix):
            value = value[len(prefix) :].strip()
            break
    if not value:
        return "an authentication scheme with no credential after it"
    if redact.looks_like_placeholder(value):
        return "a placeholder"
    lowered = value.lower()
    name_words = words(name)
    if lowered in k.scheme_words and name_words[-1] not in PASSWORD_WORDS:
        return "the name of an authentication scheme or a switch"
    value_words = words(value)
    if label_ok and value_words and name_words[-len(value_words) :] == value_words:
        return "the field's own name, used as a label"  # FIELD_PASSWORD = "password"
    if name_words[-1] == "token" and len(value) < 24 and _PLAIN_WORD.fullmatch(value):
        return "a lexical token (a plain word), not an issued one"
    if "://" in value:
        return _url_judgement(value)
    if lowered in k.weak:
        return Verdict("weak", value)
    shape = shape_reason(value)
    if shape:
        return shape
    return Verdict("secret", value)


def judge_url(text: str) -> Verdict | None:
    """A URL with a password in it (`postgresql://app:pw@db.prod.net/app`); dev defaults
    on local hosts (`postgres:postgres@localhost`) and placeholders are not reported."""
    verdict = _url_judgement(text)
    return verdict if isinstance(verdict, Verdict) else None


def _url_judgement(text: str) -> Verdict | str:
    url = parse_url(text)
    if url is None or not url.password:
        return "a URL with no password in it"
    if not url.host_complete:
        return "a URL whose host is built at run time"
    if is_local_host(url.host):
        return "a URL to a local host (a development default)"
    return _password_judgement(url.password, url.user)


def judge_connection_string(text: str) -> Verdict | None:
    """A key=value connection string with a password for a non-local server
    (`"host=db.prod.net user=app password=…"`, `"Server=tcp:x.net,1433;Pwd=…"`)."""
    match = _KV_PASSWORD.search(text)
    if match is None:
        return None
    host = _KV_HOST.search(text)
    if host is None or is_local_host(_server_host(host.group("host"))):
        return None  # no host: libpq and ODBC default to the local machine
    user = _KV_USER.search(text)
    verdict = _password_judgement(match.group("pw"), user.group("user") if user else None)
    return verdict if isinstance(verdict, Verdict) else None


def _server_host(server: str) -> str:
    """`tcp:db.acme.net,1433` / `db.acme.net:5432` / `(localdb)\\v11` → the host name."""
    if server.lower().startswith(("tcp:", "np:", "lpc:")):
        server = server.split(":", 1)[1]
    server = server.split(",", 1)[0]
    if server.startswith("(") or server.startswith("."):
        return "localhost"  # (localdb)\instance, .\SQLEXPRESS
    return server.rsplit(":", 1)[0] if server.count(":") == 1 else server


def _password_judgement(password: str, user: str | None) -> Verdict | str:
    if redact.looks_like_placeholder(password) or password.startswith(("$", "%", "{", "<")):
        return "a URL with a placeholder for its password"
    if password.lower() in load().weak or password == user:
        return Verdict("weak", password)
    return Verdict("secret", password)


def not_secret_shape(value: str) -> bool:
    """Env var names, file paths, regular expressions, prose and one- or two-character
    sentinels."""
    return bool(shape_reason(value))


def shape_reason(value: str) -> str:
    """What `value` is when its shape says it is no secret (`not_secret_shape`), else ""."""
    if len(value) <= 2:
        return "too short to be a secret (a sentinel)"
    if _ENV_NAME.fullmatch(value):
        return "an environment variable name"
    if _REGEX.search(value):
        return "a regular expression"
    if _HASH.match(value):
        return "a password hash"
    if value.startswith(_PATH_PREFIXES) and value.count("/") >= 2 and " " not in value:
        return "a file path"
    if " " in value:
        parts = value.split()
        if value[-1] in ":?.!" or len(parts) >= 5:
            return "prose"
    return ""


# --- messages: the value never appears, only its length (and a known format's prefix) ----
def key_problem(verdict: Verdict, label: str) -> Problem:
    """TTP401. `label` says where the key sits: "`api_key`", "a string literal", "a comment"."""
    masked = redact.mask_value(verdict.value, keep=4)
    return Problem(
        "TTP401",
        f"{verdict.provider} hard-coded in {label} ({masked}); revoke it and read it "
        "from the environment or a secret store",
        fix="revoke the key now, then load it with os.environ[...] or a secret store",
        fingerprint_text=f"{verdict.provider}:{label}:{masked}",
        snippet_mask=True,
    )


def credential_problem(verdict: Verdict, label: str, in_test: bool) -> Problem:
    """TTP402: high, low for a weak default, info in a test file."""
    masked = redact.mask_value(verdict.value, keep=0)
    if verdict.kind == "key":  # a live-format key while TTP401 is not selected
        message = f"{label} holds a hard-coded {verdict.provider} ({masked})"
    elif label.startswith("connection"):
        weak = "weak " if verdict.kind == "weak" else ""
        message = f"{label} embeds a {weak}hard-coded password ({masked})"
    elif verdict.kind == "weak":
        message = f"{label} has a weak hard-coded default ({masked})"
    else:
        message = f"{label} is bound to a hard-coded credential ({masked})"
    severity = Severity.LOW if verdict.kind == "weak" else None
    return Problem(
        "TTP402",
        message + "; read it from the environment or a secret store",
        severity=Severity.INFO if in_test else severity,
        fix='os.environ["NAME"] (fails fast when unset) or a secret-store lookup',
        fingerprint_text=f"{label}:{masked}",
        snippet_mask=True,
    )
