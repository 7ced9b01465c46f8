"""Expensive, metered calls: calls that go to an LLM provider (generation or embeddings).

    found = llm_call(ctx, call, qual)   # LlmCall | None

Provider SDK calls are classified by `_outbound` (clients, aliases, `self.client`,
`client.with_options(...)`); which of their operations call a model, LiteLLM's module functions
and router classes are data in rules/knowledge/expensive.toml. Shared by the cache and
rate-limit rules (`checks/performance/llm_call_guards.py`) and the routing facts
(`checks/performance/model_routing.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .. import knowledge
from ..engine.context import FileContext
from .outbound import OutboundCall, classify, find_arg, render

GENERATION, EMBEDDING = "generation", "embedding"


@dataclass(frozen=True)
class LlmCall:
    node: cst.Call
    provider: str  # display name: "OpenAI", "LiteLLM Router"
    kind: str  # GENERATION | EMBEDDING
    operation: str  # as written: "self.client.chat.completions.create"
    client: cst.Call | None  # the client's or router's construction, when this module shows it
    client_name: str  # how the client is named at the call ("self.openai", "router")
    model: cst.BaseExpression | None  # the `model=` argument


@dataclass(frozen=True)
class _Table:
    sdk: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]  # library → display, gen, emb
    functions: dict[str, tuple[str, str]]  # qualified name → (display, kind)
    routers: dict[str, tuple[str, dict[str, str]]]  # class → (display, method → kind)
    stream_keyword: str
    needs: tuple[bytes, ...]


@knowledge.derived
def table() -> _Table:
    data = knowledge.table("expensive")
    sdk = {
        e["library"]: (
            e["display"],
            tuple("." + op for op in e["generation"]),
            tuple("." + op for op in e["embedding"]),
        )
        for e in data["sdk"]
    }
    functions: dict[str, tuple[str, str]] = {}
    for entry in data["functions"]:
        functions.update(dict.fromkeys(entry["generation"], (entry["display"], GENERATION)))
        functions.update(dict.fromkeys(entry["embedding"], (entry["display"], EMBEDDING)))
    routers: dict[str, tuple[str, dict[str, str]]] = {}
    for entry in data["routers"]:
        methods = dict.fromkeys(entry["generation"], GENERATION)
        methods.update(dict.fromkeys(entry["embedding"], EMBEDDING))
        routers.update(dict.fromkeys(entry["names"], (entry["display"], methods)))
    names = [*sdk, *functions, *routers]
    needs = tuple(dict.fromkeys(n.split(".", 1)[0].encode() for n in names))
    return _Table(sdk, functions, routers, data["stream_keyword"], needs)


def llm_call(ctx: FileContext, call: cst.Call, qual: str | None) -> LlmCall | None:
    """The LLM call `call` makes, if it is one."""
    t = table()
    model = find_arg(call.args, "model", None).value
    if qual is not None and ctx.names.value_rooted(qual) is not None:
        qual = None  # a method of a client another module builds
    if qual is not None:
        found = t.functions.get(qual)
        if found is not None:
            return LlmCall(call, found[0], found[1], render(call.func) or qual, None, "", model)
    func = call.func
    if isinstance(func, cst.Attribute) and qual is None:
        held = ctx.instance(func.value)
        router = t.routers.get(held.ctor) if held is not None else None
        if router is not None and held is not None and func.attr.value in router[1]:
            name = render(func.value) or "router"
            kind = router[1][func.attr.value]
            return LlmCall(call, router[0], kind, render(func) or name, held.call, name, model)
    if qual is not None and qual.split(".", 1)[0] not in t.sdk:
        return None
    out = classify(ctx, call, qual)
    if not isinstance(out, OutboundCall) or out.library.id not in t.sdk:
        return None
    display, generation, embedding = t.sdk[out.library.id]
    operation = out.operation
    if operation.endswith(embedding) if embedding else False:
        kind = EMBEDDING
    elif operation.endswith(generation):
        kind = GENERATION
    else:
        return None
    client = out.client.call if out.client is not None else None
    name = operation
    for suffix in (*generation, *embedding):
        if operation.endswith(suffix):
            name = operation[: -len(suffix)]
            break
    for prefix in (".chat", ".beta.chat", ".beta"):
        name = name.removesuffix(prefix)
    return LlmCall(call, display, kind, operation, client, name, model)


def streams(call: cst.Call) -> bool:
    """`stream=True` on the call."""
    value = find_arg(call.args, table().stream_keyword, None).value
    return isinstance(value, cst.Name) and value.value == "True"
