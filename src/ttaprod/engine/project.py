"""What project item checks see: every file's results and facts, the files found, the
configuration and the external tools' runs, and a safe way to read other project files."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from .. import roles
from ..config import Config
from ..facts import Fact
from ..models import FileResult, Finding, ItemResult, ToolRun
from .graph import CallGraph
from .task import module_aliases

F = TypeVar("F", bound=Fact)

CheckResult = tuple[ItemResult, tuple[Finding, ...]]


@dataclass(frozen=True)
class ProjectIndex:
    root: Path
    config: Config
    files: tuple[FileResult, ...]
    python_files: tuple[str, ...]
    other_files: tuple[str, ...]
    lines: int
    tools: tuple[ToolRun, ...] = ()
    partial: bool = False  # only some files were given (pre-commit): project facts incomplete
    tool_lines: int = 0  # lines of the files the tools checked, when not every file (0: lines)
    facts: tuple[Fact, ...] = field(default=())

    def facts_of(self, kind: type[F]) -> list[F]:
        """The facts of that type, by file and line."""
        found = [fact for fact in self.facts if isinstance(fact, kind)]
        return sorted(found, key=lambda f: (f.path, f.line))

    @cached_property
    def graph(self) -> CallGraph:
        """The project's call graph, joined from every file's facts."""
        return CallGraph(self.facts, module_aliases(f.path for f in self.files))

    @cached_property
    def _roles(self) -> dict[str, str]:
        return {result.path: result.role for result in self.files}

    def role_of(self, rel: str) -> str:
        """The code role of a project file (`ttaprod.roles`): a Python file's from its
        analysis, any other's from where it sits and what it is named."""
        found = self._roles.get(rel)
        return found or roles.classify_deployment(rel, self.config.roles).value

    def read_text(self, rel: str) -> str | None:
        """A project file's text (UTF-8, within the size limit), None when it cannot be read."""
        path = self.root / rel
        try:
            if path.stat().st_size > self.config.max_file_size_kb * 1024:
                return None
            return path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
