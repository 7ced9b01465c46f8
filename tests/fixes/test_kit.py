"""The codemod kit: imports added only when missing and into their block, argument lists
kept in their layout, files read and diffed with their encoding."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import libcst as cst
import pytest

from ttaprod.fixes import files, imports
from ttaprod.fixes.imports import Need
from ttaprod.fixes.kit import append_args, keyword, remove_keywords

FIRST = frozenset({"app"})


def _add(source: str, *needs: Need) -> str:
    return imports.add(cst.parse_module(dedent(source)), list(needs), FIRST).code


@pytest.mark.parametrize(
    ("source", "need", "expected"),
    [
        (  # a stdlib module into the stdlib block, in order
            '''\
            """Doc."""
            from __future__ import annotations

            import logging
            import time

            import requests

            from app import config
            ''',
            Need("os"),
            '''\
            """Doc."""
            from __future__ import annotations

            import logging
            import os
            import time

            import requests

            from app import config
            ''',
        ),
        (  # a third-party name joins its module's from-import, in order
            """\
            import logging

            from tenacity import stop_after_attempt, wait_exponential
            """,
            Need("tenacity", "retry"),
            """\
            import logging

            from tenacity import retry, stop_after_attempt, wait_exponential
            """,
        ),
        (  # no third-party block yet: a new one between stdlib and first-party
            """\
            import os

            from app import config
            """,
            Need("requests.adapters", "HTTPAdapter"),
            """\
            import os

            from requests.adapters import HTTPAdapter

            from app import config
            """,
        ),
        (  # no stdlib block: a new one first, the first import keeps its comment
            """\
            # clients
            import requests
            """,
            Need("asyncio"),
            """\
            # clients
            import asyncio

            import requests
            """,
        ),
        (  # no import at all: after the docstring, blank lines before the code
            '''\
            """Doc."""
            def run():
                pass
            ''',
            Need("os"),
            '''\
            """Doc."""

            import os


            def run():
                pass
            ''',
        ),
        (  # already there: nothing changes
            """\
            from requests.adapters import HTTPAdapter
            """,
            Need("requests.adapters", "HTTPAdapter"),
            """\
            from requests.adapters import HTTPAdapter
            """,
        ),
    ],
)
def test_imports_go_into_their_block(source: str, need: Need, expected: str) -> None:
    assert _add(source, need) == dedent(expected)


def _call(code: str) -> cst.Call:
    expr = cst.parse_expression(code)
    assert isinstance(expr, cst.Call)
    return expr


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("f()", "f(timeout=10)"),
        ("f(a)", "f(a, timeout=10)"),
        ("f(a, b=1)", "f(a, b=1, timeout=10)"),
        ("f(\n    a,\n    b,\n)", "f(\n    a,\n    b,\n    timeout=10,\n)"),
        ("f(\n    a,\n    b\n)", "f(\n    a,\n    b,\n    timeout=10\n)"),
        ("f(\n    a,\n)", "f(\n    a,\n    timeout=10,\n)"),
        ("f(*args)", "f(*args, timeout=10)"),
    ],
)
def test_an_argument_is_added_in_the_layout_of_the_call(code: str, expected: str) -> None:
    assert _code(append_args(_call(code), [keyword("timeout", cst.Integer("10"))])) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("f(url, verify=False)", "f(url)"),
        ("f(url, verify=False, json=x)", "f(url, json=x)"),
        ("f(verify=False)", "f()"),
        ("f(\n    url,\n    verify=False,\n)", "f(\n    url,\n)"),
    ],
)
def test_a_keyword_is_removed_and_the_commas_stay_right(code: str, expected: str) -> None:
    assert _code(remove_keywords(_call(code), {"verify"})) == expected


def test_files_keep_their_encoding_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "legacy.py"
    data = "# -*- coding: latin-1 -*-\r\nname = 'caf\xe9'\r\n".encode("latin-1")
    path.write_bytes(data)
    src = files.read(path, "legacy.py")
    assert src.encoding == "iso-8859-1" and src.text.startswith("# -*-")
    assert files.encode(src, src.text) == data
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfx = 1\n")
    src = files.read(bom, "bom.py")
    assert (src.text, files.encode(src, "x = 2\n")) == ("x = 1\n", b"\xef\xbb\xbfx = 2\n")


def test_replacements_turn_the_old_text_into_the_new() -> None:
    old = "a\nb = f(x)\nc\n"
    new = "import os\na\nb = f(x, timeout=10)\nc\n"
    edits = files.replacements(old, new)
    assert [(e.line, e.column, e.end_line, e.end_column, e.text) for e in edits] == [
        (1, 1, 1, 1, "import os\n"),
        (2, 8, 2, 8, ", timeout=10"),
    ]
    assert files.apply(old, edits) == new
    assert files.mask("- key = 'abcdef123'\n", {"abcdef123"}) == "- key = '…(9 chars)'\n"
