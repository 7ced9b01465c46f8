"""TTP403 tls-verification-disabled and TTP404 plaintext-http-url (security.tls).

TTP403: `verify=False` / `ssl=False` / `verify_ssl=False` / `cert_reqs="CERT_NONE"` /
`verify_certs=False`… on the calls, constructors and session methods listed in
tls.toml (and `x.get(url, verify=False)` on a receiver that cannot be resolved);
`session.verify = False`; any use of `ssl._create_unverified_context` or `ssl.CERT_NONE`
outside a comparison; `check_hostname` / `assert_hostname` set to False (attribute,
keyword or dict key). `urllib3.disable_warnings()` alone is not flagged: it hides the
warning, it does not turn verification off.

TTP404: an `http://` or `ws://` URL literal fetched by an outbound call or bound to a
URL-like name (BASE_URL, base_url=, endpoint, {"url": …}, env var defaults), unless the
host is local, private, cluster-internal, reserved, or a bare service name, or the URL is
an identifier (XML namespaces, schema ids).

Sites of security.tls: every verification setting judged and every URL literal judged
(https:// and local URLs are covered). Test files: TTP403 is reported at low severity,
TTP404 not at all (test URLs are mocks), and neither counts as a site.
"""

from __future__ import annotations

import libcst as cst

from ..engine.context import FileContext, Problem
from ..engine.detector import Detector, register
from ..models import Severity
from . import security_secrets
from . import security_tls as tk
from .security_common import (
    NOT_CONSTANT,
    CallTarget,
    argument,
    assignment_pairs,
    call_target,
    constant,
    is_false,
    keyword_args,
    string_value,
    target_name,
)

ITEM = "security.tls"
_RISK = "anyone on the network path can read and alter the traffic"
_FIX_VERIFY = (
    'remove it; to trust a private CA, pass its bundle (verify="/path/ca.pem") or '
    "ssl.create_default_context(cafile=...)"
)


