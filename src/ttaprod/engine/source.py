"""Read and parse one file defensively: every way a file can be unreadable becomes a notice.

Order matters. The bytes are decoded first (PEP 263 cookie or BOM, else UTF-8); `ast`
parses next because it is fast and rejects what crashes libcst's native parser (200+ nested
brackets segfault it); libcst parses last. Code newer than the running interpreter fails
`ast` but may still parse in libcst, so an `ast` syntax error only stands if libcst agrees;
and code `ast` accepts is never called a syntax error, whatever libcst says.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from dataclasses import dataclass

import libcst as cst
from libcst._nodes.base import CSTNode

from .task import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Notice:
    """Why a file was not analysed: a TTP9xx code, a message and where."""

    code: str
    message: str
    line: int = 1
    column: int = 1


@dataclass
class Parsed:
    text: str
    module: cst.Module
    notice: Notice | None = None  # set when only the running Python rejects the syntax
    tree: ast.Module | None = None  # the guard's `ast` parse (None when it failed)


def decode(data: bytes) -> str | Notice:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "missing encoding declaration" not in (exc.msg or ""):
            return Notice("TTP902", f"cannot decode file: {exc.msg}")
        encoding = "utf-8"  # the first two lines are not UTF-8: say where, below
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig"):
            why = "is not valid UTF-8 and has no encoding declaration"
        else:
            why = f"is not valid {encoding}, its declared encoding"
        return Notice("TTP902", f"file {why} (byte {getattr(exc, 'start', 0)})", line)
    return text.removeprefix("\ufeff")


def _ast_parse(text: str) -> ast.Module | Notice:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        if "too many nested" in (exc.msg or ""):
            return Notice(
                "TTP904", "expression nesting is too deep to analyse safely", exc.lineno or 1
            )
        return Notice("TTP901", f"syntax error: {exc.msg}", exc.lineno or 1, (exc.offset or 1))
    except (RecursionError, MemoryError):
        return Notice("TTP904", "expression nesting is too deep to analyse safely")
    except ValueError as exc:  # null bytes on Python < 3.12
        return Notice("TTP901", f"syntax error: {exc}")


def too_large(size: int, max_bytes: int) -> Notice:
    return Notice(
        "TTP903",
        f"file is {size // 1024} KiB, over the {max_bytes // 1024} KiB limit"
        " (max-file-size-kb); not analysed",
    )


def _line_of(exc: Exception) -> int:
    line = getattr(exc, "raw_line", 1)
    return line if isinstance(line, int) and line > 0 else 1


def _no_validation(self: CSTNode) -> None:
    pass


def parse_unvalidated(text: str) -> cst.Module:
    """`cst.parse_module` without each node's `_validate()`: every node libcst's parser builds
    runs it on construction (12 % of the parse on sqlalchemy), yet the parser only builds
    what the grammar allows. Nodes built later (fixes) are validated as usual."""
    validate = CSTNode.__post_init__
    CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = validate  # type: ignore[method-assign]


def parse(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed | Notice:
    if len(data) > max_bytes:
        return too_large(len(data), max_bytes)
    text = decode(data)
    if isinstance(text, Notice):
        return text
    guard = _ast_parse(text)
    ast_problem = guard if isinstance(guard, Notice) else None
    if ast_problem is not None and ast_problem.code == "TTP904":
        return ast_problem
    try:
        module = parse_unvalidated(text)
    except RecursionError:
        return Notice("TTP904", "expression nesting is too deep to analyse safely")
    except Exception as exc:  # libcst raises ParserSyntaxError and plain SyntaxError
        if ast_problem is not None:
            return ast_problem
        # Python itself parses the file: it is valid, libcst's parser gave up on it (50,000
        # implicitly concatenated strings exceed its recursion budget). Not a syntax error.
        return Notice(
            "TTP904",
            "valid Python that libcst's parser cannot read (too deeply structured for it);"
            " not analysed",
            _line_of(exc),
        )
    if ast_problem is not None:
        version = ".".join(str(n) for n in sys.version_info[:2])
        ast_problem = Notice(
            ast_problem.code,
            f"{ast_problem.message} (under Python {version}, which runs ttaprod;"
            " analysed with libcst's grammar anyway)",
            ast_problem.line,
            ast_problem.column,
        )
    return Parsed(text, module, ast_problem, guard if isinstance(guard, ast.Module) else None)
