"""YAML with line numbers: safe composition (never construction of arbitrary objects) into plain
dicts and lists that remember where each key and item starts.

`yaml.compose_all` with the safe loader builds a node graph and resolves tags but runs no
constructor, so custom tags (`!Ref`, `!!python/...`) cannot execute anything; scalars are turned
into str/int/float/bool/None here, merge keys (`<<: *base`) are flattened, aliases are shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # the C loader is an optional speed-up; both compose the same node graph
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_DEPTH = 200
# Nodes one file may hold once its aliases are expanded: far beyond any real manifest.
# Aliases are shared, not copied, but every consumer that walks the data sees the expanded
# tree, so a ten-line "billion laughs" file must be refused here, once, for all of them.
MAX_EXPANDED = 500_000


class TooLarge(Exception):
    """The document expands to more nodes than a deployment file ever needs."""


_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class Pos:
    line: int  # 1-based
    column: int  # 1-based


class YMap(dict):  # type: ignore[type-arg]  # str -> value
    """A mapping that remembers where it starts and where each of its keys and values start."""

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos: dict[str, Pos] = {}
        self.value_pos: dict[str, Pos] = {}

    def line(self, key: str) -> int:
        """Line of `key` when present, else the line where the mapping starts."""
        return self.key_pos[key].line if key in self.key_pos else self.pos.line

    def value_line(self, key: str) -> int:
        return self.value_pos[key].line if key in self.value_pos else self.line(key)


class YList(list):  # type: ignore[type-arg]
    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos: list[Pos] = []

    def line(self, index: int) -> int:
        return self.item_pos[index].line


@dataclass(frozen=True)
class ParseError:
    line: int
    column: int
    message: str


@dataclass
class YamlFile:
    path: str
    text: str
    docs: list[Any] = field(default_factory=list)  # YMap / YList / scalars, one per document
    error: ParseError | None = None


class _Converter(SafeConstructor):
    def __init__(self) -> None:
        super().__init__()
        self.active: set[int] = set()
        # An alias is converted once and shared, as YAML means it: re-expanding aliases
        # made a ten-line "billion laughs" file take minutes and unbounded memory.
        self.done: dict[int, tuple[Any, int]] = {}  # id(node) -> (value, expanded size)
        self.expanded = 0

    def scalar(self, node: ScalarNode) -> Any:
        kind = node.tag[len(_TAG) :] if node.tag.startswith(_TAG) else ""
        try:
            if kind == "null":
                return None
            if kind == "bool":
                return self.construct_yaml_bool(node)
            if kind == "int":
                return self.construct_yaml_int(node)
            if kind == "float":
                return self.construct_yaml_float(node)
        except (ValueError, ConstructorError):
            pass
        return node.value

    def convert(self, node: Node, depth: int = 0) -> Any:
        if depth > MAX_DEPTH or id(node) in self.active:
            return None  # too deep, or an alias to one of its own ancestors
        if id(node) in self.done:
            value, size = self.done[id(node)]
            self._grow(size)
            return value
        if isinstance(node, ScalarNode):
            self._grow(1)
            return self.scalar(node)
        self.active.add(id(node))
        before = self.expanded
        try:
            out: Any = None
            self._grow(1)
            if isinstance(node, SequenceNode):
                out = YList(_pos(node))
                for item in node.value:
                    out.append(self.convert(item, depth + 1))
                    out.item_pos.append(_pos(item))
            elif isinstance(node, MappingNode):
                out = self.mapping(node, depth)
            self.done[id(node)] = (out, self.expanded - before)
            return out
        finally:
            self.active.discard(id(node))

    def _grow(self, size: int) -> None:
        self.expanded += size
        if self.expanded > MAX_EXPANDED:
            raise TooLarge

    def mapping(self, node: MappingNode, depth: int) -> YMap:
        self.flatten_mapping(node)
        out = YMap(_pos(node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                continue  # a complex key: not something a deployment file uses
            key = str(key_node.value)
            out[key] = self.convert(value_node, depth + 1)
            out.key_pos[key] = _pos(key_node)
            out.value_pos[key] = _pos(value_node)
        return out


def _pos(node: Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


def _error(exc: yaml.YAMLError) -> ParseError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return ParseError(1, 1, str(problem))
    return ParseError(mark.line + 1, mark.column + 1, str(problem))


def load(path: str, text: str) -> YamlFile:
    """Every document of `text`; on a syntax error, the documents before it and the error."""
    result = YamlFile(path, text)
    converter = _Converter()
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            converter.done.clear()  # aliases never cross documents, and ids get reused
            result.docs.append(converter.convert(node) if node is not None else None)
    except yaml.YAMLError as exc:
        result.error = _error(exc)
    except RecursionError:
        result.error = ParseError(1, 1, "nesting too deep to read")
    except TooLarge:
        result.docs = []
        result.error = ParseError(
            1, 1, f"expands to more than {MAX_EXPANDED:,} values through aliases; not read"
        )
    return result


def get(value: Any, *keys: str | int) -> Any:
    """`get(doc, "spec", "template", "spec")`: None as soon as a step is missing or of the
    wrong shape."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(value, list) or not -len(value) <= key < len(value):
                return None
            value = value[key]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
    return value


def is_template(text: str, helm_actions: str) -> bool:
    """Text with Helm/Go or Jinja template actions is not YAML until it is rendered."""
    return re.search(helm_actions, text) is not None or "{%" in text
