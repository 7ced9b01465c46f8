"""Python dependency installs in shell text (RUN instructions): locked, or resolved afresh?

`pip install fastapi uvicorn` resolves whatever is newest on each build, and so does
`pip install -r requirements.txt` when that file (found next to the Dockerfile) names packages
without `==` pins. Constraints files, `--require-hashes`, exact pins, wheel files, local paths,
`poetry install`, `uv sync`, `pipenv sync` are locked. Installer tooling (`pip install
--upgrade pip`) may float. Facts: `[installs]` in rules/knowledge/deploy.toml.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import knowledge
from ..models import Evidence
from ..tally import Issue
from .dockerfile import Located

Reader = Callable[[str], "str | None"]  # a requirements path as written → its text, if known

_PIP = r"(?:\bpython[0-9.]*\s+-m\s+pip|\buv\s+pip|\bpip[0-9.]*)\s+install\b"
_RESOLVING = r"\b(?:poetry|uv|pdm)\s+add\b|\bpipenv\s+install\b"
_COMMAND = re.compile(rf"(?P<pip>{_PIP})|(?P<other>{_RESOLVING})")
_LOCKED = re.compile(
    r"\b(?:poetry\s+install|uv\s+sync|uv\s+pip\s+sync|pip-sync|pipenv\s+sync"
    r"|pdm\s+(?:install|sync))\b[^\n&;|]*"
)
_END = re.compile(r"&&|\|\||[;|\n]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FIX = (
    "install from a lock file: `pip install -r requirements.txt` with pinned (hashed) versions,"
    " `uv sync --frozen`, `poetry install`"
)


@knowledge.derived
def _facts() -> dict[str, Any]:
    return knowledge.table("deploy")["installs"]


def _words(tail: str) -> list[str]:
    try:
        return shlex.split(tail, comments=True)
    except ValueError:
        return tail.split()


def _floating(requirement: str) -> str | None:
    """The package name when `requirement` names a registry package without an exact pin."""
    spec = requirement.split(";")[0].strip()
    if "$" in spec or "@" in spec or "://" in spec:
        return None  # a variable, a direct URL, `name @ url`
    if spec.startswith((".", "/", "~")) or spec.endswith((".whl", ".tar.gz", ".zip")):
        return None  # a local path or an artifact file
    match = _NAME.match(spec)
    if match is None or re.search(r"===?[^=*,;]+$", spec):
        return None
    return None if match.group(0).lower() in _facts()["tooling_packages"] else match.group(0)


@dataclass
class _Pip:
    packages: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    pinned_elsewhere: bool = False  # a constraints file or hash checking


def _parse_pip(words: list[str]) -> _Pip:
    with_value, pip = set(_facts()["pip_options_with_value"]), _Pip()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-"):
            pip.packages.append(word)
            continue
        name, eq, value = word.partition("=")
        if not eq and len(name) > 2 and not name.startswith("--") and name[:2] in with_value:
            name, value = name[:2], name[2:]  # `-rrequirements.txt`
        elif not eq and name in with_value and index < len(words):
            value, index = words[index], index + 1
        if name in ("-c", "--constraint", "--require-hashes"):
            pip.pinned_elsewhere = True
        elif name in ("-r", "--requirement"):
            pip.files.append(value)
    return pip


def requirements_floating(text: str) -> tuple[list[str], int] | None:
    """(floating package names, packages named) of a requirements file; None when the file
    pins through a constraints file or hashes."""
    floating, total = [], 0
    for raw in text.splitlines():
        line = raw.split(" #")[0].strip().rstrip("\\").strip()
        if line.startswith(("-c", "--constraint", "--require-hashes")):
            return None
        if not line or line.startswith(("#", "-")):
            continue
        total += 1
        name = _floating(line.split()[0])
        if name:
            floating.append(name)
    return floating, total


@dataclass(frozen=True)
class _Verdict:
    message: str | None  # why the install floats; None when it is locked
    proof: str | None = None  # what shows it is locked


def _judge_pip(command: str, words: list[str], read: Reader) -> _Verdict:
    pip = _parse_pip(words)
    if pip.pinned_elsewhere:
        return _Verdict(None, f"{command} with constraints/hashes")
    floating = [n for n in (_floating(p) for p in pip.packages) if n]
    if floating:
        named = ", ".join(floating[:4]) + (", …" if len(floating) > 4 else "")
        return _Verdict(f"`{command}` installs unpinned packages ({named})")
    for name in pip.files:
        text = read(name)
        judged = requirements_floating(text) if text is not None else None
        if judged and judged[0]:
            names, total = judged
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            pins = "none" if len(names) == total else f"{total - len(names)}"
            return _Verdict(
                f"`{command} -r {name}` installs from a file that pins {pins} of its"
                f" {total} packages ({shown} float)"
            )
    return _Verdict(None, f"{command} -r {pip.files[0]}" if pip.files else None)


def _judge(text: Located, match: re.Match[str], read: Reader) -> _Verdict:
    end = _END.search(text.text, match.end())
    words = _words(text.text[match.end() : end.start() if end else len(text.text)])
    command = " ".join(match.group(0).split())
    if match.group("pip"):
        return _judge_pip(command, words, read)
    if command.startswith("pipenv") and not [w for w in words if not w.startswith("-")]:
        return _Verdict(None)
    return _Verdict(f"`{command}` resolves dependencies at build time, not from the lock file")


def issues(texts: list[Located], path: str, read: Reader) -> tuple[list[Issue], Evidence | None]:
    """TTP505 issues in the shell texts of a Dockerfile, and the first locked install as proof."""
    found: list[Issue] = []
    proof: Evidence | None = None
    for text in texts:
        for match in _COMMAND.finditer(text.text):
            verdict, line = _judge(text, match, read), text.line_at(match.start())
            if verdict.message is not None:
                message = f"{verdict.message}: each build can get different versions"
                anchor = " ".join(text.text[match.start() :].split())[:80]
                found.append(Issue("TTP505", path, line, message, anchor, fix=FIX))
            elif verdict.proof and proof is None:
                proof = Evidence(path, line, verdict.proof)
        locked = _LOCKED.search(text.text)
        if locked and proof is None:
            note = " ".join(locked.group(0).split())[:70]
            proof = Evidence(path, text.line_at(locked.start()), note)
    return found, proof
