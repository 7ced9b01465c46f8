"""TTP403 tls-verification-disabled (security.tls).

`verify=False` / `ssl=False` / `verify_ssl=False` / `cert_reqs="CERT_NONE"` /
`verify_certs=False`… on the calls, constructors and session methods listed in tls.toml
(and `x.get(url, verify=False)` on a receiver not in the tables); `session.verify = False`;
any use of `ssl._create_unverified_context` or `ssl.CERT_NONE` that is not a read (a
comparison, a mapping key); `check_hostname` / `assert_hostname` set to False (attribute,
keyword or dict key). `urllib3.disable_warnings()` alone is not flagged: it hides the
warning, it does not turn verification off. TTP404 (plaintext URLs) is `plaintext_urls.py`.

Every verification setting judged is a site of security.tls. Test files: reported at low
severity and not counted as a site.
"""

from __future__ import annotations

import re

import libcst as cst

from ...analysis import tls as tk
from ...analysis.literals import (
    NOT_CONSTANT,
    call_target,
    constant,
    is_false,
    keyword_args,
    string_value,
)
from ...engine.context import FileContext, Problem
from ...engine.detector import Derived, Detector
from ...models import Severity

ITEM = "security.tls"
_ASKS_FOR_TLS = re.compile(r"ssl|tls|https|secure", re.IGNORECASE)
_RISK = "anyone on the network path can read and alter the traffic"
_FIX_VERIFY = (
    'remove it; to trust a private CA, pass its bundle (verify="/path/ca.pem") or '
    "ssl.create_default_context(cafile=...)"
)


