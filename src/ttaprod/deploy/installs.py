"""Python dependency installs in shell text (RUN instructions): locked, or resolved afresh?

`pip install fastapi uvicorn` resolves whatever is newest on each build, and so does
`pip install -r requirements.txt` when that file (found next to the Dockerfile) names packages
without `==` pins. Constraints files, `--require-hashes`, exact pins, compatible-release pins to
the patch level (`~=1.4.2`), wheel files, local paths, `--no-index` (local wheels only),
`poetry install`, `uv sync`, `pipenv sync` are locked. Installer tooling (`pip install
--upgrade pip`) may float, and so may a package installed first on its own (`pip install numpy`
before the rest) when a later install of the same Dockerfile pins it from a requirements file:
the pinned version is the one the image keeps. Facts: `[installs]` in
rules/knowledge/deploy.toml.
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
_PATCH_PIN = re.compile(r"~=\s*[0-9]+(?:\.[0-9]+){2,}\s*$")  # ~=1.4.2: any 1.4.x from 1.4.2
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
    if match is None or re.search(r"===?[^=*,;]+$", spec) or _PATCH_PIN.search(spec):
        return None
    return None if match.group(0).lower() in _facts()["tooling_packages"] else match.group(0)


def normal(name: str) -> str:
    """A package name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class _Pip:
    packages: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    pinned_elsewhere: bool = False  # a constraints file or hash checking
    local_only: bool = False  # --no-index: local wheels and directories only


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
        elif name == "--no-index":
            pip.local_only = True
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


def pinned_names(text: str, read: Reader, depth: int = 0) -> set[str]:
    """Packages a requirements or constraints file pins exactly, with the files it includes
    (`-r base.txt`, `-c constraints.txt`)."""
    out: set[str] = set()
    for raw in text.splitlines():
        line = raw.split(" #")[0].strip().rstrip("\\").strip()
        words = line.split()
        if len(words) >= 2 and words[0] in ("-r", "--requirement", "-c", "--constraint"):
            included = read(words[1]) if depth < 5 else None
            if included is not None:
                out |= pinned_names(included, read, depth + 1)
            continue
        if not line or line.startswith(("#", "-")):
            continue
        spec = line.split()[0]
        match = _NAME.match(spec)
        if match and _floating(spec) is None and "@" not in spec:
            out.add(normal(match.group(0)))
    return out


@dataclass(frozen=True)
class _Verdict:
    message: str | None  # why the install floats; None when it is locked
    proof: str | None = None  # what shows it is locked
    bare: tuple[str, ...] = ()  # packages named on the command line without a pin
    pins: frozenset[str] = frozenset()  # packages this install pins


def _judge_pip(command: str, words: list[str], read: Reader) -> _Verdict:
    pip = _parse_pip(words)
    if pip.pinned_elsewhere:
        return _Verdict(None, f"{command} with constraints/hashes")
    if pip.local_only:
        return _Verdict(None, f"{command} --no-index (local wheels only)")
    pins = {normal(m.group(0)) for p in pip.packages if (m := _NAME.match(p)) and not _floating(p)}
    for name in pip.files:
        text = read(name)
        if text is not None:
            pins |= pinned_names(text, read)
    floating = [n for n in (_floating(p) for p in pip.packages) if n]
    if floating:
        named = ", ".join(floating[:4]) + (", …" if len(floating) > 4 else "")
        message = f"`{command}` installs unpinned packages ({named})"
        return _Verdict(message, bare=tuple(floating), pins=frozenset(pins))
    for name in pip.files:
        text = read(name)
        judged = requirements_floating(text) if text is not None else None
        if judged and judged[0]:
            names, total = judged
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            pinned = "none" if len(names) == total else f"{total - len(names)}"
            return _Verdict(
                f"`{command} -r {name}` installs from a file that pins {pinned} of its"
                f" {total} packages ({shown} float)",
                pins=frozenset(pins),
            )
    proof = f"{command} -r {pip.files[0]}" if pip.files else None
    return _Verdict(None, proof, pins=frozenset(pins))


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
    judged = [
        (text, match, _judge(text, match, read))
        for text in texts
        for match in _COMMAND.finditer(text.text)
    ]
    for text in texts:
        for index, (at, match, verdict) in enumerate(judged):
            if at is not text:
                continue
            line = text.line_at(match.start())
            later = frozenset().union(*(v.pins for _, _, v in judged[index + 1 :]))
            bare = {normal(n) for n in verdict.bare}
            if verdict.message is not None and bare and bare <= later:
                # installed first on its own, then pinned by a later install of this Dockerfile
                verdict = _Verdict(None, f"{', '.join(verdict.bare[:3])} pinned by a later install")
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