@register
class TlsChecks(Detector):
    codes = ("TTP403", "TTP404")
    needs = (
        b"://",
        b"verify",
        b"ssl",
        b"SSL",
        b"CERT_NONE",
        b"hostname",
        b"cert_reqs",
        b"tlsAllowInvalid",
        b"tlsInsecure",
    )

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.k = tk.load()
        self.env = security_secrets.load()
        self.judged: set[int] = set()  # URL literals already judged
        self.ssl_aliases: set[str] = set()  # local names of ssl APIs imported under aliases
        self.in_test = ctx.is_test_file

    # --- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not node.args:
            return
        if not any(self._interesting(arg) for arg in node.args):
            for keyword, arg in keyword_args(node):  # only URL-like keywords to judge
                if tk.is_url_name(keyword):
                    self._url(arg.value)
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
            if tk.is_url_name(keyword):
                self._url(arg.value)
        self._url_argument(node, target)
        self._env_default(node, target)

    def _interesting(self, arg: cst.Arg) -> bool:
        """Does this argument need the call resolved (a verification keyword, a URL)?"""
        if arg.keyword is not None and arg.keyword.value in self.k.setting_keywords:
            return True
        value = arg.value
        if isinstance(value, cst.SimpleString):
            return "://" in value.value
        if isinstance(value, cst.FormattedString) and value.parts:
            first = value.parts[0]
            return isinstance(first, cst.FormattedStringText) and "://" in first.value
        return isinstance(value, cst.ConcatenatedString)

    def _url_argument(self, node: cst.Call, target: CallTarget) -> None:
        index = None
        if target.qualname is not None:
            index = self.k.url_calls.get(target.qualname)
        if index is None and target.receiver is not None and target.method is not None:
            index = self.k.url_methods.get((target.receiver, target.method))
        if index is not None:
            arg = argument(node, index, "url")
            if arg is not None:
                self._url(arg.value)

    def _env_default(self, node: cst.Call, target: CallTarget) -> None:
        """`os.getenv("BASE_URL", "http://…")`: the default of a URL-like env var."""
        reader = self.env.env_calls.get(target.qualname or "")
        if reader is None:
            return
        first = argument(node, 0, "key")
        name = string_value(first.value) if first is not None else None
        if name is not None and tk.is_url_name(name[0]):
            default = argument(node, reader.index, reader.keyword)
            if default is not None:
                self._url(default.value)

    def _setting(self, keyword: str, arg: cst.Arg, off: tk.Off, where: str | None) -> None:
        inner = arg.value.func if isinstance(arg.value, cst.Call) else arg.value
        if self.ctx.qualname(inner) in self.k.ssl_apis:
            return  # cert_reqs=ssl.CERT_NONE, ssl=ssl._create_unverified_context(): one finding
        value = constant(arg.value)
        code = self.ctx.code_for(arg.value)
        if value is not NOT_CONSTANT and tk.is_off(value, off):
            call = f" on {where}()" if where else ""
            self._off(arg, f"`{keyword}={code}`{call} turns off TLS certificate verification")
        elif not self.in_test:
            label = f"{keyword}={code}"
            self.ctx.site(ITEM, "TTP403", arg, None, label if len(label) <= 40 else keyword)

    # --- assignments, dicts, parameters ---------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Attribute) and is_false(node.value):
                self._attribute_off(t)
            for name, _, value in assignment_pairs(t, node.value):
                if tk.is_url_name(name):
                    self._url(value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = target_name(node.target)
        if node.value is not None and name is not None and tk.is_url_name(name):
            self._url(node.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            key = string_value(element.key)
            if key is None:
                continue
            if key[0] in self.k.hostname_checks and is_false(element.value):
                self._off(element, f'`"{key[0]}": False` accepts a valid certificate for any host')
            elif tk.is_url_name(key[0]):
                self._url(element.value)

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None and tk.is_url_name(node.name.value):
            self._url(node.default)

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
        if qualname in self.k.unverified:
            self._off(node, f"`{qualname}` builds a context that accepts any certificate")
        elif qualname in self.k.cert_none:
            self._off(node, f"`{qualname}` turns off certificate verification")

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

    # --- URLs -----------------------------------------------------------------------------
    def _url(self, expr: cst.BaseExpression) -> None:
        if isinstance(expr, cst.BooleanOperation):
            self._url(expr.right)
            return
        if isinstance(expr, cst.Call):
            # os.getenv("X", "http://…") / Field(default="http://…") bound to a URL-like name
            qualname = self.ctx.qualname(expr.func) or ""
            reader = self.env.env_calls.get(qualname) or self.env.wrappers.get(qualname)
            if reader is not None:
                default = argument(expr, reader.index, reader.keyword)
                if default is not None:
                    self._url(default.value)
            return
        found = string_value(expr)
        complete = True
        if found is None and isinstance(expr, cst.FormattedString) and expr.parts:
            first = expr.parts[0]
            if isinstance(first, cst.FormattedStringText):
                found, complete = (first.value, (expr,)), False
        if found is None or id(expr) in self.judged:
            return
        self.judged.add(id(expr))
        text = found[0]
        if "://" not in text:
            return
        verdict = tk.judge_url(text, complete)
        if verdict is None or self.in_test:
            return
        if verdict.kind != "plaintext":
            label = "https"
            if verdict.kind == "local":
                label = f"{verdict.url.scheme}:// to a local host"
            self.ctx.site(ITEM, "TTP404", expr, None, label)
            return
        url = verdict.url
        problem = Problem(
            "TTP404",
            f"plaintext {url.scheme}:// URL to {url.host}: requests, responses and any "
            f"credentials travel unencrypted and {_RISK}; use {url.scheme}s://",
            fix=f"use {url.scheme}s:// (or keep plaintext only to local or in-cluster hosts)",
            snippet_mask=url.password is not None,
            fingerprint_text=f"{url.scheme}://{url.host}" if url.password is not None else None,
        )
        self.ctx.site(ITEM, "TTP404", expr, problem)

    # --- output ---------------------------------------------------------------------------
    def _off(self, node: cst.CSTNode, what: str) -> None:
        problem = Problem(
            "TTP403",
            f"{what}: {_RISK}",
            severity=Severity.LOW if self.in_test else None,
            fix=_FIX_VERIFY,
        )
        if self.in_test:
            self.ctx.report(node, problem)
        else:
            self.ctx.site(ITEM, "TTP403", node, problem)