class TlsVerification(Detector):
    codes = ("TTP403",)
    needs = Derived(lambda: tuple(sorted(n.encode() for n in tk.load().prefilter_words)))

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.k = tk.load()
        self.ssl_aliases: set[str] = set()  # local names of ssl APIs imported under aliases
        self.in_test = ctx.is_test_file

    # --- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not any(
            a.keyword is not None and a.keyword.value in self.k.setting_keywords for a in node.args
        ):
            return
        target = call_target(self.ctx, node)
        specs = None
        if target.qualname is not None:
            specs = self.k.by_call.get(target.qualname)
        if specs is None and target.receiver is not None and target.method is not None:
            specs = self.k.by_method.get((target.receiver, target.method))
        # `x.get(url, verify=False)` on a receiver not in the tables (unknown, or a local
        # wrapper class): no other API spells an HTTP verb with verify=/ssl= that way
        unresolved = (
            specs is None
            and isinstance(node.func, cst.Attribute)
            and target.method in self.k.unresolved_methods
        )
        for keyword, arg in keyword_args(node):
            if specs is not None and keyword in specs:
                self._setting(keyword, arg, specs[keyword], target.qualname or target.method)
            elif unresolved and keyword in self.k.unresolved_keywords:
                self._setting(keyword, arg, (False,), target.method)
            elif keyword in self.k.hostname_checks and is_false(arg.value):
                self._off(arg, f"`{keyword}=False` accepts a valid certificate for any host")

    def _setting(self, keyword: str, arg: cst.Arg, off: tk.Off, where: str | None) -> None:
        inner = arg.value.func if isinstance(arg.value, cst.Call) else arg.value
        if self.ctx.qualname(inner) in self.k.ssl_apis:
            return  # cert_reqs=ssl.CERT_NONE, ssl=ssl._create_unverified_context(): one finding
        value = constant(arg.value)
        code = self.ctx.code_for(arg.value)
        plain = self._plain_branch()
        if value is not NOT_CONSTANT and tk.is_off(value, off) and plain is not None:
            if not self.in_test:  # the branch for a plain connection: no TLS to verify
                self.ctx.site(ITEM, "TTP403", arg, None, f"plain connection: not `{plain}`")
        elif value is not NOT_CONSTANT and tk.is_off(value, off):
            call = f" on {where}()" if where else ""
            self._off(arg, f"`{keyword}={code}`{call} turns off TLS certificate verification")
        elif not self.in_test:
            label = f"{keyword}={code}"
            self.ctx.site(ITEM, "TTP403", arg, None, label if len(label) <= 40 else keyword)

    # --- assignments and dicts -----------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        if is_false(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Attribute):
                    self._attribute_off(target.target)

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement) and is_false(element.value):
                key = string_value(element.key)
                if key is not None and key[0] in self.k.hostname_checks:
                    what = f'`"{key[0]}": False` accepts a valid certificate for any host'
                    self._off(element, what)

    def _attribute_off(self, target: cst.Attribute) -> None:
        attr = target.attr.value
        if attr in self.k.hostname_checks:
            self._off(target, f"`{attr} = False` accepts a valid certificate for any host")
        elif attr in self.k.session_verify_attrs:
            held = self.ctx.instance(target.value)
            if held is not None and held.ctor in self.k.session_classes:
                what = "turns off certificate verification for every request of this session"
                self._off(target, f"`{attr} = False` {what}")

    # --- the ssl module -------------------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in self.k.ssl_names:
            self._ssl_reference(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """`from ssl import CERT_NONE as NONE`: remember the local name."""
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if (
                isinstance(alias.name, cst.Name)
                and alias.name.value in self.k.ssl_names
                and alias.asname is not None
                and isinstance(alias.asname.name, cst.Name)
            ):
                self.ssl_aliases.add(alias.asname.name.value)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.k.ssl_names and node.value not in self.ssl_aliases:
            return
        parent = self.ctx.parent()
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, (cst.ImportAlias, cst.AsName)):
            return
        self._ssl_reference(node)

    def _ssl_reference(self, node: cst.BaseExpression) -> None:
        qualname = self.ctx.qualname(node)
        if qualname is None:
            return
        if self._read_only(node):
            return
        condition = self._condition()
        if qualname in self.k.unverified:
            what = f"`{qualname}` builds a context that accepts any certificate"
            self._off(node, what, condition)
        elif qualname in self.k.cert_none:
            self._off(node, f"`{qualname}` turns off certificate verification", condition)

    def _condition(self) -> str | None:
        """The test of a conditional expression the node is a branch of, within its statement
        (`CERT_REQUIRED if verify else CERT_NONE`): verification is then off only when a
        setting says so, a deliberate option rather than a hard-coded hole."""
        child: cst.CSTNode = self.ctx.stack[-1]
        for ancestor in self.ctx.ancestors():
            if isinstance(ancestor, cst.IfExp) and child is not ancestor.test:
                return self.ctx.code_for(ancestor.test).strip()
            if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return None
            child = ancestor
        return None

    def _plain_branch(self) -> str | None:
        """The test of an `if` whose `else` branch the node is in, when that test asks for TLS
        (`if config.use_ssl: … else: TCPConnector(ssl=False)`): the branch makes a plain
        connection, where there is no certificate to verify (TTP404 judges plain URLs)."""
        child: cst.CSTNode = self.ctx.stack[-1]
        for ancestor in self.ctx.ancestors():
            if isinstance(ancestor, cst.If) and child is ancestor.orelse:
                test = self.ctx.code_for(ancestor.test).strip()
                return test if _ASKS_FOR_TLS.search(test) else None
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                return None
            child = ancestor
        return None

    def _read_only(self, node: cst.BaseExpression) -> bool:
        """`ctx.verify_mode == ssl.CERT_NONE`, `x in (CERT_NONE, CERT_OPTIONAL)` and a
        mapping key `{ssl.CERT_NONE: …}` read the constant, they do not set anything."""
        child: cst.CSTNode = node
        for ancestor in self.ctx.ancestors():
            if isinstance(ancestor, (cst.Comparison, cst.ComparisonTarget)):
                return True
            if isinstance(ancestor, cst.DictElement) and ancestor.key is child:
                return True
            if isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return False
            child = ancestor
        return False

    # --- output ---------------------------------------------------------------------------
    def _off(self, node: cst.CSTNode, what: str, condition: str | None = None) -> None:
        if condition is not None:
            message = f"{what} when `{condition}` says so: make sure production never does"
            severity: Severity | None = Severity.LOW if self.in_test else Severity.MEDIUM
        else:
            message = f"{what}: {_RISK}"
            severity = Severity.LOW if self.in_test else None
        problem = Problem("TTP403", message, severity=severity, fix=_FIX_VERIFY)
        if self.in_test:
            self.ctx.report(node, problem)
        else:
            self.ctx.site(ITEM, "TTP403", node, problem)
