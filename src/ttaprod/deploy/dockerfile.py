"""A small Dockerfile parser: parser directives (`# syntax=`, `# escape=`), comments, line
continuations (comment and empty lines inside them dropped, as BuildKit does), heredocs
(`RUN <<EOF` … `EOF`, `<<-` strips tabs), flags (`--platform=`, `--mount=`), global `ARG`s
before the first `FROM`, and build stages. Every piece of text keeps its physical line numbers.

Reference: https://docs.docker.com/reference/dockerfile/
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .values import substitute

INSTRUCTIONS = frozenset(
    [
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ]
)
_DIRECTIVE = re.compile(r"^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(\S*)\s*$")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_FLAG_KEYWORDS = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})


@dataclass(frozen=True)
class Located:
    """Text joined from physical lines; `line_at(offset)` maps a character back to its line."""

    text: str
    starts: tuple[int, ...] = (0,)  # offset where each piece starts
    lines: tuple[int, ...] = (1,)  # the physical line of each piece

    def line_at(self, offset: int) -> int:
        return self.lines[max(0, bisect.bisect_right(self.starts, offset) - 1)]


@dataclass(frozen=True)
class Heredoc:
    delimiter: str
    body: Located


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    args: Located  # everything after the keyword and its --flags
    line: int
    end_line: int
    flags: tuple[tuple[str, str], ...] = ()
    heredocs: tuple[Heredoc, ...] = ()

    def flag(self, name: str) -> str | None:
        return next((v for k, v in self.flags if k == name), None)


@dataclass(frozen=True)
class Stage:
    index: int
    base: str  # the image or earlier stage it starts from, build args expanded where known
    name: str | None
    from_: Instruction
    instructions: tuple[Instruction, ...]  # after FROM


@dataclass(frozen=True)
class Dockerfile:
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    directives: dict[str, str]
    global_args: dict[str, str]
    escape: str = "\\"

    def stage(self, ref: str) -> Stage | None:
        """The stage a FROM / --from / compose `target` refers to, by name or index."""
        for stage in self.stages:
            if (stage.name and stage.name.lower() == ref.lower()) or ref == str(stage.index):
                return stage
        return None

    def parent(self, stage: Stage) -> Stage | None:
        """The earlier stage `stage` is built FROM, when it is not an external image."""
        parent = self.stage(stage.base)
        return parent if parent is not None and parent.index < stage.index else None

    def chain(self, stage: Stage) -> list[Stage]:
        """The stage and the earlier stages it is built from, nearest first."""
        chain = [stage]
        while (parent := self.parent(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        return chain

    def last(self, stage: Stage, keyword: str) -> tuple[Stage, Instruction] | None:
        """The instruction of that kind in effect at the end of `stage` (inherited or not)."""
        for link in self.chain(stage):
            found = [ins for ins in link.instructions if ins.keyword == keyword]
            if found:
                return link, found[-1]
        return None

    def healthcheck(self, stage: Stage) -> Instruction | None:
        """The HEALTHCHECK in effect at the end of `stage`; None when absent or NONE."""
        found = self.last(stage, "HEALTHCHECK")
        if found is None or found[1].args.text.strip().upper().startswith("NONE"):
            return None
        return found[1]


class DockerfileError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def tokens(located: Located, escape: str = "\\") -> list[tuple[str, int]]:
    """Shell-like words with quotes removed, each with the offset where it starts."""
    out: list[tuple[str, int]] = []
    text, i, n = located.text, 0, len(located.text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start, word, quote = i, [], ""
        while i < n and (quote or not text[i].isspace()):
            char = text[i]
            if char == escape and quote != "'" and i + 1 < n:
                word.append(text[i + 1])
                i += 2
                continue
            if quote and char == quote:
                quote = ""
            elif not quote and char in "'\"":
                quote = char
            else:
                word.append(char)
            i += 1
        out.append(("".join(word), start))
    return out


def _directives(lines: list[str]) -> tuple[dict[str, str], int]:
    found: dict[str, str] = {}
    for number, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if match is None or match.group(1).lower() in found:
            return found, number
        found[match.group(1).lower()] = match.group(2)
    return found, len(lines)


def _skippable(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.directives, self.i = _directives(self.lines)
        escape = self.directives.get("escape", "\\")
        self.escape = escape if escape in ("\\", "`") else "\\"
        self.continuation = re.compile(re.escape(self.escape) + r"[ \t]*$")

    def logical(self) -> tuple[Located, int, int]:
        """The next instruction's text (continuations joined), its first and last line."""
        pieces: list[tuple[int, str]] = []
        first = self.i + 1
        while self.i < len(self.lines):
            line = self.lines[self.i]
            self.i += 1
            match = self.continuation.search(line)
            if match is None:
                pieces.append((self.i, line))
                break
            pieces.append((self.i, line[: match.start()]))
            while self.i < len(self.lines) and _skippable(self.lines[self.i]):
                self.i += 1
        return _join(pieces), first, pieces[-1][0]

    def heredoc(self, strip_tabs: bool, delimiter: str, opened: int) -> Heredoc:
        pieces: list[tuple[int, str]] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            self.i += 1
            check = line.lstrip("\t") if strip_tabs else line
            if check == delimiter:
                return Heredoc(delimiter, _join(pieces, "\n"))
            pieces.append((self.i, check))
        raise DockerfileError(opened, f"heredoc `<<{delimiter}` is never closed")


