"""TTP403 (unsafe: a service talking to a host with a self-signed certificate stops working):
certificate verification back on.

- a keyword that turns it off (`verify=False`, `ssl=False`, `cert_reqs=ssl.CERT_NONE`,
  `check_hostname=False`…) is removed: every library verifies by default;
- a statement that turns it off (`session.verify = False`, `ctx.check_hostname = False`,
  `ctx.verify_mode = ssl.CERT_NONE`, `ssl._create_default_https_context =
  ssl._create_unverified_context`) is removed;
- `ssl._create_unverified_context()` becomes `ssl.create_default_context()`;
- a `"check_hostname": False` entry of a dict is removed.

Verification switched by a setting (`CERT_REQUIRED if verify else CERT_NONE`) is a choice
someone made: left alone.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.literals import string_value
from ..models import Finding
from .kit import REMOVE, Decline, Edit, FindingFix, remove_keywords, remove_statement
from .settings import data
from .walk import Family


class Tls(Family):
    codes = ("TTP403",)
    nodes = (cst.Arg, cst.Attribute, cst.Name, cst.DictElement)

    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        parent = self.ctx.parent()
        if isinstance(node, cst.Arg) and isinstance(parent, cst.Call) and node.keyword:
            self._drop_keyword(finding, parent, node.keyword.value)
        elif isinstance(node, cst.DictElement) and isinstance(parent, cst.Dict):
            self._drop_entry(finding, parent, node)
        elif isinstance(node, (cst.Attribute, cst.Name)):
            self._reference(finding, node, parent)
        else:
            raise Decline("not a setting ttaprod can remove")

    def _reference(
        self, finding: Finding, node: cst.Attribute | cst.Name, parent: cst.CSTNode | None
    ) -> None:
        if any(isinstance(a, cst.IfExp) for a in self.ctx.ancestors()):
            raise Decline("verification is switched by a setting here: a choice, left alone")
        if isinstance(parent, cst.AssignTarget) or (
            isinstance(parent, cst.Assign) and parent.value is node
        ):
            self._drop_statement(finding)
            return
        if isinstance(parent, cst.Arg) and parent.value is node and parent.keyword is not None:
            call = self.ctx.parent(2)
            if isinstance(call, cst.Call):
                self._drop_keyword(finding, call, parent.keyword.value)
                return
        if isinstance(parent, cst.Call) and parent.func is node and isinstance(node, cst.Attribute):
            if parent.args:
                raise Decline("the unverified context is built with arguments: rewrite it by hand")
            name = data()["tls"]["verified_factory"]
            edit = Edit(node, lambda n: _renamed(n, name), REMOVE)
            what = f"use `{name}()`, which verifies certificates"
            self.kit.add(FindingFix(finding, what, self.safe(finding), [edit]))
            return
        raise Decline("not a setting ttaprod can remove")

    def _drop_keyword(self, finding: Finding, call: cst.Call, keyword: str) -> None:
        edit = Edit(call, lambda n: _call_without(n, keyword), REMOVE, key=f"tls:{keyword}")
        code = next(
            (
                self.ctx.code_for(a).strip()
                for a in call.args
                if a.keyword and a.keyword.value == keyword
            ),
            keyword,
        )
        what = f"remove `{code}`: verification is on by default"
        self.kit.add(FindingFix(finding, what, self.safe(finding), [edit]))

    def _drop_entry(self, finding: Finding, mapping: cst.Dict, entry: cst.DictElement) -> None:
        key = string_value(entry.key)
        if key is None:
            raise Decline("not a literal key")
        edit = Edit(mapping, lambda n: _dict_without(n, key[0]), REMOVE, key=f"tls:{key[0]}")
        what = f'remove `"{key[0]}": False`'
        self.kit.add(FindingFix(finding, what, self.safe(finding), [edit]))

    def _drop_statement(self, finding: Finding) -> None:
        stack = self.ctx.stack
        line = next(
            (
                i
                for i in range(len(stack) - 1, -1, -1)
                if isinstance(stack[i], cst.SimpleStatementLine)
            ),
            None,
        )
        if line is None or line == 0:
            raise Decline("not a statement of its own")
        statement = stack[line]
        assert isinstance(statement, cst.SimpleStatementLine)
        if len(statement.body) != 1 or not isinstance(statement.body[0], cst.Assign):
            raise Decline("the assignment shares its line with other statements")
        if len(statement.body[0].targets) != 1:
            raise Decline("the assignment has several targets")
        block = stack[line - 1]
        size = len(block.body) if isinstance(block, (cst.IndentedBlock, cst.Module)) else 1
        edit = Edit(statement, remove_statement(size), REMOVE, key="tls:statement")
        code = self.ctx.code_for(statement.body[0]).strip()
        what = f"remove `{code}`"
        self.kit.add(FindingFix(finding, what, self.safe(finding), [edit]))


def _call_without(node: cst.CSTNode, keyword: str) -> cst.CSTNode:
    assert isinstance(node, cst.Call)
    return remove_keywords(node, {keyword})


def _renamed(node: cst.CSTNode, name: str) -> cst.CSTNode:
    assert isinstance(node, cst.Attribute)
    return node.with_changes(attr=cst.Name(name))


def _dict_without(node: cst.CSTNode, key: str) -> cst.CSTNode:
    assert isinstance(node, cst.Dict)
    elements = list(node.elements)
    kept = [
        e
        for e in elements
        if not (isinstance(e, cst.DictElement) and (string_value(e.key) or ("",))[0] == key)
    ]
    if kept and elements[-1] is not kept[-1]:
        kept[-1] = kept[-1].with_changes(comma=elements[-1].comma)
    return node.with_changes(elements=kept)
