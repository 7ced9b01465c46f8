"""Find and read the deployment files of a project, once per run.

- Dockerfiles: `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile[.*]`;
- compose files: `docker-compose*.y(a)ml`, `compose*.y(a)ml`;
- Kubernetes manifests: YAML documents with `apiVersion` and `kind`;
- Prometheus rule files: YAML with `groups:` of `rules:`, and `PrometheusRule` objects.

A YAML file that does not parse counts as a deployment file when its name or text says so
(`apiVersion:` + `kind:`, `groups:` + `alert:`); anything else that does not parse is not ours.
Helm/Jinja templates are not YAML until rendered: they are listed as skipped, not judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .. import knowledge, tomlcompat
from ..engine.project import ProjectIndex
from . import dockerfile, purpose, yamlfiles
from .yamlfiles import ParseError, YamlFile, YMap

_COMPOSE = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$", re.IGNORECASE)
_DOCKERFILE = re.compile(
    r"^(?:(?:docker|container)file(?:\..+)?|.+\.(?:docker|container)file)$", re.IGNORECASE
)
_K8S_HINT = (re.compile(r"^\s*-?\s*apiVersion\s*:", re.M), re.compile(r"^\s*-?\s*kind\s*:", re.M))
_RULES_HINT = (
    re.compile(r"^\s*groups\s*:", re.M),
    re.compile(r"^\s*-?\s*(?:alert|record)\s*:", re.M),
)


@dataclass
class DockerfileEntry:
    path: str
    text: str
    parsed: dockerfile.Dockerfile | None
    error: ParseError | None = None


@dataclass
class Inventory:
    root: Path | None = None
    files: frozenset[str] = frozenset()  # every non-Python file found, root-relative
    max_bytes: int = 0
    texts: dict[str, str] = field(default_factory=dict)
    dockerfiles: list[DockerfileEntry] = field(default_factory=list)
    compose: list[YamlFile] = field(default_factory=list)
    manifests: list[YamlFile] = field(default_factory=list)  # with `error` when unparseable
    rules: list[YamlFile] = field(default_factory=list)
    templates: dict[str, list[str]] = field(default_factory=dict)  # kind → paths skipped
    unread: list[str] = field(default_factory=list)  # too large or not text
    # The role of a file whose content shows what its path does not (`purpose.py`), and why.
    roles: dict[str, str] = field(default_factory=dict)
    purposes: dict[str, str] = field(default_factory=dict)
    # The project's own names (distribution, packages, directory), normalised: an image
    # named after one of them is the project's own image.
    own_names: frozenset[str] = frozenset()

    def dockerfile_at(self, path: str) -> DockerfileEntry | None:
        return next((d for d in self.dockerfiles if d.path == path), None)

    def judged(self, index: ProjectIndex) -> ProjectIndex:
        """`index`, answering `role_of` for deployment files with the roles their content
        decided: what the item checks count and report with."""
        return purpose.with_roles(index, self.roles)

    def read(self, rel: str) -> str | None:
        """The text of another project file (a requirements file), None when absent or unread."""
        if rel not in self.files or self.root is None:
            return None
        if rel not in self.texts:
            text = _read_text(self.root / rel, self.max_bytes)
            if text is None:
                return None
            self.texts[rel] = text
        return self.texts[rel]


def is_k8s_object(doc: Any) -> bool:
    return (
        isinstance(doc, YMap)
        and isinstance(doc.get("apiVersion"), str)
        and isinstance(doc.get("kind"), str)
    )


def is_rules_doc(doc: Any) -> bool:
    if is_k8s_object(doc):
        return doc["kind"] == "PrometheusRule"
    groups = doc.get("groups") if isinstance(doc, YMap) else None
    return isinstance(groups, list) and any(isinstance(g, dict) and "rules" in g for g in groups)


_last: tuple[ProjectIndex, Inventory] | None = None


def collect(index: ProjectIndex) -> Inventory:
    """The deployment files of `index` (read and parsed once for all three deploy items)."""
    global _last
    if _last is None or _last[0] is not index:
        inventory = _collect(index)
        found = purpose.assign(index, inventory)
        inventory.roles, inventory.purposes = found.roles, found.why
        _last = (index, inventory)
    return _last[1]


def _read_text(path: Path, max_bytes: int) -> str | None:
    try:
        if path.stat().st_size > max_bytes:
            return None
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _read(index: ProjectIndex, rel: str, inventory: Inventory) -> str | None:
    text = _read_text(index.root / rel, inventory.max_bytes)
    if text is None:
        inventory.unread.append(rel)
    return text


def _collect(index: ProjectIndex) -> Inventory:
    max_bytes = index.config.max_file_size_kb * 1024
    inventory = Inventory(index.root, frozenset(index.other_files), max_bytes)
    helm_actions = knowledge.table("deploy")["templates"]["helm_actions"]
    charts = {
        str(PurePosixPath(p).parent)
        for p in index.other_files
        if PurePosixPath(p).name == "Chart.yaml"
    }
    for rel in index.other_files:
        name = PurePosixPath(rel).name
        if _DOCKERFILE.match(name) and not name.lower().endswith(".dockerignore"):
            _dockerfile(index, rel, inventory)
        elif name.lower().endswith((".yml", ".yaml")):
            in_chart = any(
                rel.startswith(f"{c}/templates/") or (c == "." and rel.startswith("templates/"))
                for c in charts
            )
            _yaml(index, rel, inventory, helm_actions, in_chart)
    inventory.own_names = _own_names(index, inventory)
    return inventory


# Names too common to say an image is the project's own.
_GENERIC = frozenset(
    {
        *("app", "api", "src", "lib", "core", "common", "utils", "util", "tests", "test"),
        *("docs", "scripts", "backend", "frontend", "server", "web", "service", "python"),
        *("node", "main"),
    }
)


def normal_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _own_names(index: ProjectIndex, inventory: Inventory) -> frozenset[str]:
    """The distribution name of pyproject.toml, the top-level packages (`pkg/__init__.py`,
    `src/pkg/__init__.py`) and the project directory's name."""
    names = {index.root.name}
    for rel in index.python_files:
        parts = rel.split("/")
        if parts[-1] == "__init__.py" and (
            len(parts) == 2 or (len(parts) == 3 and parts[0] == "src")
        ):
            names.add(parts[-2])
    text = inventory.read("pyproject.toml")
    if text:
        try:
            data = tomlcompat.loads(text)
        except ValueError:
            data = {}
        for table in (data.get("project"), data.get("tool", {}).get("poetry")):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                names.add(table["name"])
    return frozenset(n for n in map(normal_name, names) if len(n) >= 3 and n not in _GENERIC)


