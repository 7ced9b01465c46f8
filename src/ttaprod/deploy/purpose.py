"""What each deployment file is for, when its path does not say (`roles.classify_deployment`
knows `.devcontainer/`, `tests/`, `docker-compose.dev.yml`…): what it runs does.

A compose file that starts a development server, an idle container an editor attaches to, or
a notebook, that lets its database accept any password, that tags its build of the project
for development (`image: app:dev`), or whose header says it is the development setup is not
how the service runs in production; nor is a Dockerfile built from a
devcontainer image, or one whose start command is a development server that no production
compose file runs unchanged (a production compose file that runs it without bind-mounting the
source keeps it a production image). Such files get the role `build`, like a
`docker-compose.dev.yml`: the rules that apply only to production files leave them alone.
The signals are data: `[deployment]` in `rules/knowledge/roles.toml`.

The overlay `with_roles()` gives the item checks a project index that answers `role_of` with
these roles, so a finding on such a file shows the role it was judged in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .. import knowledge
from ..engine.project import ProjectIndex
from ..globs import matches
from ..roles import Role
from . import composefile
from .dockerfile import Dockerfile
from .values import parse_image
from .yamlfiles import YamlFile, YList, YMap

if TYPE_CHECKING:
    from .inventory import DockerfileEntry, Inventory


@dataclass(frozen=True)
class _Signals:
    commands: tuple[re.Pattern[str], ...]
    images: frozenset[str]
    base_images: tuple[re.Pattern[str], ...]
    environment: Mapping[str, frozenset[str]]
    comments: tuple[re.Pattern[str], ...]
    tags: frozenset[str]  # a project build tagged like this is a local build (`app:dev`)


@knowledge.derived
def _signals() -> _Signals:
    data = knowledge.table("roles")["deployment"]
    return _Signals(
        tuple(re.compile(p, re.IGNORECASE) for p in data["dev_commands"]),
        frozenset(data["dev_images"]),
        tuple(re.compile(p) for p in data["dev_base_images"]),
        {k: frozenset(v.lower() for v in vs) for k, vs in data["dev_environment"].items()},
        tuple(re.compile(p, re.IGNORECASE) for p in data["dev_comments"]),
        frozenset(data["dev_words"]),
    )


def dev_command(text: str) -> str | None:
    """The part of a start command that runs a development server, an idle container or a
    notebook (`npm run dev`, `--reload`, `sleep infinity`), None when it runs none."""
    for pattern in _signals().commands:
        found = pattern.search(text)
        if found:
            return found.group(0).strip()
    return None


def is_dev_image(image: str) -> bool:
    """A development tool's image (pgAdmin, a mail catcher), whatever its tag."""
    name = parse_image(image).name.lower()
    return name in _signals().images or name.removeprefix("docker.io/") in _signals().images


def start_command(df: Dockerfile) -> tuple[int, str] | None:
    """(line, text) of the command the final stage starts: its ENTRYPOINT and CMD in effect."""
    final = df.stages[-1]
    parts = [df.last(final, keyword) for keyword in ("ENTRYPOINT", "CMD")]
    found = [p[1] for p in parts if p is not None]
    if not found:
        return None
    return found[-1].line, " ".join(_exec_words(ins.args.text) for ins in found)


def _exec_words(text: str) -> str:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return " ".join(w.strip().strip("\"'") for w in text[1:-1].split(","))
    return text