def _join(pieces: list[tuple[int, str]], sep: str = "") -> Located:
    starts, lines, parts, offset = [], [], [], 0
    for number, text in pieces:
        starts.append(offset)
        lines.append(number)
        parts.append(text)
        offset += len(text) + len(sep)
    return Located(sep.join(parts), tuple(starts) or (0,), tuple(lines) or (1,))


def _split_flags(
    rest: Located, keyword: str, escape: str
) -> tuple[Located, tuple[tuple[str, str], ...]]:
    flags: list[tuple[str, str]] = []
    cut = 0
    for word, offset in tokens(rest, escape):
        if not word.startswith("--") or keyword not in _FLAG_KEYWORDS:
            break
        name, _, value = word[2:].partition("=")
        flags.append((name.lower(), value))
        cut = offset + len(word)
        while cut < len(rest.text) and not rest.text[cut].isspace():
            cut += 1  # quotes removed from `word` made it shorter than the source
    return _shift(rest, cut), tuple(flags)


def _shift(located: Located, cut: int) -> Located:
    """The part of `located` after offset `cut`, leading blanks removed, lines kept."""
    text = located.text
    while cut < len(text) and text[cut].isspace():
        cut += 1
    starts, lines = [0], [located.line_at(cut)]
    for start, line in zip(located.starts, located.lines, strict=True):
        if start > cut:
            starts.append(start - cut)
            lines.append(line)
    return Located(text[cut:], tuple(starts), tuple(lines))


def _instruction(reader: _Reader) -> Instruction:
    located, first, last = reader.logical()
    match = re.match(r"\s*(\S+)", located.text)
    if match is None:
        raise DockerfileError(first, "empty instruction")
    keyword = match.group(1).upper()
    if keyword not in INSTRUCTIONS:
        raise DockerfileError(first, f"unknown instruction `{match.group(1)}`")
    rest, flags = _split_flags(_shift(located, match.end()), keyword, reader.escape)
    heredocs: list[Heredoc] = []
    if keyword in _HEREDOC_KEYWORDS:
        for found in _HEREDOC.finditer(rest.text):
            heredocs.append(reader.heredoc(found.group(1) == "-", found.group(3), first))
        if heredocs:
            last = reader.i  # the line of the last terminator
    return Instruction(keyword, rest, first, last, flags, tuple(heredocs))


def _stages(
    instructions: list[Instruction], escape: str
) -> tuple[tuple[Stage, ...], dict[str, str]]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    current: list[Instruction] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = [w for w, _ in tokens(ins.args, escape)]
            if len(words) not in (1, 3) or (len(words) == 3 and words[1].upper() != "AS"):
                raise DockerfileError(ins.line, "FROM needs an image and an optional `AS name`")
            if stages:
                stages[-1] = _with_body(stages[-1], current)
            current = []
            name = words[2] if len(words) == 3 else None
            base = substitute(words[0], {k: v for k, v in global_args.items() if v})
            stages.append(Stage(len(stages), base, name, ins, ()))
        elif not stages:
            if ins.keyword != "ARG":
                raise DockerfileError(ins.line, f"{ins.keyword} before the first FROM")
            global_args.update(arg_defaults(ins, escape))
        else:
            current.append(ins)
    if not stages:
        raise DockerfileError(instructions[-1].line if instructions else 1, "no FROM instruction")
    stages[-1] = _with_body(stages[-1], current)
    return tuple(stages), global_args


def _with_body(stage: Stage, body: list[Instruction]) -> Stage:
    return Stage(stage.index, stage.base, stage.name, stage.from_, tuple(body))


def arg_defaults(ins: Instruction, escape: str = "\\") -> dict[str, str]:
    out: dict[str, str] = {}
    for word, _ in tokens(ins.args, escape):
        name, eq, value = word.partition("=")
        out[name] = value if eq else ""
    return out


def parse(text: str) -> Dockerfile:
    """Raise DockerfileError (with a 1-based line) when Docker would refuse the file."""
    reader = _Reader(text)
    instructions: list[Instruction] = []
    while reader.i < len(reader.lines):
        if _skippable(reader.lines[reader.i]):
            reader.i += 1
            continue
        instructions.append(_instruction(reader))
    stages, global_args = _stages(instructions, reader.escape)
    return Dockerfile(tuple(instructions), stages, reader.directives, global_args, reader.escape)
