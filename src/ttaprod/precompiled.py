"""The TOML data directories of `rules/` (the catalogue, the knowledge tables, the tool code
maps), read from a copy parsed in advance: `rules/<directory>.json` beside each, written by
`python -m ttaprod.docgen` and kept fresh by a test. Parsing the TOML files costs more than
the rest of `ttaprod rules` and a good part of a warm check; the JSON is a few times faster.

The copy holds the digest of the files it was made from and is used only while that digest is
theirs (reading and hashing them is cheap): a file edited since is read from its TOML, so the
copy can be stale in a checkout without changing what ttaprod does.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def _parse(texts: dict[str, str]) -> dict[str, dict[str, Any]]:
    from .tomlcompat import loads  # the TOML parser: only when the copy cannot be used

    return {name: loads(text) for name, text in texts.items()}


def _sources(directory: Path) -> tuple[dict[str, str], str]:
    """The directory's TOML texts by file name, and their digest."""
    texts: dict[str, str] = {}
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.toml")):
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
        texts[path.name] = data.decode("utf-8")
    return texts, digest.hexdigest()


def copy_path(directory: Path) -> Path:
    return directory.with_name(f"{directory.name}.json")


def render(directory: Path) -> str:
    """The copy of `directory` as `docgen` writes it."""
    texts, digest = _sources(directory)
    data = {"digest": digest, "files": _parse(texts)}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"  # key order as in the TOML


def tables(directory: Path) -> dict[str, dict[str, Any]]:
    """Each TOML file's table by file name, in name order: from the copy when it was made from
    these very files, else parsed."""
    texts, digest = _sources(directory)
    try:
        stored = json.loads(copy_path(directory).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = None
    if isinstance(stored, dict) and stored.get("digest") == digest:
        return stored["files"]
    return _parse(texts)
