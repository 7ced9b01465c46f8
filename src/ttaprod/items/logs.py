"""observability.structured-logging, project half: is a JSON renderer or formatter configured?

The item is "project + sites": its default result is the coverage of log calls and prints
(TTP203/TTP204, `checks/observability/structured_logging.py`), which this check keeps (coverage,
findings, site evidence). The project half can only lower it, never raise it:

- JSON logging configured (structlog `JSONRenderer`, a python-json-logger / ECS formatter
  built, subclassed, named in a dictConfig dict or in a logging configuration file, loguru
  `serialize=True`): status and score stay as the sites make them; the configuration is shown
  first in the evidence and the reason.
- not configured: status at best `warn` and score at most 5 (log lines are plain text).
- no log call or print at all (`skip`): stays `skip`, whatever is configured.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath

from .. import knowledge
from ..engine.project import CheckResult, ProjectIndex
from ..facts import JsonLogging
from ..models import Evidence, ItemResult, Status
from .common import at, evidence, worse

WARN_CAP = 5.0
MAX_SITE_EVIDENCE = 2


def _config_files(index: ProjectIndex) -> list[Evidence]:
    """Logging configuration files (`logging.yaml`, `log_config.ini`…) naming a JSON formatter."""
    data = knowledge.table("observability")["logging"]
    prefixes = tuple(data["config_file_prefixes"])
    suffixes = tuple(data["config_file_suffixes"])
    formatters = data["json_formatters"]
    out: list[Evidence] = []
    for rel in index.other_files:
        name = PurePosixPath(rel).name.lower()
        if not (name.startswith(prefixes) and name.endswith(suffixes)):
            continue
        text = index.read_text(rel) or ""
        for number, line in enumerate(text.splitlines(), 1):
            hit = next((f for f in formatters if f in line), None)
            if hit:
                out.append(Evidence(rel, number, _note(hit, "config")))
                break
    return out


def _note(api: str, via: str) -> str:
    """`structlog.processors.JSONRenderer` → "JSONRenderer from structlog"."""
    head, _, tail = api.partition("(")
    name = head.rsplit(".", 1)[-1] + (f"({tail}" if tail else "")
    where = {"config": ", named in a logging config", "subclass": ", subclassed"}.get(via, "")
    return f"{name} from {head.split('.', 1)[0]}{where}"


def json_logging(index: ProjectIndex) -> list[Evidence]:
    found = [evidence(f, _note(f.api, f.via)) for f in index.facts_of(JsonLogging)]
    return sorted(found + _config_files(index), key=lambda e: (e.path, e.line))


def structured_logging_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    found = json_logging(index)
    if default.status is Status.SKIP:
        if found:
            reason = f"{default.reason}; JSON logging is configured ({at(found[0])})"
            return replace(default, reason=reason), ()
        return default, ()
    if found:
        first = found[0]
        reason = f"{default.reason}; JSON logs: {first.note} ({at(first)})"
        shown = (*found[:MAX_SITE_EVIDENCE], *default.evidence[:MAX_SITE_EVIDENCE])
        return replace(default, evidence=shown, reason=reason), ()
    if index.partial:
        return default, ()
    reason = f"{default.reason}; no JSON log formatter: plain-text log lines"
    score = None if default.score is None else min(default.score, WARN_CAP)
    status = worse(default.status, Status.WARN)
    return replace(default, status=status, score=score, reason=reason), ()
