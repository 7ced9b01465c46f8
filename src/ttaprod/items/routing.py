"""performance.routing (TTP315 models-without-router): several chat models and nothing that
chooses between them."""

from __future__ import annotations

from ..engine.project import CheckResult, ProjectIndex
from ..facts import ModelName, ModelRouter
from ..models import Evidence, ItemResult, Status
from ..tally import Issue, Tally, in_preview, verdict
from .common import PARTIAL, listed

ITEM, RULE = "performance.routing", "TTP315"  # as the detector records them


def _first_by_model(facts: list[ModelName]) -> dict[str, ModelName]:
    out: dict[str, ModelName] = {}
    for fact in sorted(facts, key=lambda f: (f.path, f.line)):
        out.setdefault(fact.model.lower(), fact)
    return out


def routing_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    if index.partial:
        return verdict(default, Status.SKIP, PARTIAL), ()
    models = _first_by_model(index.facts_of(ModelName))
    routers = index.facts_of(ModelRouter)
    named = [f"{f.model} ({f.path}:{f.line})" for f in models.values()]
    if routers:
        proofs = [Evidence(f.path, f.line, f"{f.router} chooses the model") for f in routers]
        count = f"{len(models)} model(s)" if models else "models"
        reason = f"{count} routed by {routers[0].router} at {routers[0].path}:{routers[0].line}"
        return verdict(default, Status.PASS, reason, proofs), ()
    if not models:
        return verdict(default, Status.SKIP, "no LLM model is named in the code"), ()
    if len(models) == 1:
        reason = f"one model ({named[0]}): nothing to route"
        return verdict(default, Status.SKIP, reason), ()
    first = next(iter(models.values()))
    providers = sorted({f.provider for f in models.values()})
    message = (
        f"This project calls {len(models)} models ({listed(named, 4)}) from "
        f"{len(providers)} provider(s) and nothing chooses between them: every call is wired to "
        "one model, whatever the request needs"
    )
    issue = Issue(
        RULE,
        first.path,
        first.line,
        message + ".",
        f"{RULE}:{','.join(sorted(models))}",
        fix=(
            "route with TTA.dev RouterPrimitive(routes={'fast': …, 'quality': …}, "
            "router_fn=choose) or a LiteLLM Router(model_list=[…]) so cheap requests use the "
            "cheap model"
        ),
    )
    tally = Tally(index, ITEM)
    found = tally.report(issue, on_site=False)
    evidence = [Evidence(f.path, f.line, f"model {f.model}") for f in models.values()]
    preview = in_preview(index, RULE)
    if preview:
        return verdict(default, Status.SKIP, f"{len(models)} models and no router; {preview}"), ()
    if found is None:
        reason = f"{len(models)} models and no router ({RULE} ignored or suppressed: not judged)"
        return verdict(default, Status.SKIP, reason, evidence), tally.found()
    reason = f"{len(models)} models ({listed(named, 3)}) and no router"
    return verdict(default, Status.WARN, reason, evidence), tally.found()
