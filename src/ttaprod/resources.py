"""Where the data shipped with ttaprod lives: `rules/` (catalogue, library knowledge, tool maps)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def rules_dir() -> Path:
    """The `rules/` tree: inside the wheel as `ttaprod/_rules`, in a checkout at the repo root."""
    for candidate in (_PACKAGE_DIR / "_rules", _PACKAGE_DIR.parent.parent / "rules"):
        if (candidate / "catalogue").is_dir():
            return candidate
    raise FileNotFoundError("ttaprod's rules/ data directory is missing from the installation")


def package_file(name: str) -> Path:
    return _PACKAGE_DIR / name
