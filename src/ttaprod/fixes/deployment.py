"""Deployment files, edited as text line by line so their layout and comments stay as written
(a YAML or Dockerfile re-dumped would lose both):

- TTP513 (safe): `restart: unless-stopped` as the first key of a compose service without a
  restart policy, indented like its other keys;
- TTP503 (unsafe: a container whose health route is slow or broken is now marked unhealthy
  and restarted by an orchestrator that acts on it): a `HEALTHCHECK` against the health route
  the project defines (`/health`…), on the port the image exposes, with Python's urllib (slim
  images have no curl), before the final stage's `CMD`. No health route in the project, no
  fix: a check of a route that does not exist would fail for ever.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..deploy import dockerfile
from ..models import Finding, Replacement
from .files import Source
from .kit import FindingFix
from .settings import Settings, data

_KEY = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:][^#:]*?|\"[^\"]*\"|'[^']*'):[ \t]*(?:#.*)?$")
_CHILD = re.compile(r"^(?P<indent> *)\S")

Declined = list[tuple[Finding, str]]


def _newline(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n"


def restart_policy(
    src: Source, findings: Sequence[Finding], settings: Settings
) -> tuple[list[FindingFix], Declined]:
    lines = src.text.splitlines(keepends=True)
    table = data()["compose"]
    fixes: list[FindingFix] = []
    declined: Declined = []
    for finding in findings:
        index = finding.line - 1
        key = _KEY.match(lines[index].rstrip("\r\n")) if 0 <= index < len(lines) else None
        if key is None:
            declined.append((finding, "not a block-style service key: add the policy by hand"))
            continue
        indent = len(key.group("indent"))
        child = None
        for line in lines[index + 1 :]:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            found = _CHILD.match(line)
            child = len(found.group("indent")) if found else None
            break
        if child is None or child <= indent:
            declined.append((finding, "the service has no keys of its own to stand beside"))
            continue
        text = f"{' ' * child}restart: {table['restart']}{_newline(lines[index])}"
        edit = Replacement(finding.line + 1, 1, finding.line + 1, 1, text)
        what = f"add `restart: {table['restart']}` to the service"
        safe = settings.safety.get(finding.rule) == "safe"
        fixes.append(FindingFix(finding, what, safe, replacements=[edit]))
    return fixes, declined


_PORT_FLAGS = re.compile(r"(?:--port[ =]|-p |--bind[ =]|-b |:)(\d{2,5})\b")


def _port(parsed: dockerfile.Dockerfile, stage: dockerfile.Stage) -> int | None:
    for link in parsed.chain(stage):
        for ins in link.instructions:
            if ins.keyword == "EXPOSE":
                found = re.search(r"\d+", ins.args.text)
                if found:
                    return int(found.group(0))
    for ins in stage.instructions:
        if ins.keyword in ("CMD", "ENTRYPOINT"):
            found = _PORT_FLAGS.search(ins.args.text.replace('"', " ").replace(",", " "))
            if found:
                return int(found.group(1))
    return None


def healthcheck(
    src: Source, findings: Sequence[Finding], settings: Settings
) -> tuple[list[FindingFix], Declined]:
    fixes: list[FindingFix] = []
    declined: Declined = []
    try:
        parsed = dockerfile.parse(src.text)
    except dockerfile.DockerfileError as exc:
        return [], [(f, f"the Dockerfile does not parse: {exc.message}") for f in findings]
    if not parsed.stages:
        return [], [(f, "no FROM") for f in findings]
    if not settings.health_paths:
        why = "the project defines no health route (/health, /healthz…) to check"
        return [], [(f, why) for f in findings]
    table = data()["healthcheck"]
    final = parsed.stages[-1]
    port = _port(parsed, final)
    shown_port = port or table["default_port"]
    instruction = (
        table["instruction"]
        .replace("${port}", str(shown_port))
        .replace("${path}", settings.health_paths[0])
    )
    lines = src.text.splitlines(keepends=True)
    newline = _newline(lines[0]) if lines else "\n"
    for finding in findings:
        disabled = next(
            (
                i
                for i in final.instructions
                if i.keyword == "HEALTHCHECK" and i.line == finding.line
            ),
            None,
        )
        if disabled is not None:
            if disabled.end_line != disabled.line:
                declined.append((finding, "HEALTHCHECK NONE spans several lines"))
                continue
            old = lines[finding.line - 1]
            edit = Replacement(
                finding.line, 1, finding.line, len(old.rstrip("\r\n")) + 1, instruction
            )
        else:
            runs = [i for i in final.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
            if runs:
                at = runs[0].line
                edit = Replacement(at, 1, at, 1, instruction + newline)
            else:
                end = len(lines)
                last = lines[-1] if lines else ""
                if last.endswith(("\n", "\r")):
                    edit = Replacement(end + 1, 1, end + 1, 1, instruction + newline)
                else:
                    edit = Replacement(
                        end, len(last) + 1, end, len(last) + 1, newline + instruction + newline
                    )
        where = (
            f"port {port}" if port else f"port {shown_port}, the usual one (the image EXPOSEs none)"
        )
        what = f"add a HEALTHCHECK of {settings.health_paths[0]} on {where}"
        safe = settings.safety.get(finding.rule) == "safe"
        fixes.append(FindingFix(finding, what, safe, replacements=[edit]))
    return fixes, declined