def _header(text: str) -> str:
    """The comment lines a file starts with."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == "---" or (not stripped and not lines):
            continue
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#"))
    return " ".join(lines)


@dataclass
class Purposes:
    roles: dict[str, str] = field(default_factory=dict)  # path → role, when content decides
    why: dict[str, str] = field(default_factory=dict)  # path → what showed it


def assign(index: ProjectIndex, inventory: Inventory) -> Purposes:
    """The role of every deployment file whose path gives `service` but whose content shows a
    development setup."""
    out = Purposes()

    def by_content(path: str) -> bool:  # the project's own [tool.ttaprod.roles] globs win
        return index.role_of(path) == Role.SERVICE.value and not any(
            matches(pattern, path) for pattern, _ in index.config.roles
        )

    by_path = {e.path: e for e in inventory.dockerfiles if e.parsed is not None}
    dev_start = {
        path: (command[1], found)
        for path, entry in by_path.items()
        if entry.parsed is not None
        and (command := start_command(entry.parsed)) is not None
        and (found := dev_command(command[1])) is not None
    }
    production_runs: set[str] = set()
    for file in inventory.compose:
        if file.error is not None:
            continue
        if not by_content(file.path):
            continue
        why = _compose_dev(file, inventory.texts.get(file.path, ""), dev_start)
        if why is not None:
            out.roles[file.path], out.why[file.path] = Role.BUILD.value, why
            continue
        for service in composefile.services_of(file).values():
            build = composefile.build_of(file.path, service)
            if build is None or "command" in service or "entrypoint" in service:
                continue
            mounts = composefile.bind_mounts(file.path, service)
            if not any(host == build.context for host, _ in mounts):
                production_runs.add(build.dockerfile)
    for path, entry in by_path.items():
        if not by_content(path):
            continue
        why = _dockerfile_dev(entry, dev_start, production_runs)
        if why is not None:
            out.roles[path], out.why[path] = Role.BUILD.value, why
    return out


def _dockerfile_dev(
    entry: DockerfileEntry, dev_start: dict[str, tuple[str, str]], production_runs: set[str]
) -> str | None:
    df = entry.parsed
    assert df is not None
    base = df.chain(df.stages[-1])[-1].base
    if any(p.search(base) for p in _signals().base_images):
        return f"built from the devcontainer image {base}"
    if entry.path in dev_start and entry.path not in production_runs:
        return f"its start command runs `{dev_start[entry.path][1]}`"
    return None


def _compose_dev(file: YamlFile, text: str, dev_start: dict[str, tuple[str, str]]) -> str | None:
    signals = _signals()
    header = _header(text)
    for pattern in signals.comments:
        found = pattern.search(header)
        if found:
            return f"its header says `{found.group(0)}`"
    services = composefile.services_of(file)
    builds_project = False
    tools: list[str] = []
    for name, service in services.items():
        if not isinstance(service, YMap):
            continue
        for key in ("command", "entrypoint"):
            found = dev_command(composefile.text_of(service.get(key)))
            if found:
                return f"service `{name}` runs `{found}`"
        for key, value in _environment(service):
            allowed = signals.environment.get(key, frozenset())
            if str(value).strip().lower() in allowed:
                return f"service `{name}` sets {key}={value}"
        build = composefile.build_of(file.path, service)
        image = service.get("image")
        if build is not None and isinstance(image, str):
            tag = (parse_image(image).tag or "").lower()
            if tag in signals.tags:
                return f"service `{name}` builds the project as `{image}`"
        if build is not None:
            builds_project = True
            mounted = any(
                host == build.context for host, _ in composefile.bind_mounts(file.path, service)
            )
            if build.dockerfile in dev_start and mounted and "command" not in service:
                command = dev_start[build.dockerfile][1]
                return (
                    f"service `{name}` runs `{command}` of {build.dockerfile} on its"
                    " bind-mounted source"
                )
        if isinstance(image, str) and is_dev_image(image):
            tools.append(image)
    if tools and not builds_project:
        return f"it runs no project build, and the development tool {tools[0]}"
    return None


def _environment(service: YMap) -> list[tuple[str, Any]]:
    env = service.get("environment")
    if isinstance(env, YMap):
        return list(env.items())
    if isinstance(env, YList):
        return [tuple(i.split("=", 1)) for i in env if isinstance(i, str) and "=" in i]  # type: ignore[misc]
    return []


@dataclass(frozen=True)
class _Overlay(ProjectIndex):
    """The project index, with the roles of deployment files that their content decided."""

    deployment_roles: Mapping[str, str] = field(default_factory=dict)

    def role_of(self, rel: str) -> str:
        return self.deployment_roles.get(rel) or super().role_of(rel)


def with_roles(index: ProjectIndex, roles: Mapping[str, str]) -> ProjectIndex:
    if not roles:
        return index
    values = {f.name: getattr(index, f.name) for f in fields(ProjectIndex)}
    return _Overlay(**values, deployment_roles=dict(roles))
