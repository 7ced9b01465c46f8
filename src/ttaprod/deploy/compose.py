"""deploy.container, compose half: four practices per compose file (TTP511–TTP514).

A service's settings may come from a YAML merge key, from `extends:` in the same file, or from
another compose file of the same directory (compose.yaml + compose.override.yaml are merged by
Docker Compose): restart policies and health checks are looked up across all of them. A
service built from a Dockerfile of the project inherits that image's HEALTHCHECK.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..models import Evidence
from ..tally import Issue, Tally
from . import values
from .inventory import Inventory
from .yamlfiles import Pos, YamlFile, YList, YMap, get

RULES = ("TTP511", "TTP512", "TTP513", "TTP514")
_TOP = Pos(1, 1)


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
    for name in services:
        service = _resolved(services.get(name), services)
        key_line = services.line(name)
        others = [s for s in (services_of(f).get(name) for f in siblings) if isinstance(s, YMap)]
        for rule, outcome in (
            ("TTP511", _image(path, name, service)),
            ("TTP513", _restart(path, name, service, key_line, others)),
            ("TTP514", _health(path, name, service, key_line, others, inventory)),
        ):
            if isinstance(outcome, Issue):
                found[rule].append(outcome)
            elif outcome is not None:
                proofs.setdefault(rule, outcome)
        found["TTP512"].extend(_environment(path, name, service))
    for rule in RULES:
        tally.practice(rule, path, found[rule], proofs.get(rule))


def services_of(file: YamlFile) -> YMap:
    doc = file.docs[0] if file.docs else None
    services = get(doc, "services")
    return (
        services if isinstance(services, YMap) else YMap(doc.pos if isinstance(doc, YMap) else _TOP)
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


def _image(path: str, name: str, service: YMap) -> Issue | Evidence | None:
    image = service.get("image")
    if not isinstance(image, str) or "build" in service:
        return None  # no image, or `image:` names what `build:` produces
    line = service.value_line("image")
    problem = values.image_problem(values.substitute(image, {}))
    if problem is None:
        return Evidence(path, line, f"{name}: image {image}")
    return Issue(
        "TTP511",
        path,
        line,
        f"service `{name}` image `{image}` {problem}",
        f"services.{name}.image",
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
    build = service.get("build")
    if build is None:
        return None
    settings = build if isinstance(build, YMap) else YMap(service.pos)
    context = build if isinstance(build, str) else settings.get("context", ".")
    dockerfile = settings.get("dockerfile", "Dockerfile")
    if not isinstance(context, str) or not isinstance(dockerfile, str):
        return None
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(path), context, dockerfile))
    entry = inventory.dockerfile_at(rel)
    if entry is None or entry.parsed is None:
        return None
    target = settings.get("target")
    stage = entry.parsed.stage(target) if isinstance(target, str) else None
    found = entry.parsed.healthcheck(stage or entry.parsed.stages[-1])
    return (
        Evidence(rel, found.line, f"HEALTHCHECK of the image built from {rel}") if found else None
    )


def _environment(path: str, name: str, service: YMap) -> list[Issue]:
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
        if secret is None:
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