def _dockerfile(index: ProjectIndex, rel: str, inventory: Inventory) -> None:
    suffixes = knowledge.table("deploy")["templates"]["dockerfile_suffixes"]
    if rel.lower().endswith(tuple(suffixes)):
        inventory.templates.setdefault("container", []).append(rel)
        return
    text = _read(index, rel, inventory)
    if text is None:
        return
    inventory.texts[rel] = text
    try:
        inventory.dockerfiles.append(DockerfileEntry(rel, text, dockerfile.parse(text)))
    except dockerfile.DockerfileError as exc:
        inventory.dockerfiles.append(
            DockerfileEntry(rel, text, None, ParseError(exc.line, 1, exc.message))
        )


def _hinted_kind(text: str, rel: str) -> str | None:
    if _COMPOSE.match(PurePosixPath(rel).name):
        return "container"
    if all(p.search(text) for p in _K8S_HINT):
        return "kubernetes"
    if all(p.search(text) for p in _RULES_HINT):
        return "alerts"
    return None


def _yaml(
    index: ProjectIndex, rel: str, inventory: Inventory, helm_actions: str, in_chart: bool
) -> None:
    text = _read_text(index.root / rel, inventory.max_bytes)
    if text is None:
        if _COMPOSE.match(PurePosixPath(rel).name):
            inventory.unread.append(rel)
        return  # any other YAML we cannot read is not known to be ours
    kind = _hinted_kind(text, rel)
    if kind is None and not in_chart:
        return  # not a deployment file (CI workflows, app config): not parsed at all
    parsed = (
        None if in_chart or yamlfiles.is_template(text, helm_actions) else yamlfiles.load(rel, text)
    )
    if parsed is None or (parsed.error is not None and "{{" in text):
        if kind is not None or in_chart:
            inventory.templates.setdefault(kind or "kubernetes", []).append(rel)
        return
    inventory.texts[rel] = text
    if kind == "container":
        inventory.compose.append(parsed)
    elif parsed.error is not None:
        if kind == "kubernetes":
            inventory.manifests.append(parsed)
        elif kind == "alerts":
            inventory.rules.append(parsed)
    else:
        if any(is_k8s_object(d) for d in parsed.docs):
            inventory.manifests.append(parsed)
        if any(is_rules_doc(d) for d in parsed.docs):
            inventory.rules.append(parsed)
