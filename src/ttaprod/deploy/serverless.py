"""Serverless function configurations: which handler each function runs and its timeout.

- Serverless Framework `serverless.yml`: `functions.<name>.handler` (`src/handler.main`),
  `timeout` per function, else `provider.timeout`, else the framework's 6 s.
- AWS SAM / CloudFormation templates (YAML with `Resources:` of type
  `AWS::Serverless::Function` or `AWS::Lambda::Function`): `Handler` (`app.lambda_handler`)
  under `CodeUri`, `Timeout`, else SAM's `Globals.Function.Timeout`, else Lambda's 3 s.

The handler is given as a dotted module path and a function name; `handler_suffix` is what a
project function's qualified name must end with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .inventory import Inventory
from .yamlfiles import YMap, get
from .yamlfiles import load as load_yaml

SERVERLESS_DEFAULT_S = (
    6.0  # https://www.serverless.com/framework/docs/providers/aws/guide/functions
)
LAMBDA_DEFAULT_S = 3.0  # https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
_SERVERLESS = ("serverless.yml", "serverless.yaml")


@dataclass(frozen=True)
class Function:
    path: str  # the configuration file
    line: int  # of its handler setting
    name: str
    handler_suffix: str  # `handler.main` → functions whose qualified name ends with it
    timeout: float
    timeout_line: int  # 0: the default
    source: str  # "serverless.yml", "SAM template"


def functions(inventory: Inventory) -> list[Function]:
    out: list[Function] = []
    for rel in sorted(inventory.files):
        name = PurePosixPath(rel).name.lower()
        if not name.endswith((".yml", ".yaml")):
            continue
        text = inventory.read(rel)
        if text is None:
            continue
        if name in _SERVERLESS and "functions" in text:
            out.extend(_serverless(rel, text))
        elif "Resources" in text and "Function" in text and "Handler" in text:
            out.extend(_template(rel, text))
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _suffix(handler: str) -> str:
    """`src/handler.main` → `handler.main` with its package path: `src.handler.main`."""
    module, _, function = handler.rpartition(".")
    module = module.replace("/", ".").strip(".")
    return f"{module}.{function}" if module else function


def _timeout(spec: YMap, defaults: YMap | None, key: str, fallback: float) -> tuple[float, int]:
    """The function's own timeout, else the file's default for every function, else the
    platform's; with the line that sets it (0: none does)."""
    own = _number(spec.get(key))
    if own:
        return own, spec.line(key)
    default = _number(defaults.get(key)) if defaults is not None else None
    if default and defaults is not None:
        return default, defaults.line(key)
    return fallback, 0


def _serverless(rel: str, text: str) -> list[Function]:
    out: list[Function] = []
    for doc in load_yaml(rel, text).docs:
        funcs = get(doc, "functions")
        if not isinstance(doc, YMap) or not isinstance(funcs, YMap):
            continue
        provider = get(doc, "provider")
        defaults = provider if isinstance(provider, YMap) else None
        for name, spec in funcs.items():
            handler = get(spec, "handler")
            if not isinstance(spec, YMap) or not isinstance(handler, str) or "." not in handler:
                continue
            timeout, where = _timeout(spec, defaults, "timeout", SERVERLESS_DEFAULT_S)
            out.append(
                Function(
                    rel,
                    spec.line("handler"),
                    str(name),
                    _suffix(handler),
                    timeout,
                    where,
                    "serverless.yml",
                )
            )
    return out


def _template(rel: str, text: str) -> list[Function]:
    out: list[Function] = []
    for doc in load_yaml(rel, text).docs:
        resources = get(doc, "Resources")
        if not isinstance(doc, YMap) or not isinstance(resources, YMap):
            continue
        globals_ = get(doc, "Globals", "Function")
        defaults = globals_ if isinstance(globals_, YMap) else None
        for name, resource in resources.items():
            props = get(resource, "Properties")
            if get(resource, "Type") not in _FUNCTION_TYPES or not isinstance(props, YMap):
                continue
            handler = props.get("Handler")
            if not isinstance(handler, str) or "." not in handler:
                continue
            timeout, where = _timeout(props, defaults, "Timeout", LAMBDA_DEFAULT_S)
            out.append(
                Function(
                    rel, props.line("Handler"), str(name), _suffix(handler), timeout, where,
                    "SAM template",
                )
            )  # fmt: skip
    return out
