"""The one table of call targets (`rules/knowledge/outbound.toml`), seen by each rule that
selects from it: what blocks inside `async def`, which clients hold a connection pool, which
keywords turn TLS verification off, where a fetched URL is, and which calls write.

The outbound-call classifier (`analysis/outbound`) reads the same rows for the categories
whose calls are judged for timeouts and retries (`OUTBOUND`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .. import knowledge
from ..models import Severity

OUTBOUND = frozenset({"http", "llm", "cloud", "transport"})  # timeouts and retries judged
CATEGORIES = OUTBOUND | {"db", "cache", "queue", "search", "vector", "file", "process", "sleep"}
JUDGED_KINDS = frozenset({"request", "connect"})
CALL_KINDS = JUDGED_KINDS | {"blocking", "engine", "connection"}
_OUTBOUND_KEYS = ("timeout_phrase", "retries_phrase", "timeout_fix", "retry_fix")


@knowledge.derived
def libraries() -> tuple[Mapping[str, Any], ...]:
    """The library rows, checked beyond their shape: known categories and call kinds, the
    timeout and retry texts every outbound library needs, a hint for every blocking one."""
    rows = tuple(knowledge.table("outbound")["library"])
    for lib in rows:
        where = f"rules/knowledge/outbound.toml: library '{lib['id']}'"
        if lib["category"] not in CATEGORIES:
            raise knowledge.KnowledgeError(f"{where}: unknown category '{lib['category']}'")
        for call in lib.get("calls", ()):
            if call["kind"] not in CALL_KINDS:
                raise knowledge.KnowledgeError(f"{where}: unknown call kind '{call['kind']}'")
            if call["kind"] in ("engine", "connection") and not {"what", "fix"} <= set(call):
                raise knowledge.KnowledgeError(f"{where}: {call['kind']} calls need what and fix")
        judged = any(c["kind"] in JUDGED_KINDS for c in lib.get("calls", ())) or lib.get("clients")
        if lib["category"] in OUTBOUND and judged:
            missing = [key for key in _OUTBOUND_KEYS if key not in lib]
            if missing:
                raise knowledge.KnowledgeError(f"{where}: an outbound library needs {missing}")
        if "blocking" in lib and "async_hint" not in lib:
            raise knowledge.KnowledgeError(f"{where}: a blocking library needs async_hint")
    return rows


def _names(entries: Any) -> Iterator[tuple[Mapping[str, Any], str]]:
    for entry in entries or ():
        for name in entry.get("names", ()):
            yield entry, name


# --- blocking calls (performance.async-io) -----------------------------------------------
@dataclass(frozen=True)
class Blocking:
    severity: Severity
    hint: str


@dataclass(frozen=True)
class MethodRule:
    methods: frozenset[str] | None  # dotted paths after the instance; None: any method
    excluded: frozenset[str]  # first path segments "any method" does not cover
    min_depth: int
    blocking: Blocking

    def covers(self, path: str) -> bool:
        if self.methods is not None:
            return path in self.methods
        first = path.split(".", 1)[0]
        depth = path.count(".") + 1
        return depth >= self.min_depth and first not in self.excluded and not first.startswith("_")


@dataclass(frozen=True)
class BlockingTable:
    calls: Mapping[str, Blocking]
    methods: Mapping[str, tuple[MethodRule, ...]]
    offloaders: frozenset[str]  # functions that run a callable in a thread (asyncio.to_thread)
    offloader_methods: frozenset[str]  # methods that do (loop.run_in_executor)
    needs: tuple[bytes, ...]


@knowledge.derived
def blocking_table() -> BlockingTable:
    """Every synchronous call, client method and object method of a library that blocks."""
    calls: dict[str, Blocking] = {}
    methods: dict[str, list[MethodRule]] = {}
    needs: list[bytes] = []
    for lib in libraries():
        if "blocking" not in lib:
            continue
        needs.extend(token.encode() for token in lib.get("needs", ()))

        def blocking(entry: Mapping[str, Any], lib: Mapping[str, Any] = lib) -> Blocking:
            return Blocking(Severity(lib["blocking"]), entry.get("async_hint", lib["async_hint"]))

        for entry, name in _names(lib.get("calls")):
            if not entry.get("async", False) and entry.get("blocks", True):
                calls[name] = blocking(entry)
        for entry, name in _names(lib.get("clients")):
            if entry.get("async", False):
                continue
            listed = entry.get("methods")
            rule = MethodRule(
                None if entry.get("any_method") else frozenset(listed or ()),
                frozenset((*entry.get("skip_methods", ()), *entry.get("option_methods", ()))),
                int(entry.get("min_depth", 1)),
                blocking(entry),
            )
            methods.setdefault(name, []).append(rule)
        for entry, name in _names(lib.get("objects")):
            listed = entry.get("methods")
            if entry.get("async", False) or not listed:
                continue
            rule = MethodRule(
                None if "*" in listed else frozenset(listed),
                frozenset(entry.get("except", ())),
                1,
                blocking(entry),
            )
            methods.setdefault(name, []).append(rule)
    raw = knowledge.table("outbound")
    runners = [e for e in raw.get("passthrough", ()) if e.get("async")]
    return BlockingTable(
        calls=calls,
        methods={k: tuple(v) for k, v in methods.items()},
        offloaders=frozenset(n for e in runners for n in e.get("names", ())),
        offloader_methods=frozenset(m for e in runners for m in e.get("methods", ())),
        needs=tuple(dict.fromkeys(needs)),
    )


DECLARED = Blocking(
    Severity.HIGH,
    "declared synchronous in [tool.ttaprod]: run it with `await asyncio.to_thread(...)` or "
    "use an async client",
)


def method_blocks(ctor: str, path: str, declared: frozenset[str] = frozenset()) -> Blocking | None:
    """How calling `path` (a dotted method path) on an instance of `ctor` blocks, if it does."""
    for rule in blocking_table().methods.get(ctor, ()):
        if rule.covers(path):
            return rule.blocking
    if ctor in declared and not path.startswith("_"):
        return DECLARED
    return None


def synchronous(ctor: str) -> str:
    """ "httpx.Client is synchronous", "what sqlalchemy.orm.sessionmaker() returns is …"."""
    return f"{f'what {ctor} returns' if ctor.endswith(')') else ctor} is synchronous"


@knowledge.derived
def listed_methods() -> frozenset[str]:
    """Every method path some synchronous object lists by name: a method called on an
    untyped parameter is worth a fact only when it is one of these."""
    return frozenset(
        path
        for rules in blocking_table().methods.values()
        for rule in rules
        if rule.methods is not None
        for path in rule.methods
    )


def blocks_only(ctor: str) -> bool:
    """A synchronous object that is not a pooled client: it matters to blocking calls only."""
    return ctor in blocking_table().methods and ctor not in pooled()


def blocks_on_methods(ctor: str, declared: frozenset[str] = frozenset()) -> bool:
    """Whether some method of `ctor`'s instances blocks (worth following as an argument)."""
    return ctor in blocking_table().methods or ctor in declared


