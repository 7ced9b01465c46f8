"""`[tool.ttaprod]` configuration: where it is found, what it may say, and validation.

Every key is declared once in `KEYS` with its validator and the `Config` field it fills; an
unknown key or a wrong type is a `ConfigError` naming the file and the key, which the CLI
prints as one line (exit 2). No other module adds keys.

```toml
[tool.ttaprod]
tool-timeout = 300              # seconds, for every tool (default 300)
require-tools = ["ruff"]        # a listed tool that did not run fails the gate
safety-db = "vendor/safety-db"  # safety's advisory database (relative to this file)
sync-clients = ["ourcorp.billing.Client"]  # TTP301: its instances' public methods block
sync-calls = ["legacy_sdk.fetch"]          # TTP301: calling it blocks

[tool.ttaprod.tools]
bandit = false                  # disable a tool
pyright = "basedpyright"        # a drop-in command
ruff = { timeout = 60, args = ["--extend-select", "PL"] }
```
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from . import checklist, knowledge, safeio
from .models import Severity
from .tomlcompat import TOMLDecodeError, loads

DEFAULT_FAIL_UNDER = 70.0
DEFAULT_FAIL_ON_NEW = Severity.LOW
DEFAULT_TOOL_TIMEOUT = 300.0
DEFAULT_FIX_TIMEOUT = 10.0
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_FILE_SIZE_KB = 10 * 1024  # 10 MB: parsing a file costs ~0.7 KB of memory per byte
MAX_TIMEOUT_S = 24 * 3600.0
CONFIG_LIMIT = 10 * safeio.MB
TOOL_NAMES = ("ruff", "pyright", "bandit", "safety")
_TOOL_TABLE_KEYS = ("enabled", "command", "timeout", "args")
_DRIVE = re.compile(r"^[A-Za-z]:")
DEFAULT_SECTION_WEIGHTS: dict[str, float] = {
    "errors": 25.0,
    "security": 25.0,
    "observability": 15.0,
    "performance": 15.0,
    "quality": 10.0,
    "deploy": 10.0,
    "cost": 10.0,
}


class ConfigError(Exception):
    """A configuration problem the user must fix; the message is one line."""


@dataclass(frozen=True)
class ToolSettings:
    """One tool's effective settings after config and command-line flags."""

    name: str
    enabled: bool = True
    command: str = ""  # executable name or path; "" means the adapter's default
    timeout: float = 0.0  # seconds; 0: the `tool-timeout` setting
    args: tuple[str, ...] = ()
    reason: str = ""  # why it is disabled


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    select: tuple[str, ...] = ("TTP",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_under: float = DEFAULT_FAIL_UNDER
    severity: tuple[tuple[str, Severity], ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    block_on: tuple[Severity, ...] = (Severity.CRITICAL,)
    max_file_size_kb: int = 1024
    jobs: int = 0
    baseline: str | None = None  # relative to the config file
    fail_on_new: Severity = DEFAULT_FAIL_ON_NEW
    attest: tuple[tuple[str, str], ...] = ()  # checklist item id, path relative to config
    tools: dict[str, ToolSettings] = field(default_factory=dict)
    tool_timeout: float = DEFAULT_TOOL_TIMEOUT
    require_tools: tuple[str, ...] = ()
    safety_db: str | None = None
    preview: bool = False  # run the rules in preview too
    roles: tuple[tuple[str, str], ...] = ()  # glob → role, before ttaprod's own guess
    sync_clients: tuple[str, ...] = ()  # classes whose instances' methods block (TTP301)
    sync_calls: tuple[str, ...] = ()  # functions whose calls block (TTP301)
    # --fix: the timeout it adds (seconds), requests' (connect, read) pair when set, and the
    # environment variables hard-coded secrets are replaced with
    fix_timeout: float = DEFAULT_FIX_TIMEOUT
    fix_requests_timeout: tuple[float, float] | None = None
    fix_env_prefix: str = ""
    fix_env_names: tuple[tuple[str, str], ...] = ()  # binding name → variable name

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def severity_for(self, rule: str) -> Severity | None:
        for code, severity in self.severity:
            if code == rule:
                return severity
        return None

    def section_weight(self, section: str) -> float:
        return dict(self.weights).get(section, DEFAULT_SECTION_WEIGHTS.get(section, 10.0))

    def item_weight(self, item_id: str) -> float:
        return dict(self.weights).get(item_id, 1.0)


Validator = Callable[[str, Any], Any]


def _fail(key: str, expected: str, value: Any) -> ConfigError:
    return ConfigError(f"'{key}' must be {expected}, not {type(value).__name__} {value!r}")


def _str_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(key, "a list of strings", value)
    return tuple(value)


def _codes(key: str, value: Any) -> tuple[str, ...]:
    return tuple(
        code.strip().upper() if ":" not in code else code.strip() for code in _str_list(key, value)
    )


def _number(low: float, high: float) -> Validator:
    def check(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(key, f"a number from {low:g} to {high:g}", value)
        if not low <= value <= high:  # NaN is never in range
            raise ConfigError(f"'{key}' must be from {low:g} to {high:g}, not {value}")
        return float(value)

    return check


def max_jobs() -> int:
    """Worker processes one run may ask for: four per core (more only costs memory)."""
    return (os.cpu_count() or 1) * 4


def _int_range(low: int, high: Callable[[], int], unit: str = "") -> Validator:
    def check(key: str, value: Any) -> int:
        top = high()
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
            what = f"an integer from {low} to {top}{unit}"
            if isinstance(value, int) and not isinstance(value, bool):
                raise ConfigError(f"'{key}' must be {what}, not {value}")
            raise _fail(key, what, value)
        return value

    return check


_max_file_size_kb = _int_range(1, lambda: MAX_FILE_SIZE_KB, " (KiB; 10 MB at most)")
_jobs = _int_range(0, max_jobs, " (0: all cores; at most 4 per core)")


def _severity_value(key: str, value: Any) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        names = ", ".join(s.value for s in Severity)
        raise ConfigError(f"'{key}' must be one of {names}, not {value!r}") from None


def _per_file_ignores(key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise _fail(key, "a table of glob = [codes]", value)
    return tuple((glob, _codes(f"{key}.{glob}", codes)) for glob, codes in value.items())


def _severity_table(key: str, value: Any) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(value, dict):
        raise _fail(key, "a table of rule = severity", value)
    return tuple(
        (code if ":" in code else code.upper(), _severity_value(f"{key}.{code}", sev))
        for code, sev in value.items()
    )


def _weights(key: str, value: Any) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, dict):
        raise _fail(key, "a table of section or item id = weight", value)
    out = []
    for name, weight in value.items():
        if name not in checklist.SECTIONS and not checklist.is_item(name):
            raise ConfigError(f"'{key}.{name}' is not a checklist section or item id")
        out.append((name, _number(0, 1000)(f"{key}.{name}", weight)))
    return tuple(out)


def _block_on(key: str, value: Any) -> tuple[Severity, ...]:
    return tuple(_severity_value(key, v) for v in _str_list(key, value))


def _file_path(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"'{key}' must be a file path, not {value!r}")
    return value


def _project_path(key: str, value: Any) -> str:
    """A file the config names inside the project: relative to the config file, no `..`."""
    path = _file_path(key, value)
    posix = PurePosixPath(path.strip().replace("\\", "/"))
    if posix.is_absolute() or _DRIVE.match(str(posix)) or ".." in posix.parts or "\0" in path:
        raise ConfigError(
            f"'{key}' must be a path inside the project, relative to the config file, not {path!r}"
        )
    return path


def _seconds(key: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 < value <= MAX_TIMEOUT_S
    ):
        raise ConfigError(
            f"'{key}' must be a number of seconds above 0 and at most {MAX_TIMEOUT_S:g}, "
            f"not {value!r}"
        )
    return float(value)


def _tool_names(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"'{key}' must be a list of tool names, not {value!r}")
    for name in value:
        _known_tool(key, name)
    return tuple(value)


def _known_tool(key: str, name: str) -> None:
    if name not in TOOL_NAMES:
        raise ConfigError(f"'{key}': unknown tool '{name}' (known: {', '.join(TOOL_NAMES)})")


def _one_tool(key: str, value: Any) -> ToolSettings:
    name = key.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        return ToolSettings(name, enabled=value, reason="" if value else "disabled in config")
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError(f"'{key}' must name a command, not an empty string")
        return ToolSettings(name, command=value)
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be true/false, a command, or a table, not {value!r}")
    unknown = sorted(set(value) - set(_TOOL_TABLE_KEYS))
    if unknown:
        known = ", ".join(_TOOL_TABLE_KEYS)
        raise ConfigError(f"'{key}': unknown key '{unknown[0]}' (known: {known})")
    enabled = value.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"'{key}.enabled' must be true or false, not {enabled!r}")
    command = value.get("command", "")
    if not isinstance(command, str):
        raise ConfigError(f"'{key}.command' must be a string, not {command!r}")
    args = value.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ConfigError(f"'{key}.args' must be a list of strings, not {args!r}")
    timeout = _seconds(f"{key}.timeout", value["timeout"]) if "timeout" in value else 0.0
    return ToolSettings(
        name,
        enabled=enabled,
        command=command,
        timeout=timeout,
        args=tuple(args),
        reason="" if enabled else "disabled in config",
    )


def _tools(key: str, value: Any) -> dict[str, ToolSettings]:
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be a table of tool = setting, not {value!r}")
    out = {}
    for name, setting in value.items():
        _known_tool(key, name)
        out[name] = _one_tool(f"{key}.{name}", setting)
    return out


def attestable() -> tuple[str, ...]:
    """Checklist items code cannot show, which the team may attest in config."""
    return tuple(knowledge.table("evidence")["attestable"])


def _attest(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    """`[tool.ttaprod.attest]`: checklist item id = a path relative to the config file."""
    if not isinstance(value, dict):
        raise ConfigError(
            f"'{key}' must be a table of checklist item id = file path, "
            f"not {type(value).__name__} {value!r}"
        )
    out: list[tuple[str, str]] = []
    for item, path in value.items():
        where = f"{key}.{item}"
        if not checklist.is_item(item):
            raise ConfigError(f"'{where}' is not a checklist item id")
        if item not in attestable():
            raise ConfigError(
                f"'{where}' cannot be attested: it is judged from the code "
                f"(attestable: {', '.join(attestable())})"
            )
        if not isinstance(path, str) or not path.strip():
            raise ConfigError(f"'{where}' must be a file path, not {path!r}")
        posix = PurePosixPath(path.strip().replace("\\", "/"))
        if posix.is_absolute() or _DRIVE.match(str(posix)) or "\0" in path:
            raise ConfigError(
                f"'{where}' must be a path relative to the config file's directory, not {path!r}"
            )
        out.append((item, posix.as_posix()))
    return tuple(out)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, "true or false", value)
    return value


ROLE_NAMES = ("service", "test", "script", "cli", "migration", "build", "example")


def _roles(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    """`[tool.ttaprod.roles]`: glob = role, e.g. `"tools/**" = "script"`."""
    if not isinstance(value, dict):
        raise _fail(key, "a table of glob = role", value)
    out = []
    for glob, role in value.items():
        if role not in ROLE_NAMES:
            names = ", ".join(ROLE_NAMES)
            raise ConfigError(f"'{key}.{glob}' must be one of {names}, not {role!r}")
        out.append((glob, role))
    return tuple(out)


_QUALIFIED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _qualified_names(example: str) -> Validator:
    """A list of dotted names as code imports them (`package.module.Name`)."""

    def check(key: str, value: Any) -> tuple[str, ...]:
        names = _str_list(key, value)
        for name in names:
            if not _QUALIFIED.fullmatch(name):
                raise ConfigError(
                    f"'{key}' must list qualified names like '{example}', not {name!r}"
                )
        return tuple(dict.fromkeys(names))

    return check


def _timeout_pair(key: str, value: Any) -> tuple[float, float]:
    """`fix-requests-timeout = [3.05, 30]`: requests' (connect, read) timeouts."""
    if not isinstance(value, list) or len(value) != 2:
        raise ConfigError(
            f"'{key}' must be a list of two numbers of seconds [connect, read], not {value!r}"
        )
    connect, read = (_seconds(key, v) for v in value)
    return connect, read


def _env_name(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise ConfigError(f"'{key}' must be an environment variable name, not {value!r}")
    return value


def _env_prefix(key: str, value: Any) -> str:
    if value == "":
        return ""
    return _env_name(key, value)


def _env_names(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    """`[tool.ttaprod.fix-env-names]`: binding name = environment variable name."""
    if not isinstance(value, dict):
        raise _fail(key, "a table of binding name = environment variable name", value)
    return tuple((name, _env_name(f"{key}.{name}", env)) for name, env in value.items())


# key in TOML → (attribute on Config, validator)
KEYS: dict[str, tuple[str, Validator]] = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "exclude": ("exclude", _str_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "fail-under": ("fail_under", _number(0, 100)),
    "severity": ("severity", _severity_table),
    "weights": ("weights", _weights),
    "block-on": ("block_on", _block_on),
    "max-file-size-kb": ("max_file_size_kb", _max_file_size_kb),
    "jobs": ("jobs", _jobs),
    "baseline": ("baseline", _project_path),
    "fail-on-new": ("fail_on_new", _severity_value),
    "attest": ("attest", _attest),
    "tools": ("tools", _tools),
    "tool-timeout": ("tool_timeout", _seconds),
    "require-tools": ("require_tools", _tool_names),
    "safety-db": ("safety_db", _file_path),
    "preview": ("preview", _bool),
    "roles": ("roles", _roles),
    "sync-clients": ("sync_clients", _qualified_names("ourcorp.billing.Client")),
    "sync-calls": ("sync_calls", _qualified_names("legacy_sdk.fetch")),
    "fix-timeout": ("fix_timeout", _seconds),
    "fix-requests-timeout": ("fix_requests_timeout", _timeout_pair),
    "fix-env-prefix": ("fix_env_prefix", _env_prefix),
    "fix-env-names": ("fix_env_names", _env_names),
}


def from_table(table: dict[str, Any], source: Path | None) -> Config:
    where = str(source) if source else "config"
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise ConfigError(f"{where}: unknown key '{key}' in [tool.ttaprod] (known: {known})")
        attribute, validator = KEYS[key]
        try:
            value = validator(key, raw)
        except ConfigError as exc:
            raise ConfigError(f"{where}: [tool.ttaprod] {exc}") from None
        values[attribute] = value
    return Config(source=source, **values)


def check_attestations(config: Config, root: Path) -> None:
    """An attestation is a file of the project (under the checked root or the config file's
    directory, symlinks resolved): `../../etc/hostname` proves nothing."""
    if config.source is None:
        return
    base = config.source.parent.resolve()
    homes = (base, root.resolve())
    for item, rel in config.attest:
        try:
            target = (base / rel).resolve()
        except (OSError, RuntimeError, ValueError):
            target = None
        if target is None or not any(h == target or h in target.parents for h in homes):
            raise ConfigError(
                f"{config.source}: [tool.ttaprod] 'attest.{item}' must be a file inside the "
                f"project, not {rel!r}"
            )


def check_overrides(fail_under: float | None = None, jobs: int | None = None) -> None:
    """Command-line values, held to the ranges of their config keys."""
    checks: tuple[tuple[str, Any, Validator], ...] = (
        ("--fail-under", fail_under, _number(0, 100)),
        ("--jobs", jobs, _jobs),
    )
    for flag, value, validator in checks:
        if value is None:
            continue
        try:
            validator(flag, value)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(f"'{flag}'", flag, 1)) from None


def read_file(path: Path) -> Config:
    try:
        text = safeio.read_text(path, CONFIG_LIMIT)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not valid UTF-8") from None
    try:
        data = loads(text)
    except TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    if path.name == "pyproject.toml":
        table = tool.get("ttaprod", {}) if isinstance(tool, dict) else {}
    else:
        table = tool.get("ttaprod", data) if isinstance(tool, dict) else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.ttaprod] must be a table")
    return from_table(table, path)


def _has_section(path: Path) -> bool:
    try:
        data = loads(safeio.read_text(path, CONFIG_LIMIT))
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return True  # let read_file report it properly
    tool = data.get("tool")
    return isinstance(tool, dict) and "ttaprod" in tool


def discover(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.ttaprod] table, walking up from `start`."""
    current = start if start.is_dir() else start.parent
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _has_section(candidate):
            return candidate
    return None


def load(start: Path, explicit: Path | None = None) -> Config:
    if explicit is not None:
        if not explicit.exists():
            raise ConfigError(f"config file {explicit} does not exist")
        return read_file(explicit)
    found = discover(start)
    return read_file(found) if found is not None else Config()
