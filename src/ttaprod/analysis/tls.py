"""`rules/knowledge/tls.toml` and the libraries' TLS keywords and URL positions (outbound.toml),
compiled once, and the pure verdicts of the TLS rules:
is a keyword value "verification off", is a name URL-like, what a URL literal is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import knowledge
from . import targets
from .strings import Url, is_local_host, parse_url, words

Off = tuple[Any, ...]  # literal values that turn verification off


@dataclass(frozen=True)
class TlsKnowledge:
    by_call: Mapping[str, Mapping[str, Off]]  # qualname → keyword → off values
    by_method: Mapping[tuple[str, str], Mapping[str, Off]]  # (class, method) → keyword → off
    unresolved_methods: frozenset[str]
    unresolved_keywords: frozenset[str]
    setting_keywords: frozenset[str]  # every keyword above, and the hostname checks
    unverified: frozenset[str]
    cert_none: frozenset[str]
    ssl_apis: frozenset[str]  # both sets above
    ssl_names: frozenset[str]  # last parts of the above: the cheap test on every name
    hostname_checks: frozenset[str]
    session_verify_attrs: frozenset[str]
    session_classes: frozenset[str]
    plaintext: frozenset[str]
    secure: frozenset[str]
    name_heads: frozenset[str]
    name_skip: frozenset[str]
    url_calls: Mapping[str, int]
    url_methods: Mapping[tuple[str, str], int]
    identifier_hosts: frozenset[str]
    identifier_prefixes: tuple[str, ...]

    @property
    def prefilter_words(self) -> frozenset[str]:
        """Words a file must hold for TTP403 to find anything in it."""
        return self.setting_keywords | self.ssl_names | self.session_verify_attrs


@knowledge.derived
def load() -> TlsKnowledge:
    t = knowledge.table("tls")
    libraries = targets.tls()
    by_call = libraries.by_call
    by_method = libraries.by_method
    url_calls = dict(libraries.url_calls)
    for entry in t["url_calls"]:
        for call in entry.get("calls", ()):
            url_calls[call] = entry["index"]
    ssl = t["ssl"]
    urls = t["urls"]
    keywords = {kw for specs in (*by_call.values(), *by_method.values()) for kw in specs}
    keywords |= set(t["unresolved"]["keywords"]) | set(ssl["hostname_checks"])
    unverified = frozenset(ssl["unverified_factories"])
    cert_none = frozenset(ssl["cert_none"])
    return TlsKnowledge(
        by_call=by_call,
        by_method=by_method,
        unresolved_methods=frozenset(t["unresolved"]["methods"]),
        unresolved_keywords=frozenset(t["unresolved"]["keywords"]),
        setting_keywords=frozenset(keywords),
        unverified=unverified,
        cert_none=cert_none,
        ssl_apis=unverified | cert_none,
        ssl_names=frozenset(q.rsplit(".", 1)[-1] for q in unverified | cert_none),
        hostname_checks=frozenset(ssl["hostname_checks"]),
        session_verify_attrs=frozenset(ssl["session_verify_attrs"]),
        session_classes=libraries.session_classes,
        plaintext=frozenset(urls["plaintext_schemes"]),
        secure=frozenset(urls["secure_schemes"]),
        name_heads=frozenset(urls["name_heads"]),
        name_skip=frozenset(urls["name_skip_words"]),
        url_calls=url_calls,
        url_methods=libraries.url_methods,
        identifier_hosts=frozenset(t["identifier_urls"]["hosts"]),
        identifier_prefixes=tuple(t["identifier_urls"]["host_prefixes"]),
    )


def is_off(value: Any, off: Off) -> bool:
    """`verify=False` against off=(False,): compared by type too, so 0 is not False."""
    return any(type(value) is type(o) and value == o for o in off)


@knowledge.derived
@lru_cache(maxsize=4096)
def is_url_name(name: str) -> bool:
    """BASE_URL, api_base, endpoint, webhookUrl, OLLAMA_HOST, redirect_uri; not
    SCHEMA_URL, LICENSE_URL, proxy_url, xmlns."""
    k = load()
    w = words(name)
    if not w or w[-1] not in k.name_heads:
        return False
    return not any(part in k.name_skip for part in w)


@dataclass(frozen=True)
class UrlVerdict:
    kind: str  # "plaintext" (TTP404), "secure", "local" (covered sites)
    url: Url


def judge_url(text: str, complete: bool = True) -> UrlVerdict | None:
    """None when `text` is not a URL ttaprod can judge (no scheme, a host cut by an
    f-string field, an identifier such as an XML namespace)."""
    k = load()
    url = parse_url(text, complete)
    if url is None or not url.host or not url.host_complete:
        return None
    if url.scheme not in k.plaintext and url.scheme not in k.secure:
        return None
    host = url.host.lower()
    if host in k.identifier_hosts or host.startswith(k.identifier_prefixes):
        return None
    if url.scheme in k.secure:
        return UrlVerdict("secure", url)
    if is_local_host(host):
        return UrlVerdict("local", url)
    return UrlVerdict("plaintext", url)
