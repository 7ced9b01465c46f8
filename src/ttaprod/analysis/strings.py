"""Helpers on plain strings, shared by the detectors and the project checks: the words of a
name, the parts of a URL, and which hosts are local. No syntax tree (and no libcst) here: the
deployment files' checks use them on a run whose Python files all come from the cache.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import knowledge

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


@knowledge.derived
@lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """`openaiApiKey` / `OPENAI_API_KEY` / `x-api-key` → ("openai", "api", "key");
    digits are dropped (`password2` → ("password",))."""
    return tuple(w.lower() for w in _WORD.findall(name) if not w.isdigit())


# --- hosts ------------------------------------------------------------------------------------
@knowledge.derived
def _hosts() -> dict[str, Any]:
    return knowledge.table("tls")["exempt_hosts"]


@knowledge.derived
@lru_cache(maxsize=1024)
def is_local_host(host: str) -> bool:
    """localhost, loopback / private / link-local addresses, cluster and reserved names,
    and bare service names without dots (`redis`, `ollama`)."""
    table = _hosts()
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return True
    if host in table["names"]:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return bool(table.get("private_addresses")) and (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_unspecified
        )
    if "." not in host and table.get("bare_names"):
        return True
    if host in table["example_domains"]:
        return True
    return any(host.endswith(suffix) for suffix in table["suffixes"])


_URL = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?:(?P<user>[^:/@\s]*)(?::(?P<password>[^@/\s]*))?@)?"
    r"(?P<host>\[[^\]]*\]|[^/\s:?#@]*)"
)


@dataclass(frozen=True)
class Url:
    scheme: str
    host: str
    user: str | None
    password: str | None
    host_complete: bool  # the literal holds the whole host (not cut by an f-string field)


def parse_url(text: str, complete: bool = True) -> Url | None:
    match = _URL.match(text)
    if match is None:
        return None
    end = match.end("host")
    host_complete = complete or (end < len(text) and text[end] in "/:?#")
    return Url(
        match.group("scheme").lower(),
        match.group("host"),
        match.group("user"),
        match.group("password"),
        host_complete,
    )
