"""Evidence in Python code for quality.tests, performance.load-testing and
security.secret-storage (judged in `ttaprod.items`). Reports nothing.

Facts:

- `tests` once per module holding tests, at its first test, with `count`: module-level `test*`
  functions and `test*` methods of `Test*` classes or `unittest.TestCase` subclasses (pytest's
  defaults); `conftest.py` excepted. Which modules pytest collects is judged project-wide.
- `load_test` at an import of a load-testing library (`locust`), with `tool`.
- `secret_store` at a secret-store client (`hvac.Client(...)`, `SecretClient(...)`,
  `boto3.client("secretsmanager")`…), with `api`; not in test files (`SecretStoreFacts`, which
  runs only on files naming one of those packages).

Knowledge: `rules/knowledge/evidence.toml`.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ... import knowledge
from ...analysis.observability import callee
from ...analysis.web import argument, literal_str
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...engine.names import dotted
from ...facts import LoadTest, SecretStore, Tests


@dataclass(frozen=True)
class _Evidence:
    class_prefixes: tuple[str, ...]
    function_prefixes: tuple[str, ...]
    testcase_bases: frozenset[str]
    load_modules: frozenset[str]
    secret_clients: frozenset[str]
    secret_factories: frozenset[str]
    secret_services: frozenset[str]


@knowledge.derived
def _evidence() -> _Evidence:
    data = knowledge.table("evidence")
    tests, secrets = data["tests"], data["secret_storage"]
    return _Evidence(
        tuple(tests["python_classes"]),
        tuple(tests["python_functions"]),
        frozenset(tests["testcase_bases"]),
        frozenset(data["load_testing"]["python_modules"]),
        frozenset(secrets["clients"]),
        frozenset(secrets["factories"]["names"]),
        frozenset(secrets["factories"]["services"]),
    )


def _roots(names: frozenset[str]) -> tuple[bytes, ...]:
    return tuple(sorted({n.split(".", 1)[0].encode() for n in names}))


class EvidenceFacts(Detector):
    facts_only = True
    needs = Derived(lambda: (b"test", b"Test", *_roots(_evidence().load_modules)))

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.counting = not ctx.path.endswith("conftest.py")
        self.test_classes: set[int] = set()
        self.tests: list[cst.CSTNode] = []

    # --- tests ---------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not self.counting or self.ctx.functions or len(self.ctx.classes) != 1:
            return
        ev = _evidence()
        bases = {self.ctx.qualname(b.value) for b in node.bases}
        if node.name.value.startswith(ev.class_prefixes) or bases & ev.testcase_bases:
            self.test_classes.add(id(node))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.counting or len(self.ctx.functions) != 1:
            return
        if not node.name.value.startswith(_evidence().function_prefixes):
            return
        classes = self.ctx.classes
        if not classes or (len(classes) == 1 and id(classes[0]) in self.test_classes):
            self.tests.append(node.name)

    # --- load tests ----------------------------------------------------------------------
    def _load_module(self, node: cst.CSTNode, module: str | None) -> None:
        top = (module or "").split(".", 1)[0]
        if top in _evidence().load_modules:
            self.ctx.fact(node, LoadTest(tool=top))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._load_module(node, dotted(alias.name))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative and node.module is not None:
            self._load_module(node, dotted(node.module))

    def finish(self) -> None:
        if self.tests:
            self.ctx.fact(self.tests[0], Tests(count=len(self.tests)))


class SecretStoreFacts(Detector):
    facts_only = True
    needs = Derived(lambda: _roots(_evidence().secret_clients | _evidence().secret_factories))

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.is_test_file:
            return
        ev = _evidence()
        qual = callee(self.ctx, node)
        if qual in ev.secret_clients:
            self.ctx.fact(node, SecretStore(api=qual))
        elif qual in ev.secret_factories:
            service = literal_str(argument(node, 0, "service_name"))
            if service in ev.secret_services:
                self.ctx.fact(node, SecretStore(api=f'{qual}("{service}")'))
