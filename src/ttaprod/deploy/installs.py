"""Python dependency installs in shell text (RUN instructions): locked, or resolved afresh?

`pip install fastapi uvicorn` resolves whatever is newest on each build; `pip install -r
requirements.txt`, `pip install -c constraints.txt …`, `--require-hashes`, exact `==` pins,
wheel files, local paths, `poetry install`, `uv sync`, `pipenv sync` read a lock or a pin.
Installer tooling (`pip install --upgrade pip`) may float. Facts: rules/knowledge/deploy.toml.
"""

from __future__ import annotations

import re
import shlex
from functools import cache
from typing import Any

from .. import knowledge
from ..models import Evidence
from .dockerfile import Located
from .verdict import Issue

_PIP = r"(?:\bpython[0-9.]*\s+-m\s+pip|\buv\s+pip|\bpip[0-9.]*)\s+install\b"
_COMMAND = re.compile(
    rf"(?P<pip>{_PIP})|(?P<other>\b(?:poetry|uv|pdm)\s+add\b|\bpipenv\s+install\b)"
)
_LOCKED = re.compile(
    r"\b(?:poetry\s+install|uv\s+sync|uv\s+pip\s+sync|pip-sync|pipenv\s+sync|pdm\s+(?:install|sync))\b[^\n&;|]*"
)
_END = re.compile(r"&&|\|\||[;|\n]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FIX = (
    "install from a lock file: `pip install -r requirements.txt` with pinned (hashed) versions,"
    " `uv sync --frozen`, `poetry install`"
)


@cache
def _facts() -> dict[str, Any]:
    return knowledge.table("deploy")["installs"]


def _words(tail: str) -> list[str]:
    try:
        return shlex.split(tail, comments=False)
    except ValueError:
        return tail.split()


def _is_pinned(requirement: str) -> bool:
    if "$" in requirement or "://" in requirement or " @ " in requirement or "@" in requirement:
        return True  # a variable, a direct URL or `name @ url`: not a floating registry name
    if requirement.startswith((".", "/", "~")) or requirement.endswith((".whl", ".tar.gz", ".zip")):
        return True  # a local path or an artifact file
    return re.search(r"===?[^=*,;]+$", requirement.split(";")[0].strip()) is not None


def unpinned_packages(words: list[str]) -> list[str]:
    """The registry packages a `pip install` names without an exact pin (empty when a
    constraints file or hash checking pins everything)."""
    facts = _facts()
    with_value, out = set(facts["pip_options_with_value"]), []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            glued = len(name) > 2 and not name.startswith("--") and name[:2] in with_value
            if name in ("-c", "--constraint", "--require-hashes") or (glued and name[:2] == "-c"):
                return []
            skip = name in with_value and "=" not in word and not glued
            continue
        match = _NAME.match(word)
        if (
            match
            and not _is_pinned(word)
            and match.group(0).lower() not in facts["tooling_packages"]
        ):
            out.append(match.group(0))
    return out


def _command_issue(
    text: Located, match: re.Match[str], path: str
) -> tuple[Issue | None, Evidence | None]:
    end = _END.search(text.text, match.end())
    words = _words(text.text[match.end() : end.start() if end else len(text.text)])
    command = " ".join(match.group(0).split())
    line = text.line_at(match.start())
    if match.group("pip"):
        unpinned = unpinned_packages(words)
        if any(
            w.split("=", 1)[0] in ("-r", "--requirement") or (w.startswith("-r") and len(w) > 2)
            for w in words
        ):
            proof = Evidence(path, line, f"{command} {' '.join(words)[:60]}")
        else:
            proof = None
        if not unpinned:
            return None, proof
        message = (
            f"`{command}` installs unpinned packages ({', '.join(unpinned[:4])}):"
            " each build can get different versions"
        )
    else:
        named = [w for w in words if not w.startswith("-")]
        if command.startswith("pipenv") and not named:
            return None, None
        message = f"`{command}` resolves dependencies at build time instead of from the lock file"
    return Issue("TTP505", path, line, message, f"{command} {' '.join(words)}", fix=FIX), None


def issues(texts: list[Located], path: str) -> tuple[list[Issue], Evidence | None]:
    """TTP505 issues in the shell texts of a Dockerfile, and the first locked install as proof."""
    found: list[Issue] = []
    proof: Evidence | None = None
    for text in texts:
        for match in _COMMAND.finditer(text.text):
            issue, evidence = _command_issue(text, match, path)
            if issue is not None:
                found.append(issue)
            proof = proof or evidence
        locked = _LOCKED.search(text.text)
        if locked and proof is None:
            proof = Evidence(
                path, text.line_at(locked.start()), " ".join(locked.group(0).split())[:70]
            )
    return found, proof
