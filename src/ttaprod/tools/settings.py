"""Which tools run with what: the config's tool settings, then `--tools`, then `--no-tools`."""

from __future__ import annotations

from dataclasses import replace

from ..config import TOOL_NAMES, Config
from ..config import ToolSettings as Settings


def parse_selection(value: str) -> tuple[str, ...]:
    """`--tools ruff,bandit` → ("ruff", "bandit"); an unknown name is a ValueError."""
    names = tuple(n.strip().lower() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in TOOL_NAMES]
    if unknown:
        raise ValueError(f"--tools: unknown tool '{unknown[0]}' (known: {', '.join(TOOL_NAMES)})")
    return names


def resolve(
    config: Config, only: tuple[str, ...] | None = None, no_tools: bool = False
) -> dict[str, Settings]:
    """Each tool's effective settings: config, then `--tools`, then `--no-tools`."""
    configured = config.tools
    default_timeout = config.tool_timeout
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
