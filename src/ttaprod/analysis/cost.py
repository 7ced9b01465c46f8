"""What accounts for the cost of an LLM call and what sets a budget, read from
`rules/knowledge/cost.toml`. Shared by the per-file detector (`checks/cost/`) and the project
items (`items/cost.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import knowledge


@dataclass(frozen=True)
class Tracker:
    label: str
    assign: frozenset[str]
    calls: frozenset[str]
    imports: tuple[str, ...]
    providers: tuple[str, ...]


@dataclass(frozen=True)
class Limit:
    label: str
    assign: frozenset[str]
    calls: frozenset[str]
    keyword: str


@dataclass(frozen=True)
class CostTable:
    usage_fields: frozenset[str]
    record_methods: frozenset[str]
    label_methods: frozenset[str]
    otel_factories: frozenset[str]
    log_methods: frozenset[str]
    passive_methods: frozenset[str]
    span_methods: frozenset[str]
    langfuse_roots: frozenset[str]
    trackers: tuple[Tracker, ...]
    tta_config: frozenset[str]
    tta_enabled: str
    tta_budget: str
    tta_threshold: str
    budget_env: frozenset[str]
    limits: tuple[Limit, ...]
    nonexistent: dict[str, str]  # name → what to use instead
    proxy_hosts: tuple[str, ...]
    proxy_headers: frozenset[str]
    url_keywords: frozenset[str]
    header_keywords: frozenset[str]
    needs: tuple[bytes, ...]


@knowledge.derived
def table() -> CostTable:
    data = knowledge.table("cost")
    metrics, tta, proxies = data["metrics"], data["tta"], data["proxies"]
    trackers = tuple(
        Tracker(
            t["label"],
            frozenset(t["assign"]),
            frozenset(t["calls"]),
            tuple(t["imports"]),
            tuple(t["providers"]),
        )
        for t in data["trackers"]
    )
    limits = tuple(
        Limit(x["label"], frozenset(x["assign"]), frozenset(x["calls"]), x["keyword"])
        for x in data["limits"]
    )
    nonexistent = {name: e["real"] for e in data["nonexistent"] for name in e["names"]}
    names = [
        *(n for t in trackers for n in (*t.assign, *t.calls, *t.imports)),
        *(n for x in limits for n in (*x.assign, *x.calls)),
        *tta["config"],
        *nonexistent,
    ]
    needs = {n.split(".", 1)[0].encode() for n in names}
    needs |= {b"usage", b"_tokens", b"_token_count", b"CostTracker", b"base_url", b"api_base"}
    return CostTable(
        usage_fields=frozenset(data["usage_fields"]),
        record_methods=frozenset(metrics["record_methods"]),
        label_methods=frozenset(metrics["label_methods"]),
        otel_factories=frozenset(metrics["otel_factories"]),
        log_methods=frozenset(metrics["log_methods"]),
        passive_methods=frozenset(metrics["passive_methods"]),
        span_methods=frozenset(metrics["span_methods"]),
        langfuse_roots=frozenset(data["langfuse_roots"]),
        trackers=trackers,
        tta_config=frozenset(tta["config"]),
        tta_enabled=tta["enabled"],
        tta_budget=tta["budget"],
        tta_threshold=tta["threshold"],
        budget_env=frozenset(tta["budget_env"]),
        limits=limits,
        nonexistent=nonexistent,
        proxy_hosts=tuple(proxies["hosts"]),
        proxy_headers=frozenset(h.lower() for h in proxies["headers"]),
        url_keywords=frozenset(proxies["keywords_url"]),
        header_keywords=frozenset(proxies["keywords_headers"]),
        needs=tuple(sorted(needs)),
    )


def number(text: str) -> float | None:
    """A literal number as written (`100`, `-5.0`, `1e3`), else None."""
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return None
