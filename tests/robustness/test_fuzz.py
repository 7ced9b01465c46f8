"""Token-level mutation of real modules (the fixture services): whatever the bytes, the per-file
analysis returns a result (never raises, never a rule of ours failing: TTP906 "failed"), keeps
its positions inside the file, never calls valid Python a syntax error, and never leaks a string
that sits on a line it reports as a secret.

Derandomized (a fixed seed) with `TTAPROD_FUZZ_EXAMPLES` examples (60 by default, as CI runs
it); a longer hunt: `TTAPROD_FUZZ_EXAMPLES=5000 pytest tests/robustness/test_fuzz.py`.
"""

from __future__ import annotations

import io
import os
import tokenize
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttaprod import catalogue, runner
from ttaprod.engine.analyze import FileTask

from ..helpers import FIXTURES

EXAMPLES = int(os.environ.get("TTAPROD_FUZZ_EXAMPLES", "60"))
# What hostile input is made of: brackets that never close, quotes, line ends of every kind,
# terminal escapes, NUL, undecodable bytes, deep prefixes, and ttaprod's own marks.
NASTY = [
    "(", ")", "[", "]", "{", "}", "'", '"', '"""', "\\", "\n", "\r", "\r\n", "\x0c", "\x0b",
    "\x85", "\u2028", "\u2029", "\x00", "\x1b[31m", "\u202e", "\t", "    ", ":", "=", "lambda",
    "async", "await", "yield", "-" * 300, "(" * 250, "not " * 100, "# ttaprod: ignore",
    "# ttaprod: ignore[TTP1", "# -*- coding: latin-1 -*-", "\ufeff", "é", "🐍", "\udcff",
    "password = ", "sk-proj-", "https://u:p@h/", "f'{", "match", "case", "type", ";",
]  # fmt: skip


@cache
def _modules() -> tuple[tuple[str, ...], ...]:
    """Token texts of the real modules under fixtures/ (each rebuilt exactly by joining)."""
    out = []
    for path in sorted(FIXTURES.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        except (tokenize.TokenError, SyntaxError):
            continue
        lines = text.splitlines(keepends=True)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        pieces, last = [], 0
        for token in tokens:
            start = offsets[token.start[0] - 1] + token.start[1]
            end = (
                offsets[token.end[0] - 1] + token.end[1]
                if token.end[0] <= len(lines)
                else len(text)
            )
            if start > last:
                pieces.append(text[last:start])
            if end > start:
                pieces.append(text[start:end])
            last = max(last, end)
        pieces.append(text[last:])
        if "".join(pieces) == text and len(pieces) > 5:
            out.append(tuple(pieces))
    return tuple(out)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    modules = _modules()
    pieces = list(draw(st.sampled_from(modules)))
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(pieces) - 1))
        j = draw(st.integers(i, min(len(pieces), i + 8)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "swap", "repeat"]))
        if action == "delete":
            del pieces[i:j]
        elif action == "duplicate":
            pieces[i:i] = pieces[i:j]
        elif action == "insert":
            pieces.insert(i, draw(st.sampled_from(NASTY)))
        elif action == "swap" and j > i + 1:
            pieces[i], pieces[j - 1] = pieces[j - 1], pieces[i]
        elif action == "repeat":
            pieces.insert(i, pieces[i % len(pieces)] * draw(st.integers(2, 400)) if pieces else "")
        if not pieces:
            pieces = ["x"]
    text = "".join(pieces)
    return text.encode("utf-8", "surrogateescape")


ENABLED = frozenset(catalogue.catalogue())


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(data=mutated())
def test_mutated_modules_never_break_the_analysis(tmp_path_factory, data: bytes) -> None:
    where = tmp_path_factory.mktemp("fuzz") / "mod.py"
    where.write_bytes(data)
    task = FileTask(str(where), "mod.py", ENABLED)
    (result,) = runner.run([task], jobs=1)  # isolated: a native crash costs this file only
    assert result.path == "mod.py"
    failures = [
        f.message for f in result.findings if f.rule == "TTP906" and "crashed" not in f.message
    ]
    assert failures == [], failures  # a rule of ours failed on this input
    lines = data.count(b"\n") + 1
    for finding in (*result.findings, *result.suppressed):
        assert 1 <= finding.line <= lines, finding
        assert finding.end_line >= finding.line or finding.end_line == 0, finding
        assert len(finding.snippet) <= 401 + 20  # cut at 400, a literal cut open then masked
    try:
        compile(data, "mod.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return
    assert "TTP901" not in {f.rule for f in result.findings}, "valid Python called a syntax error"


def test_the_mutator_starts_from_real_modules() -> None:
    modules = _modules()
    assert len(modules) >= 20
    assert sum(len(m) for m in modules) > 5_000
    assert all(isinstance(p, str) for m in modules for p in m)
    assert Path(FIXTURES).is_dir()