@knowledge.derived
def injectors() -> frozenset[str]:
    """What marks a parameter default as a dependency the framework calls per request
    (`session=Depends(get_session)`): web.toml's dependency markers."""
    return frozenset(knowledge.table("web")["correlation"]["dependency_markers"])


@knowledge.derived
def known_objects() -> frozenset[str]:
    """The objects the table names by an expression rather than a class: what a call of an
    instance returns ("X()", "X.m()") and module-level instances (`instance = true`)."""
    return frozenset(
        name
        for lib in libraries()
        for entry, name in _names(lib.get("objects"))
        if name.endswith(")") or entry.get("instance")
    )


# --- pooled clients, engines and connections (performance.connection-pooling) ------------
@dataclass(frozen=True)
class Built:
    """What a constructor builds that must outlive one call."""

    kind: str  # "client" | "engine" | "connection"
    display: str
    fix: str  # "" for clients: the rule's own hint


@knowledge.derived
def pooled() -> Mapping[str, Built]:
    """Constructor → what it builds: clients and objects of pooled libraries, database
    engines and connections."""
    out: dict[str, Built] = {}
    for lib in libraries():
        if lib.get("pooled"):
            for group in ("clients", "objects"):
                for _, name in _names(lib.get(group)):
                    out.setdefault(name, Built("client", lib["display"], ""))
        for entry, name in _names(lib.get("calls")):
            if entry["kind"] in ("engine", "connection"):
                out[name] = Built(entry["kind"], entry["what"], entry["fix"])
    return out


