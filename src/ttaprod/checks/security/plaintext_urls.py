"""TTP404 plaintext-http-url (security.tls).

An `http://` or `ws://` URL literal fetched by an outbound call or bound to a URL-like name
(BASE_URL, base_url=, endpoint, {"url": …}, settings fields, parameter defaults, env var
defaults), unless the host is local, private, cluster-internal, reserved, or a bare
service name, or the URL is an identifier (XML namespaces, schema ids).

Every URL literal judged is a site of security.tls (https:// and local URLs are covered).
Test files are skipped: their URLs are mocks.
"""

from __future__ import annotations

import libcst as cst

from ...analysis import secrets as security_secrets
from ...analysis import tls as tk
from ...analysis.literals import (
    argument,
    argument_index,
    assignment_pairs,
    call_target,
    keyword_args,
    string_value,
    target_name,
)
from ...engine.context import FileContext, Problem
from ...engine.detector import Detector

ITEM = "security.tls"


class PlaintextUrls(Detector):
    codes = ("TTP404",)
    needs = (b"://",)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.k = tk.load()
        self.env = security_secrets.load()
        self.judged: set[int] = set()  # URL literals already judged
        self.skip = ctx.is_test_file

    # --- where URLs are bound -------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if self.skip or not node.args:
            return
        for keyword, arg in keyword_args(node):
            if tk.is_url_name(keyword):
                self._url(arg.value)
        if any(arg.keyword is None and _may_be_url(arg.value) for arg in node.args):
            self._fetched(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            for name, _, value in assignment_pairs(target.target, node.value):
                if tk.is_url_name(name):
                    self._url(value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = target_name(node.target)
        if node.value is not None and name is not None and tk.is_url_name(name):
            self._url(node.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key is not None and tk.is_url_name(key[0]):
                    self._url(element.value)

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None and tk.is_url_name(node.name.value):
            self._url(node.default)

    def _fetched(self, node: cst.Call) -> None:
        """`requests.get("http://…")`, `session.post(...)`, and the default of a URL-like
        env var read outside an assignment (`os.getenv("BASE_URL", "http://…")`)."""
        target = call_target(self.ctx, node)
        index = argument_index(target, self.k.url_calls, self.k.url_methods)
        if index is not None:
            arg = argument(node, index, "url")
            if arg is not None:
                self._url(arg.value)
        reader = self.env.env_calls.get(target.qualname or "")
        first = argument(node, 0, "key")
        name = string_value(first.value) if first is not None else None
        if reader is not None and name is not None and tk.is_url_name(name[0]):
            default = argument(node, reader.index, reader.keyword)
            if default is not None:
                self._url(default.value)

    # --- judging --------------------------------------------------------------------------
    def _url(self, expr: cst.BaseExpression) -> None:
        if self.skip:
            return
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
        text, complete = (found[0], True) if found is not None else (_leading_text(expr), False)
        if text is None or "://" not in text or id(expr) in self.judged:
            return
        self.judged.add(id(expr))
        verdict = tk.judge_url(text, complete)
        if verdict is None:
            return
        if verdict.kind != "plaintext":
            label = "https"
            if verdict.kind == "local":
                label = f"{verdict.url.scheme}:// to a local host"
            self.ctx.site(ITEM, "TTP404", expr, None, label)
            return
        url = verdict.url
        secret = url.password is not None
        problem = Problem(
            "TTP404",
            f"plaintext {url.scheme}:// URL to {url.host}: requests, responses and any "
            "credentials travel unencrypted and anyone on the network path can read and "
            f"alter them; use {url.scheme}s://",
            fix=f"use {url.scheme}s:// (or keep plaintext only to local or in-cluster hosts)",
            snippet_mask=secret,
            fingerprint_text=f"{url.scheme}://{url.host}" if secret else None,
        )
        self.ctx.site(ITEM, "TTP404", expr, problem)


def _may_be_url(value: cst.BaseExpression) -> bool:
    """The cheap test before resolving a call: a positional literal that holds a scheme."""
    if isinstance(value, cst.SimpleString):
        return "://" in value.value
    if isinstance(value, cst.FormattedString):
        return "://" in (_leading_text(value) or "")
    return isinstance(value, cst.ConcatenatedString)


def _leading_text(expr: cst.BaseExpression) -> str | None:
    """The literal start of an f-string (`f"http://api.acme.io/{path}"` → its host is known)."""
    if isinstance(expr, cst.FormattedString) and expr.parts:
        first = expr.parts[0]
        if isinstance(first, cst.FormattedStringText):
            return first.value
    return None
