"""Reading a parsed compose file: its services, what each one runs, and which project
Dockerfile a service is built from. Shared by the compose practices (`compose.py`), the roles
of deployment files (`purpose.py`) and the project items that read start commands.

Reference: https://docs.docker.com/reference/compose-file/services/
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from .yamlfiles import Pos, YamlFile, YList, YMap, get

_TOP = Pos(1, 1)


def services_of(file: YamlFile) -> YMap:
    doc = file.docs[0] if file.docs else None
    services = get(doc, "services")
    return (
        services if isinstance(services, YMap) else YMap(doc.pos if isinstance(doc, YMap) else _TOP)
    )


def text_of(value: Any) -> str:
    """A command as one line of text (`["npm", "run", "dev"]` → `npm run dev`)."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Build:
    dockerfile: str  # root-relative path of the Dockerfile
    context: str  # root-relative build context
    target: str | None  # the stage it stops at


def build_of(path: str, service: Any) -> Build | None:
    """The project Dockerfile the service is built from (`build: ./api`, or `build:` with
    `context`, `dockerfile`, `target`), relative to the compose file's directory."""
    build = service.get("build") if isinstance(service, YMap) else None
    if build is None:
        return None
    settings = build if isinstance(build, YMap) else YMap(_TOP)
    context = build if isinstance(build, str) else settings.get("context", ".")
    dockerfile = settings.get("dockerfile", "Dockerfile")
    if not isinstance(context, str) or not isinstance(dockerfile, str) or "://" in context:
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(path), context))
    target = settings.get("target")
    return Build(
        posixpath.normpath(posixpath.join(base, dockerfile)),
        base,
        target if isinstance(target, str) else None,
    )


def bind_mounts(path: str, service: Any) -> list[tuple[str, str]]:
    """(root-relative host directory, container path) of the service's relative bind mounts
    (`./src:/app/src`, `.:/app`, long syntax with `type: bind`)."""
    volumes = service.get("volumes") if isinstance(service, YMap) else None
    out: list[tuple[str, str]] = []
    for volume in volumes if isinstance(volumes, YList) else []:
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            target = rest.split(":", 1)[0]
        elif isinstance(volume, YMap) and volume.get("type") == "bind":
            source, target = str(volume.get("source", "")), str(volume.get("target", ""))
        else:
            continue
        if source.startswith(".") and target:
            host = posixpath.normpath(posixpath.join(posixpath.dirname(path), source))
            out.append((host, target))
    return out
