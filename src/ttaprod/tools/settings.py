"""Tool settings: the config keys this feature owns, and which tools run with what.

```toml
[tool.ttaprod]
tool-timeout = 300              # seconds, for every tool (default 300)
require-tools = ["ruff"]        # a listed tool that did not run fails the gate
safety-db = "vendor/safety-db"  # safety's advisory database (relative to this file)

[tool.ttaprod.tools]
bandit = false                  # disable a tool
pyright = "basedpyright"        # a drop-in command
ruff = { timeout = 60, args = ["--extend-select", "PL"] }
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..config import ConfigError, register_key
from .base import Settings

TOOL_NAMES = ("ruff", "pyright", "bandit", "safety")
DEFAULT_TIMEOUT = 300.0
_TABLE_KEYS = ("enabled", "command", "timeout", "args")


def _timeout(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"'{key}' must be a number of seconds above 0, not {value!r}")
    return float(value)


def _names(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"'{key}' must be a list of tool names, not {value!r}")
    for name in value:
        if name not in TOOL_NAMES:
            raise ConfigError(f"'{key}': unknown tool '{name}' (known: {', '.join(TOOL_NAMES)})")
    return tuple(value)


def _path(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"'{key}' must be a path, not {value!r}")
    return value


def _one_tool(key: str, value: Any) -> Settings:
    name = key.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        return Settings(name, enabled=value, reason="" if value else "disabled in config")
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError(f"'{key}' must name a command, not an empty string")
        return Settings(name, command=value)
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be true/false, a command, or a table, not {value!r}")
    unknown = sorted(set(value) - set(_TABLE_KEYS))
    if unknown:
        raise ConfigError(f"'{key}': unknown key '{unknown[0]}' (known: {', '.join(_TABLE_KEYS)})")
    enabled = value.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"'{key}.enabled' must be true or false, not {enabled!r}")
    command = value.get("command", "")
    if not isinstance(command, str):
        raise ConfigError(f"'{key}.command' must be a string, not {command!r}")
    args = value.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ConfigError(f"'{key}.args' must be a list of strings, not {args!r}")
    timeout = _timeout(f"{key}.timeout", value["timeout"]) if "timeout" in value else 0.0
    return Settings(
        name,
        enabled=enabled,
        command=command,
        timeout=timeout,
        args=tuple(args),
        reason="" if enabled else "disabled in config",
    )


def _tools(key: str, value: Any) -> dict[str, Settings]:
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be a table of tool = setting, not {value!r}")
    out = {}
    for name, setting in value.items():
        if name not in TOOL_NAMES:
            raise ConfigError(f"'{key}': unknown tool '{name}' (known: {', '.join(TOOL_NAMES)})")
        out[name] = _one_tool(f"{key}.{name}", setting)
    return out


def register() -> None:
    register_key("tools", _tools)
    register_key("tool-timeout", _timeout)
    register_key("require-tools", _names)
    register_key("safety-db", _path)


def parse_selection(value: str) -> tuple[str, ...]:
    """`--tools ruff,bandit` → ("ruff", "bandit"); an unknown name is a ValueError."""
    names = tuple(n.strip().lower() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in TOOL_NAMES]
    if unknown:
        raise ValueError(f"--tools: unknown tool '{unknown[0]}' (known: {', '.join(TOOL_NAMES)})")
    return names


def resolve(
    extra: Mapping[str, Any], only: tuple[str, ...] | None = None, no_tools: bool = False
) -> dict[str, Settings]:
    """Each tool's effective settings: config, then `--tools`, then `--no-tools`."""
    configured: dict[str, Settings] = extra.get("tools", {}) or {}
    default_timeout = float(extra.get("tool-timeout", DEFAULT_TIMEOUT))
    out = {}
    for name in TOOL_NAMES:
        settings = configured.get(name, Settings(name))
        if not settings.timeout:
            settings = replace(settings, timeout=default_timeout)
        if no_tools:
            settings = replace(settings, enabled=False, reason="--no-tools")
        elif only is not None:
            chosen = name in only
            settings = replace(
                settings, enabled=chosen, reason="" if chosen else "not selected by --tools"
            )
        out[name] = settings
    return out
