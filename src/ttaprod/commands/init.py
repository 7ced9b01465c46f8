"""`ttaprod init`: a starter `[tool.ttaprod]` in pyproject.toml, and the pre-commit snippet.

An existing `[tool.ttaprod]` is never touched without `--force`; with it, only that
section (and its sub-tables) is replaced, the rest of the file is kept byte for byte.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import (
    __version__,
    ratchet,  # noqa: F401  (registers `fail-on-new`)
    safeio,
)
from .. import baseline as baseline_mod
from .. import config as config_mod
from ..tomlcompat import TOMLDecodeError, loads
from .common import EXIT_PASSED, UsageError

REPOSITORY = "https://github.com/ttaprod/ttaprod"
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

TEMPLATE = """\
[tool.ttaprod]
# The gate: fail under this score (0-100), or on any finding of these severities.
fail-under = 70
block-on = ["critical"]
# Runs that report only part of the project (a baseline, --diff, pre-commit's files)
# fail on any new finding this severe or worse.
fail-on-new = "low"
# Known findings that do not fail the gate; `ttaprod baseline` writes the file.
{baseline_line}
# Paths never checked (globs relative to the checked root), e.g. generated code.
exclude = []

[tool.ttaprod.per-file-ignores]
# "tests/**" = ["TTP4"]          # fake credentials in test data

[tool.ttaprod.severity]
# TTP204 = "info"                # rule = severity
"""

PRE_COMMIT = """\
# .pre-commit-config.yaml
repos:
  - repo: {repository}
    rev: v{version}
    hooks:
      - id: ttaprod        # own rules on the changed files, with the project as context
      - id: ttaprod-full   # every tool, whole project: on `git push`
"""


def section(directory: Path) -> str:
    exists = (directory / baseline_mod.FILE_NAME).is_file()
    line = f'baseline = "{baseline_mod.FILE_NAME}"'
    return TEMPLATE.format(baseline_line=line if exists else f"# {line}")


def _is_ours(name: str) -> bool:
    name = re.sub(r"\s+", "", name).replace('"', "")
    return name == "tool.ttaprod" or name.startswith("tool.ttaprod.")


def _without_section(text: str) -> str:
    """The file's text with every `[tool.ttaprod…]` table removed."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line)
        if header:
            skipping = _is_ours(header.group(1))
        if not skipping:
            out.append(line)
    return "".join(out)


def _has_section(text: str, where: Path) -> bool:
    try:
        data = loads(text)
    except TOMLDecodeError as exc:
        raise UsageError(f"{where}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    return isinstance(tool, dict) and "ttaprod" in tool


def write(directory: Path, force: bool) -> Path:
    """Write the starter section; returns the file written."""
    if not directory.is_dir():
        raise UsageError(f"not a directory: {directory}")
    target = directory / "pyproject.toml"
    try:
        text = safeio.read_text(target, config_mod.CONFIG_LIMIT) if target.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {target}: {getattr(exc, 'strerror', None) or exc}") from None
    if _has_section(text, target):
        if not force:
            raise UsageError(f"{target} already has a [tool.ttaprod] section (--force replaces it)")
        text = _without_section(text)
        if _has_section(text, target):
            raise UsageError(f"{target}: [tool.ttaprod] is not written as a table; edit it by hand")
    body = text.rstrip("\n")
    new = (body + "\n\n" if body else "") + section(directory)
    try:
        config_mod.from_table(loads(new).get("tool", {}).get("ttaprod", {}), target)
    except (TOMLDecodeError, config_mod.ConfigError) as exc:  # pragma: no cover - a bug
        raise UsageError(f"the starter configuration does not load: {exc}") from None
    try:
        safeio.write_atomic(target, new)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def run(directory: Path, force: bool) -> int:
    target = write(directory, force)
    print(f"ttaprod: wrote a starter [tool.ttaprod] section to {target}")
    print()
    print("Run it before every commit with pre-commit (https://pre-commit.com):")
    print()
    print(PRE_COMMIT.format(repository=REPOSITORY, version=__version__), end="")
    print()
    print("then: pre-commit install --hook-type pre-commit --hook-type pre-push")
    return EXIT_PASSED
