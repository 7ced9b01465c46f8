"""deploy.container, compose half: four practices per compose file (TTP511–TTP514).

A service's settings may come from a YAML merge key, from `extends:` in the same file, or from
another compose file of the same directory (compose.yaml + compose.override.yaml are merged by
Docker Compose): restart policies and health checks are looked up across all of them. A
service built from a Dockerfile of the project inherits that image's HEALTHCHECK.

Not judged: restart policy and health check of an interactive container (`tty` and
`stdin_open`: someone attaches to it), and the health check of a leaf service (nothing depends
on it, it publishes no port: no one waits for it to be ready). An inline credential shared by
several services through a YAML anchor is reported once, where the value is written. In a
development, CI or test compose file only a key in a live provider format is reported.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..models import Evidence, Severity
from ..roles import Role
from ..tally import Issue, Tally
from . import values
from .composefile import build_of, services_of
from .inventory import Inventory
from .yamlfiles import YamlFile, YList, YMap, get

__all__ = ["RULES", "check", "services_of"]

RULES = ("TTP511", "TTP512", "TTP513", "TTP514")


def check(file: YamlFile, inventory: Inventory, tally: Tally) -> None:
    path = file.path
    if file.error is not None:
        message = f"compose file cannot be parsed: {file.error.message}"
        tally.practice("TTP590", path, [Issue("TTP590", path, file.error.line, message, "parse")])
        for rule in RULES:
            tally.unverifiable(rule, path, 1)
        return
    services = services_of(file)
    siblings = [
        f
        for f in inventory.compose
        if f is not file and posixpath.dirname(f.path) == posixpath.dirname(path)
    ]
    found: dict[str, list[Issue]] = {rule: [] for rule in RULES}
    proofs: dict[str, Evidence] = {}
    depended = _depended_on(services, siblings)
    production = tally.index.role_of(path) == Role.SERVICE.value
    secrets: dict[tuple[int, str], list[tuple[str, Issue]]] = {}
    judged: set[str] = set()
    for name in services:
        service = _resolved(services.get(name), services)
        key_line = services.line(name)
        others = [s for s in (services_of(f).get(name) for f in siblings) if isinstance(s, YMap)]
        interactive = service.get("tty") is True and service.get("stdin_open") is True
        leaf = name not in depended and not any(k in service for k in ("ports", "expose"))
        for rule, outcome, unjudged in (
            ("TTP511", _image(path, name, service, inventory.own_names), False),
            ("TTP513", _restart(path, name, service, key_line, others), interactive),
            (
                "TTP514",
                _health(path, name, service, key_line, others, inventory),
                interactive or leaf,
            ),
        ):
            if isinstance(outcome, Issue) and unjudged:
                continue  # missing where it does not matter: neither reported nor counted
            judged.add(rule)
            if isinstance(outcome, Issue):
                found[rule].append(outcome)
            elif outcome is not None:
                proofs.setdefault(rule, outcome)
        for issue in _environment(path, name, service, production):
            secrets.setdefault((issue.line, issue.anchor.rsplit(".", 1)[-1]), []).append(
                (name, issue)
            )
    found["TTP512"] = [_once(shared) for shared in secrets.values()]
    for rule in RULES:
        if rule == "TTP512" and not production and not found[rule]:
            continue  # a development file counts only when it holds a live key
        if rule in judged or rule in ("TTP511", "TTP512") or not services:
            tally.practice(rule, path, found[rule], proofs.get(rule))


def _depended_on(services: YMap, siblings: list[YamlFile]) -> set[str]:
    """Services another service waits for or reaches through: `depends_on`, `links`,
    `network_mode: service:<name>`, in this file or a sibling merged with it."""
    out: set[str] = set()
    for group in (services, *(services_of(f) for f in siblings)):
        for service in group.values():
            if not isinstance(service, YMap):
                continue
            for key in ("depends_on", "links"):
                value = service.get(key)
                names = list(value) if isinstance(value, (YMap, YList)) else []
                out.update(str(n).split(":", 1)[0] for n in names)
            mode = service.get("network_mode")
            if isinstance(mode, str) and mode.startswith("service:"):
                out.add(mode.removeprefix("service:"))
    return out


def _once(shared: list[tuple[str, Issue]]) -> Issue:
    """One finding for a value several services share through a YAML anchor, at the line
    where it is written."""
    name, first = shared[0]
    if len(shared) == 1:
        return first
    names = ", ".join(f"`{n}`" for n, _ in shared)
    message = first.message.replace(f"service `{name}` sets", f"services {names} set", 1)
    anchor = first.anchor.replace(f"services.{name}.", "services.*.", 1)
    return Issue(
        first.rule,
        first.path,
        first.line,
        message,
        anchor,
        severity=first.severity,
        secret=first.secret,
        fix=first.fix,
    )


def _resolved(service: Any, services: YMap, depth: int = 0) -> YMap:
    """The service with `extends: {service: base}` of the same file applied (own keys win)."""
    if not isinstance(service, YMap):
        return YMap(services.pos)
    extends = service.get("extends")
    base_name = (
        extends.get("service") if isinstance(extends, YMap) and "file" not in extends else extends
    )
    base = services.get(base_name) if isinstance(base_name, str) and depth < 10 else None
    if not isinstance(base, YMap):
        return service
    merged = YMap(service.pos)
    for source in (_resolved(base, services, depth + 1), service):
        for key, value in source.items():
            merged[key] = value
            merged.key_pos[key] = source.key_pos[key]
            merged.value_pos[key] = source.value_pos[key]
    return merged


def _from_elsewhere(service: YMap, others: list[YMap], key: str) -> bool:
    """Whether `key` may be set where this file cannot show it: a sibling compose file, or an
    `extends:` of another file."""
    extends = service.get("extends")
    return (isinstance(extends, YMap) and "file" in extends) or any(
        key in other for other in others
    )


def _image(
    path: str, name: str, service: YMap, own_names: frozenset[str]
) -> Issue | Evidence | None:
    image = service.get("image")
    if not isinstance(image, str) or "build" in service:
        return None  # no image, or `image:` names what `build:` produces
    line = service.value_line("image")
    ref = values.substitute(image, {})
    problem = values.image_problem(ref)
    if problem is None:
        return Evidence(path, line, f"{name}: image {image}")
    severity = None
    if values.is_own_image(ref, own_names):
        problem = values.own_channel(ref, problem)
        severity = Severity.LOW
    return Issue(
        "TTP511",
        path,
        line,
        f"service `{name}` image `{image}` {problem}",
        f"services.{name}.image",
        severity=severity,
        fix="pin a version tag, ideally with its @sha256 digest",
    )


def _restart(
    path: str, name: str, service: YMap, key_line: int, others: list[YMap]
) -> Issue | Evidence | None:
    if "restart" in service:
        return Evidence(path, service.line("restart"), f"{name}: restart {service['restart']}")
    policy = get(service, "deploy", "restart_policy")
    if policy is not None:
        return Evidence(
            path, service["deploy"].line("restart_policy"), f"{name}: deploy.restart_policy"
        )
    if _from_elsewhere(service, others, "restart"):
        return None
    message = f"service `{name}` has no restart policy: a crashed container stays down"
    return Issue(
        "TTP513",
        path,
        key_line,
        message,
        f"services.{name}.restart",
        fix="add `restart: unless-stopped`",
    )


def _health(
    path: str, name: str, service: YMap, key_line: int, others: list[YMap], inventory: Inventory
) -> Issue | Evidence | None:
    check = service.get("healthcheck")
    if (
        isinstance(check, YMap)
        and check.get("disable") is not True
        and get(check, "test", 0) != "NONE"
    ):
        return Evidence(path, service.line("healthcheck"), f"{name}: healthcheck")
    if check is None:
        if _from_elsewhere(service, others, "healthcheck"):
            return None
        if str(service.get("restart", "")).lower() in ("no", "false"):
            return None  # a one-shot job (migrations, seeding): nothing to keep healthy
        built = _built_healthcheck(path, service, inventory)
        if built is not None:
            return built
        line = key_line
        message = f"service `{name}` has no healthcheck: dependants cannot wait for it to be ready"
    else:
        line = service.line("healthcheck")
        message = f"service `{name}` disables its healthcheck"
    return Issue(
        "TTP514",
        path,
        line,
        message,
        f"services.{name}.healthcheck",
        fix="add a `healthcheck:` whose `test:` calls the health endpoint",
    )


def _built_healthcheck(path: str, service: YMap, inventory: Inventory) -> Evidence | None:
    """The HEALTHCHECK of the project Dockerfile the service is built from (its target stage)."""
    build = build_of(path, service)
    if build is None:
        return None
    rel = build.dockerfile
    entry = inventory.dockerfile_at(rel)
    if entry is None or entry.parsed is None:
        return None
    stage = entry.parsed.stage(build.target) if build.target else None
    found = entry.parsed.healthcheck(stage or entry.parsed.stages[-1])
    return (
        Evidence(rel, found.line, f"HEALTHCHECK of the image built from {rel}") if found else None
    )


def _environment(path: str, name: str, service: YMap, production: bool) -> list[Issue]:
    env = service.get("environment")
    pairs: list[tuple[str, Any, int]] = []
    if isinstance(env, YMap):
        pairs = [(key, value, env.line(key)) for key, value in env.items()]
    elif isinstance(env, YList):
        for index, item in enumerate(env):
            if isinstance(item, str) and "=" in item:
                key, _, value = item.partition("=")
                pairs.append((key, value, env.line(index)))
    out = []
    for key, value, line in pairs:
        secret = values.literal_secret(key, value)
        if secret is None or (not production and secret.severity is not Severity.CRITICAL):
            continue
        message = f"service `{name}` sets {key} inline to {secret.kind} ({values.masked(secret)})"
        out.append(
            Issue(
                "TTP512",
                path,
                line,
                message,
                f"services.{name}.environment.{key}",
                severity=secret.severity,
                secret=secret.value,
                fix="use `${" + key + "}` from an untracked .env file, or compose `secrets:`",
            )
        )
    return out
