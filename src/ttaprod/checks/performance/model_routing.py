"""performance.routing (TTP315 models-without-router): a project that calls several chat models
with nothing choosing between them.

`ModelFacts` (facts only, every selection) records where the code names a model — a string
literal `model=` argument of an LLM call, or a literal that looks like a model name
(rules/knowledge/models.toml) bound to a name, a settings field, a parameter default or the
values of a model map — and where a router is built: TTA.dev `RouterPrimitive(routes,
router_fn, default=None)` with its real signature, or a LiteLLM `Router`. Embedding and
moderation models are not routed and not counted. Test files are skipped.

The project check: a router → pass (its place is the evidence); no model or one model → skip
(nothing to route); two or more models and no router → warn, with one info finding on the
first place a model is named that lists the others. A partial run is not judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ... import knowledge
from ...analysis.llm import llm_call
from ...analysis.tta import argument_problems, tta_callable
from ...analysis.web import literal_str
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...facts import ModelName, ModelRouter

ITEM = "performance.routing"
RULE = "TTP315"


@dataclass(frozen=True)
class _Table:
    patterns: tuple[tuple[str, str], ...]  # (lower-case prefix, provider)
    not_routed: tuple[str, ...]
    provider_prefixes: tuple[str, ...]
    routers: frozenset[str]
    tta_router: str
    model_keywords: frozenset[str]
    needs: tuple[bytes, ...]


@knowledge.derived
def _table() -> _Table:
    data = knowledge.table("models")
    patterns = tuple(
        (prefix.lower(), entry["provider"])
        for entry in data["patterns"]
        for prefix in entry["prefixes"]
    )
    needs = {token.encode() for token in data["needs"]}
    return _Table(
        patterns=tuple(sorted(patterns, key=lambda p: -len(p[0]))),
        not_routed=tuple(data["not_routed"]["contains"]),
        provider_prefixes=tuple(data["provider_prefixes"]["names"]),
        routers=frozenset(data["routers"]),
        tta_router=data["tta_router"],
        model_keywords=frozenset(data["model_keywords"]),
        needs=tuple(sorted(needs)),
    )


def model_provider(value: str) -> str | None:
    """The provider of a model name, or None when `value` does not look like a chat model."""
    t = _table()
    text = value.strip().lower()
    if not text or len(text) > 120 or " " in text or any(n in text for n in t.not_routed):
        return None
    for prefix in t.provider_prefixes:
        if text.startswith(prefix):
            return prefix.rstrip("/") if text[len(prefix) :] else None
    for prefix, provider in t.patterns:
        if text.startswith(prefix):
            return provider
    return None


class ModelFacts(Detector):
    """Emits `model_name` facts (model, provider) and `model_router` facts (router)."""

    facts_only = True
    needs = Derived(lambda: _table().needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.off = ctx.is_test_file

    def _model(self, node: cst.CSTNode, value: str, provider: str | None = None) -> None:
        provider = provider or model_provider(value)
        if provider is not None and not any(n in value.lower() for n in _table().not_routed):
            self.ctx.fact(node, ModelName(model=value.strip(), provider=provider))

    def visit_Call(self, node: cst.Call) -> None:
        if self.off:
            return
        qual = self.ctx.qualname(node.func)
        t = _table()
        if qual in t.routers:
            self.ctx.fact(node, ModelRouter(router=f"{qual.rsplit('.', 1)[-1]} (LiteLLM)"))
            return
        spec = tta_callable(qual)
        if (
            spec is not None
            and spec.name == t.tta_router
            and not argument_problems(spec, node.args)
        ):
            self.ctx.fact(node, ModelRouter(router="RouterPrimitive (TTA.dev)"))
            return
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in t.model_keywords:
                continue
            value = literal_str(arg.value)
            if value is None:
                continue
            provider = model_provider(value)
            if provider is None:
                found = llm_call(self.ctx, node, qual)
                provider = found.provider.split()[0].lower() if found is not None else None
            if provider is not None:
                self._model(arg.value, value, provider)

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.off:
            self._bound(node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if not self.off and node.value is not None:
            self._bound(node.value)

    def visit_Param(self, node: cst.Param) -> None:
        if not self.off and node.default is not None:
            self._bound(node.default)

    def _bound(self, value: cst.BaseExpression) -> None:
        """A literal bound to a name, and the literals of a model map or list."""
        items: list[cst.BaseExpression] = [value]
        if isinstance(value, cst.Dict):
            items = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
        elif isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            items = [e.value for e in value.elements]
        elif isinstance(value, cst.Call):  # Field(default="gpt-4o-mini"), os.getenv("M", "gpt-4o")
            items = [
                a.value for a in value.args if a.keyword is None or a.keyword.value == "default"
            ]
        for item in items:
            text = literal_str(item)
            if text is not None:
                self._model(item, text)
