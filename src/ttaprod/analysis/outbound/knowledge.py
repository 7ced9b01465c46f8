"""rules/knowledge/outbound.toml as indexed values for the outbound-call classifier: the
libraries of the outbound categories (`targets.OUTBOUND`), their requests and clients,
defaults, and the timeout/retry wrappers that protect calls from outside."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ... import knowledge as _knowledge
from ..targets import JUDGED_KINDS, OUTBOUND


@dataclass(frozen=True)
class Library:
    id: str
    display: str
    timeout_default_s: float | None
    timeout_default: str  # "ok" | "info" | "low" | "high": relying on the default
    timeout_phrase: str
    timeout_fix: str
    retries_default: int
    retries_phrase: str
    retry_fix: str
    retry_applies: bool
    disabled_by: frozenset[str]  # timeout classes that disable it when built with only None


@dataclass(frozen=True)
class CallSpec:
    library: Library
    kind: str  # "request" | "connect"
    timeout_keyword: str
    timeout_position: int | None
    is_async: bool


@dataclass(frozen=True)
class ClientSpec:
    library: Library
    name: str
    is_async: bool
    timeout_keyword: str | None
    timeout_position: int | None
    retries_keyword: str | None
    transport_keyword: str | None
    methods: frozenset[str] | None  # None: any method at min_depth or deeper (SDKs)
    min_depth: int
    skip_methods: frozenset[str]
    call_timeout_keyword: str | None
    call_timeout_positions: Mapping[str, int]
    option_methods: frozenset[str]
    mount_method: str | None


@dataclass(frozen=True)
class RetrySetting:
    """An adapter or transport class whose `keyword` argument sets retries."""

    keyword: str
    position: int | None
    default: int


@dataclass(frozen=True)
class Passthrough:
    func_position: int
    forwards_keywords: bool
    is_async: bool


@dataclass(frozen=True)
class Knowledge:
    calls: Mapping[str, CallSpec]
    call_prefixes: tuple[tuple[str, CallSpec], ...]
    clients: Mapping[str, ClientSpec]
    adapters: Mapping[str, RetrySetting]
    transports: Mapping[str, RetrySetting]
    passthrough: Mapping[str, Passthrough]
    passthrough_methods: Mapping[str, Passthrough]
    option_methods: frozenset[str]
    retry_objects: frozenset[str]
    top_modules: frozenset[str]  # first segment of every known name: a cheap early exit
    needs: tuple[bytes, ...]
    raw: Mapping[str, Any] = field(repr=False)


def _library(raw: Mapping[str, Any]) -> Library:
    return Library(
        id=raw["id"],
        display=raw["display"],
        timeout_default_s=raw.get("timeout_default_s"),
        timeout_default=raw.get("timeout_default", "high"),
        timeout_phrase=raw.get("timeout_phrase", ""),
        timeout_fix=raw.get("timeout_fix", ""),
        retries_default=int(raw.get("retries_default", 0)),
        retries_phrase=raw.get("retries_phrase", ""),
        retry_fix=raw.get("retry_fix", ""),
        retry_applies=bool(raw.get("retry_applies", True)),
        disabled_by=frozenset(raw.get("disabled_by", ())),
    )


def _client(lib: Library, raw: Mapping[str, Any]) -> ClientSpec:
    methods = raw.get("methods")
    return ClientSpec(
        library=lib,
        name=raw["names"][0],
        is_async=bool(raw.get("async", False)),
        timeout_keyword=raw.get("timeout_keyword"),
        timeout_position=raw.get("timeout_position"),
        retries_keyword=raw.get("retries_keyword"),
        transport_keyword=raw.get("transport_keyword"),
        methods=None if raw.get("any_method") else frozenset(methods or ()),
        min_depth=int(raw.get("min_depth", 1)),
        skip_methods=frozenset(raw.get("skip_methods", ())),
        call_timeout_keyword=raw.get("call_timeout_keyword"),
        call_timeout_positions=dict(raw.get("call_timeout_positions", {})),
        option_methods=frozenset(raw.get("option_methods", ())),
        mount_method=raw.get("mount_method"),
    )


def _retry_setting(raw: Mapping[str, Any]) -> RetrySetting:
    return RetrySetting(
        raw["retries_keyword"], raw.get("retries_position"), int(raw.get("retries_default", 0))
    )


@_knowledge.derived
def knowledge() -> Knowledge:
    """rules/knowledge/outbound.toml, indexed by qualified name."""
    raw = _knowledge.table("outbound")
    calls: dict[str, CallSpec] = {}
    prefixes: list[tuple[str, CallSpec]] = []
    clients: dict[str, ClientSpec] = {}
    adapters: dict[str, RetrySetting] = {}
    transports: dict[str, RetrySetting] = {}
    needs: list[bytes] = []
    for raw_lib in raw.get("library", ()):
        if raw_lib["category"] not in OUTBOUND:
            continue
        lib = _library(raw_lib)
        needs.extend(token.encode() for token in raw_lib.get("needs", ()))
        for entry in raw_lib.get("calls", ()):
            if entry["kind"] not in JUDGED_KINDS:
                continue
            spec = CallSpec(
                lib,
                entry["kind"],
                entry["timeout_keyword"],
                entry.get("timeout_position"),
                bool(entry.get("async", False)),
            )
            calls.update(dict.fromkeys(entry["names"], spec))
            prefixes.extend((prefix, spec) for prefix in entry.get("prefixes", ()))
        for entry in raw_lib.get("clients", ()):
            clients.update(dict.fromkeys(entry["names"], _client(lib, entry)))
        for entry in raw_lib.get("adapters", ()):
            adapters.update(dict.fromkeys(entry["names"], _retry_setting(entry)))
        for entry in raw_lib.get("transports", ()):
            transports.update(dict.fromkeys(entry["names"], _retry_setting(entry)))
    passthrough: dict[str, Passthrough] = {}
    passthrough_methods: dict[str, Passthrough] = {}
    for entry in raw.get("passthrough", ()):
        value = Passthrough(
            int(entry["func_position"]), bool(entry["forwards_keywords"]), bool(entry["async"])
        )
        passthrough.update(dict.fromkeys(entry.get("names", ()), value))
        passthrough_methods.update(dict.fromkeys(entry.get("methods", ()), value))
    names = [*calls, *(p for p, _ in prefixes), *clients, *passthrough]
    return Knowledge(
        calls=calls,
        call_prefixes=tuple(prefixes),
        clients=clients,
        adapters=adapters,
        transports=transports,
        passthrough=passthrough,
        passthrough_methods=passthrough_methods,
        option_methods=frozenset(m for c in clients.values() for m in c.option_methods),
        retry_objects=frozenset(raw.get("retry_objects", {}).get("names", ())),
        top_modules=frozenset(n.split(".", 1)[0] for n in names),
        needs=tuple(dict.fromkeys(needs)),
        raw=raw,
    )


# --- wrappers -------------------------------------------------------------------------------

ASYNC_ONLY, ANYTHING = 1, 2  # what a timeout wrapper can interrupt (see Protection)


@dataclass(frozen=True)
class TimeoutWrapper:
    """Bounds a call from outside (`asyncio.wait_for`, `asyncio.timeout`, `anyio.fail_after`)."""

    form: str  # "call" | "context" | "decorator_factory"
    target_position: int  # form "call": where the bounded awaitable is
    delay_keyword: str
    delay_position: int
    level: int  # ASYNC_ONLY (cancellation) or ANYTHING (signals)
    display: str


@dataclass(frozen=True)
class RetryWrapper:
    """Retries a call from outside (tenacity, backoff, stamina)."""

    forms: frozenset[str]  # "decorator", "decorator_factory", "loop", "call"
    display: str
    call_target: int = 0  # form "call": where the function is among the arguments


@dataclass(frozen=True)
class Wrappers:
    timeouts: Mapping[str, TimeoutWrapper]
    retries: Mapping[str, RetryWrapper]


@_knowledge.derived
def wrappers() -> Wrappers:
    """The timeout and retry wrappers of outbound.toml, by qualified name."""
    raw = _knowledge.table("outbound")
    timeouts: dict[str, TimeoutWrapper] = {}
    for entry in raw.get("timeout_wrappers", ()):
        for name in entry["names"]:
            timeouts[name] = TimeoutWrapper(
                entry["form"],
                int(entry.get("target_position", 0)),
                entry.get("delay_keyword", ""),
                int(entry.get("delay_position", 0)),
                ANYTHING if entry.get("interrupts") == "any" else ASYNC_ONLY,
                name,
            )
    retries: dict[str, RetryWrapper] = {}
    for entry in raw.get("retry_wrappers", ()):
        for name in entry["names"]:
            retries[name] = RetryWrapper(
                frozenset(entry["forms"]),
                entry.get("display", name),
                int(entry.get("call_target", 0)),
            )
    return Wrappers(timeouts, retries)