def pooled_needs() -> tuple[bytes, ...]:
    builds = ("engine", "connection")
    found = [
        token.encode()
        for lib in libraries()
        if lib.get("pooled") or any(c["kind"] in builds for c in lib.get("calls", ()))
        for token in lib.get("needs", ())
    ]
    return tuple(dict.fromkeys(found))


# --- TLS verification and fetched URLs (security.tls) ------------------------------------
Off = tuple[Any, ...]


@dataclass(frozen=True)
class Tls:
    by_call: Mapping[str, Mapping[str, Off]]  # qualname → keyword → values that turn it off
    by_method: Mapping[tuple[str, str], Mapping[str, Off]]  # (client, method) → …
    session_classes: frozenset[str]  # clients whose `verify` attribute turns it off
    url_calls: Mapping[str, int]  # qualname → position of the URL it fetches
    url_methods: Mapping[tuple[str, str], int]  # (client, method) → …


@knowledge.derived
def tls() -> Tls:
    by_call: dict[str, dict[str, Off]] = {}
    by_method: dict[tuple[str, str], dict[str, Off]] = {}
    sessions: set[str] = set()
    url_calls: dict[str, int] = {}
    url_methods: dict[tuple[str, str], int] = {}
    for lib in libraries():
        calls = [name for _, name in _names(lib.get("calls"))]
        clients = [(entry, name) for entry, name in _names(lib.get("clients"))]
        transports = [name for _, name in _names(lib.get("transports"))]
        for spec in lib.get("tls", ()):
            off = tuple(spec["off"])
            on = set(spec.get("on", ()))
            takes = list(spec.get("names", ()))
            takes += calls if "calls" in on else []
            takes += [name for _, name in clients] if "clients" in on else []
            takes += transports if "transports" in on else []
            for name in takes:
                by_call.setdefault(name, {})[spec["keyword"]] = off
            if "methods" in on:
                for entry, name in clients:
                    if spec["keyword"] == "verify":
                        sessions.add(name)
                    for method in spec.get("methods", entry.get("methods", ())):
                        by_method.setdefault((name, method), {})[spec["keyword"]] = off
        for entry, name in _names(lib.get("calls")):
            if "url_position" in entry:
                position = entry.get("url_positions", {}).get(name, entry["url_position"])
                url_calls[name] = int(position)
        for entry, name in clients:
            for method, position in entry.get("url_positions", {}).items():
                url_methods[(name, method)] = int(position)
    return Tls(by_call, by_method, frozenset(sessions), url_calls, url_methods)


# --- external writes (errors.compensation) -----------------------------------------------
@dataclass(frozen=True)
class HttpWrites:
    verbs: frozenset[str]
    verb_methods: frozenset[str]
    verb_position: int
    verb_keyword: str


@dataclass(frozen=True)
class Writes:
    http: Mapping[str, HttpWrites]  # outbound library id → its write verbs
    prefixes: Mapping[str, tuple[str, ...]]  # outbound library id → SDK write prefixes
    objects: Mapping[str, tuple[str, frozenset[str]]]  # constructor → (what, write methods)
    needs: tuple[bytes, ...]  # what a file holds when it may use any of them


@knowledge.derived
def writes() -> Writes:
    http: dict[str, HttpWrites] = {}
    prefixes: dict[str, tuple[str, ...]] = {}
    objects: dict[str, tuple[str, frozenset[str]]] = {}
    needs: list[bytes] = []
    for lib in libraries():
        writing = "write_verbs" in lib or "write_prefixes" in lib
        writing = writing or any(o.get("writes") for o in lib.get("objects", ()))
        if writing:
            needs.extend(token.encode() for token in lib.get("needs", ()))
        if "write_verbs" in lib:
            http[lib["id"]] = HttpWrites(
                frozenset(lib["write_verbs"]),
                frozenset(lib.get("verb_methods", ())),
                int(lib.get("verb_position", 0)),
                lib.get("verb_keyword", "method"),
            )
        if "write_prefixes" in lib:
            prefixes[lib["id"]] = tuple(lib["write_prefixes"])
        for entry, name in _names(lib.get("objects")):
            if entry.get("writes"):
                objects[name] = (entry["what"], frozenset(entry["writes"]))
    return Writes(http, prefixes, objects, tuple(dict.fromkeys(needs)))
