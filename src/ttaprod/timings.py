"""`--profile`: where a run's wall time goes, phase by phase, and each external tool's.

Cheap by construction: nothing is measured unless a profile was started, and a phase is
one `mark(name)` call where it ends (the time since the previous mark is that phase's), so
the phases of the main thread add up to the whole run. The tools run alongside those
phases; each reports its own time from start to exit (or that it came from the cache).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field


@dataclass
class ToolTime:
    wall: float | None  # start to exit; None: no process ran (cached, skipped)
    cpu: float | None  # user + system seconds of the process and what it waited for
    note: str = ""  # "1 of 668 files checked, the others cached"


@dataclass
class Profile:
    started: float
    last: float
    startup: float | None  # from the process's start to the profile's (imports, options)
    phases: dict[str, float] = field(default_factory=dict)
    tools: dict[str, ToolTime] = field(default_factory=dict)


_current: Profile | None = None


def start() -> Profile:
    """Start recording (for this process); marks before it are not kept."""
    global _current
    now = time.monotonic()
    _current = Profile(now, now, _since_process_start())
    return _current


def stop() -> Profile | None:
    global _current
    profile, _current = _current, None
    return profile


def mark(phase: str) -> None:
    """The time since the previous mark was spent in `phase` (added up when it recurs)."""
    profile = _current
    if profile is None:
        return
    now = time.monotonic()
    profile.phases[phase] = profile.phases.get(phase, 0.0) + now - profile.last
    profile.last = now


def tool(name: str, wall: float | None, cpu: float | None, note: str = "") -> None:
    if _current is not None:
        _current.tools[name] = ToolTime(wall, cpu, note)


def _since_process_start() -> float | None:
    """Seconds since this process started (Linux; elsewhere unknown)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def rows(profile: Profile, tools: list[tuple[str, str, bool]]) -> list[tuple[str, str, str]]:
    """(what, seconds, note) rows: the phases in order, their total, then each tool.
    `tools`: (name, status, cached) as the report has them."""
    out: list[tuple[str, str, str]] = []
    if profile.startup is not None:
        out.append(("start-up (interpreter, imports)", f"{profile.startup:.2f}", ""))
    for phase, seconds in profile.phases.items():
        out.append((phase, f"{seconds:.2f}", ""))
    total = sum(profile.phases.values()) + (profile.startup or 0.0)
    out.append(("total", f"{total:.2f}", ""))
    for name, status, cached in tools:
        took = profile.tools.get(name, ToolTime(None, None))
        if cached:
            seconds, note = "cached", took.note or "no process started"
        elif took.wall is None:
            seconds, note = "–", status
        else:
            seconds = f"{took.wall:.2f}"
            cpu = f"{took.cpu:.2f} s CPU" if took.cpu is not None else ""
            note = ", ".join(n for n in (cpu, took.note) if n)
        out.append((f"tool {name} (start to exit)", seconds, note))
    return out


def render(profile: Profile, tools: list[tuple[str, str, bool]]) -> str:
    """The profile as a plain-text table (for stderr: stdout stays the report's)."""
    table = rows(profile, tools)
    width = max(len(what) for what, _, _ in table)
    lines = [f"{'phase':<{width}}  {'wall s':>8}", f"{'-' * width}  {'-' * 8}"]
    for what, seconds, note in table:
        line = f"{what:<{width}}  {seconds:>8}"
        lines.append(f"{line}  {note}" if note else line)
    return "\n".join(lines) + "\n"
