"""Knowledge files: every one has its declared shape, and a library is one row of data."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from ttaprod import knowledge
from ttaprod.knowledge import KnowledgeError

from .conftest import run_check


def test_every_knowledge_file_has_its_shape() -> None:
    knowledge.reload()
    for name in knowledge.names():
        knowledge.table(name)  # raises KnowledgeError naming the file and key otherwise


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["library"][0].update(timeout_phrse="typo"),
            "rules/knowledge/outbound.toml: unknown key 'library[0].timeout_phrse'",
        ),
        (
            lambda d: d["library"][1]["calls"][0].update(async_="x") or None,
            "rules/knowledge/outbound.toml: unknown key 'library[1].calls[0].async_'",
        ),
        (
            lambda d: d["library"][0].update(needs="requests"),
            "rules/knowledge/outbound.toml: 'library[0].needs' must be a list, not str",
        ),
        (
            lambda d: d["library"][0]["calls"][0].update(timeout_position="2"),
            "rules/knowledge/outbound.toml: 'library[0].calls[0].timeout_position' must be int, "
            "not str '2'",
        ),
        (
            lambda d: d["library"][0].update(pooled=1),
            "rules/knowledge/outbound.toml: 'library[0].pooled' must be bool, not int 1",
        ),
        (
            lambda d: d["library"][0].pop("category"),
            "rules/knowledge/outbound.toml: missing key 'library[0].category'",
        ),
    ],
)
def test_a_wrong_key_or_type_names_the_file_and_key(edit: Any, message: str) -> None:
    data = copy.deepcopy(knowledge.table("outbound"))
    edit(data)
    with pytest.raises(KnowledgeError) as raised:
        knowledge.check("outbound", data)
    assert str(raised.value).startswith(message)


FANCY: dict[str, Any] = {
    "id": "fancyhttp",
    "display": "fancyhttp",
    "category": "http",
    "needs": ["fancyhttp"],
    "timeout_default": "high",
    "timeout_phrase": "fancyhttp waits forever by default",
    "timeout_fix": "pass deadline=10",
    "retries_default": 0,
    "retries_phrase": "fancyhttp does not retry",
    "retry_fix": "decorate the caller with tenacity @retry",
    "blocking": "high",
    "async_hint": "use fancyhttp.AsyncPool",
    "pooled": True,
    "calls": [
        {
            "names": ["fancyhttp.fetch"],
            "kind": "request",
            "timeout_keyword": "deadline",
            "async": False,
            "source": "https://fancyhttp.example.org/api",
        },
    ],
    "clients": [
        {
            "names": ["fancyhttp.Pool"],
            "async": False,
            "methods": ["fetch"],
            "call_timeout_keyword": "deadline",
            "source": "https://fancyhttp.example.org/pool",
        },
    ],
}


@pytest.fixture
def fancyhttp(monkeypatch: pytest.MonkeyPatch):
    """outbound.toml with one more library row: nothing else changes."""
    real = knowledge.table

    def table(name: str) -> dict[str, Any]:
        raw = real(name)
        if name != "outbound":
            return raw
        data = {**raw, "library": [*raw["library"], FANCY]}
        knowledge.check(name, data)
        return data

    knowledge.reload()
    monkeypatch.setattr(knowledge, "table", table)
    yield
    monkeypatch.undo()
    knowledge.reload()


def test_one_knowledge_row_teaches_every_rule_a_new_client(project, fancyhttp) -> None:
    src = """
        import fancyhttp as fh


        async def handler(url: str) -> None:
            pool = fh.Pool()
            pool.fetch(url)
            fh.fetch(url, deadline=5)
    """
    report = run_check(project({"app/svc.py": src}), select=("TTP1", "TTP3"))
    found = sorted((f.line, f.rule) for f in report.findings)
    assert found == [
        (5, "TTP311"),  # a pooled client built on every call
        (6, "TTP101"),  # no deadline=
        (6, "TTP102"),  # nothing retries it
        (6, "TTP301"),  # a sync client inside async def
        (7, "TTP102"),
        (7, "TTP301"),
    ]
    by_line = {(f.line, f.rule): f.message for f in report.findings}
    assert by_line[(6, "TTP101")] == (
        "pool.fetch() has no timeout and fancyhttp waits forever by default."
    )
    assert "use fancyhttp.AsyncPool" in (report.findings[3].fix or "")


def test_without_the_row_nothing_is_reported(project) -> None:
    src = "import fancyhttp as fh\n\nasync def handler(url: str) -> None:\n    fh.fetch(url)\n"
    report = run_check(project({"app/svc.py": src}), select=("TTP1", "TTP3"))
    assert report.findings == ()


def test_knowledge_comments_name_files_that_exist() -> None:
    """A comment that says which module reads a file must not outlive a move."""
    from .conftest import REPO

    for path in sorted((REPO / "rules" / "knowledge").glob("*.toml")):
        comments = " ".join(
            line for line in path.read_text(encoding="utf-8").splitlines()
            if line.lstrip().startswith("#")
        )  # fmt: skip
        for named in re.findall(r"src/ttaprod/[\w/]*(?:\.py)?", comments):
            assert (REPO / named).exists(), f"{path.name} names {named}, which does not exist"
