"""The metric names a PromQL expression reads, and the names a metric the code defines is
scraped under: enough to tell whether an alert or a dashboard panel watches something the
service emits. Not a PromQL parser: strings, label matchers, ranges and the label lists of
`by`/`without`/`on`/`ignoring`/`group_left`/`group_right` are dropped, then every identifier
not called as a function and not a keyword is a metric name.
"""

from __future__ import annotations

import re

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_LABEL_LISTS = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_IDENT = re.compile(r"(?<![\w:.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")
_KEYWORDS = frozenset(
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
        "group_right", "bool", "offset", "inf", "nan", "atan2", "start", "end",
    }
)  # fmt: skip
_TEMPLATE = re.compile(r"\$\{?\w+\}?|\[\[\w+\]\]")


def metric_names(expr: str) -> set[str]:
    """Metric names read by `expr` (Grafana template variables like `$job` are dropped)."""
    text = _STRINGS.sub('""', expr)
    text = _BRACES.sub("", text)
    text = _RANGES.sub("", text)
    text = _TEMPLATE.sub("", text)
    previous = None
    while previous != text:
        previous, text = text, _LABEL_LISTS.sub("", text)
    names = set()
    for match in _IDENT.finditer(text):
        name, called = match.group(1), match.group(2)
        if called or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "enum": ("",),
}


def scraped_names(metric: str, kind: str, otel: bool = False) -> tuple[str, ...]:
    """The series names a metric is scraped under: prometheus_client adds `_total` to a
    counter (dropping one already written), `_bucket`/`_sum`/`_count` to a histogram; an
    OpenTelemetry name has its dots turned to underscores (its unit may be added to it: see
    `emits`)."""
    base = re.sub(r"[^A-Za-z0-9_:]", "_", metric) if otel else metric
    if kind == "counter":
        base = base.removesuffix("_total")
    if otel and kind in ("up_down_counter", "gauge"):
        kind = "gauge"
    return tuple(base + suffix for suffix in _SUFFIXES.get(kind, ("",)))


def emits(name: str, scraped: set[str], otel_bases: set[str]) -> bool:
    """Whether series `name` is one the code emits: one of `scraped`, or an OpenTelemetry
    metric's name with a unit and suffix added (`llm_tokens` → `llm_tokens_tokens_total`)."""
    return name in scraped or any(name.startswith(base + "_") for base in otel_bases)
