"""TTP401 hardcoded-api-key and TTP402 hardcoded-credential (security.secrets-in-env).

Where the detector looks:
- every string literal (and f-string text): a key in a known live format is TTP401
  wherever it sits; a connection URL or key=value connection string with a password for a
  non-local host is TTP402;
- every comment (`# OPENAI_API_KEY=sk-proj-…` leaks a key as surely as a literal): comments
  are trivia the walker does not visit, so they are read once in `finish()`, and only in
  files where a key keyword follows a `#` on some line;
- every credential-like binding (assignment target, attribute, annotated field, dict key,
  keyword argument, parameter default, env var read with a default, `Authorization`
  header, `auth=(user, pw)`, `HTTPBasicAuth(user, pw)`): a literal is judged, a read
  from the environment or a secret store is a covered site.

The value never reaches an output: messages carry a mask (`…(7 chars)`; a known format
keeps its public 4-character prefix), the finding's fingerprint is built from the mask and
`snippet_mask` masks every literal on the reported line.

Test files: a live-format key is still critical (a leaked key is leaked wherever it is
committed); any other credential literal is test data, reported at `info` and not counted
as a site.
"""

from __future__ import annotations

import re

import libcst as cst

from ... import knowledge, redact
from ...analysis import secrets as sk
from ...analysis.literals import (
    CallTarget,
    argument,
    argument_index,
    assignment_pairs,
    call_target,
    keyword_args,
    simple_text,
    string_value,
    target_name,
)
from ...analysis.strings import words
from ...engine.context import FileContext
from ...engine.detector import Derived, Detector
from ...facts import SecretLiteral

ITEM = "security.secrets-in-env"
_KV_HINT = re.compile(r"(?i)pass|pwd")  # the cheap test before parsing a connection string
_NEEDS_WORDS = ("key", "secret", "token", "pass", "pwd", "auth", "cred", "bearer")


def _needs() -> tuple[bytes, ...]:
    out = {b"://", b"login"}
    for word in _NEEDS_WORDS:
        for form in (word, word.capitalize(), word.upper()):
            out.add(form.encode())
    for fmt in redact.formats():
        out.update(k.encode() for k in fmt.keywords)
    return tuple(sorted(out))


class HardcodedSecrets(Detector):
    codes = ("TTP401", "TTP402")
    needs = Derived(_needs)

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.k = sk.load()
        self.hint = redact.keyword_hint()
        self.handled: set[int] = set()  # literals and env calls already judged
        self.targets: dict[int, CallTarget] = {}  # call_target per call node, computed once
        self.scopes: list[bool] = []  # per class/function: is it a settings class body
        self.in_test = ctx.is_test_file
        self.def_line = 0  # judging a parameter default: the line of its `def`

    # --- scopes ---------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        settings = False
        for base in node.bases:
            qual = self.ctx.qualname(base.value)
            if qual is not None and any(
                b in self.k.settings_bases for b in self.ctx.names.bases_of(qual)
            ):
                settings = True
        self.scopes.append(settings)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.pop()

    def _in_settings(self) -> bool:
        """Directly in the body of a pydantic-settings class (fields read from the env)."""
        return bool(self.scopes) and self.scopes[-1]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append(False)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.pop()

    # --- bindings -------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        label_ok = not self._in_settings()
        for target in node.targets:
            for name, _, value in assignment_pairs(target.target, node.value):
                self._binding(name, value, label_ok=label_ok)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = target_name(node.target)
        if name is None:
            return
        settings = self._in_settings()
        made_site = node.value is not None and self._binding(name, node.value, not settings)
        if not made_site and settings and sk.is_credential_name(name):
            self._covered(node.target, "settings field read from the environment")

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key is not None:
                    self._binding(key[0], element.value, label_ok=True)

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            self.def_line = self.ctx.statement_line()
            self._binding(node.name.value, node.default)
            self.def_line = 0

    def visit_Call(self, node: cst.Call) -> None:
        for keyword, arg in keyword_args(node):
            if keyword in self.k.pair_keywords and isinstance(arg.value, (cst.Tuple, cst.List)):
                elements = arg.value.elements
                if len(elements) >= 2:
                    label = f"{keyword}=(…, password)"
                    self._judge_expr("password", elements[-1].value, label=label)
                continue
            self._binding(keyword, arg.value)
        if len(node.args) >= 2:
            self._password_argument(node)
        first = node.args[0].value if node.args else None
        literal_first = isinstance(first, (cst.SimpleString, cst.ConcatenatedString))
        if literal_first and id(node) not in self.handled:
            self._env_read(node)

    def _target(self, call: cst.Call) -> CallTarget:
        target = self.targets.get(id(call))
        if target is None:
            target = self.targets[id(call)] = call_target(self.ctx, call)
        return target

    def _password_argument(self, node: cst.Call) -> None:
        """`HTTPBasicAuth("user", "pw")`, `smtp.login(user, "pw")`."""
        target = self._target(node)
        index = argument_index(target, self.k.password_calls, self.k.password_methods)
        if index is not None:
            password = argument(node, index, "password")
            if password is not None:
                self._judge_expr("password", password.value)

    def _env_read(self, node: cst.Call) -> None:
        """`os.getenv("DB_PASSWORD", "hunter2")` outside a credential-like binding."""
        reader = self._reader(node)
        if reader is None:
            return
        first = argument(node, 0, "key")
        env_name = string_value(first.value) if first is not None else None
        if env_name is None or not sk.is_credential_name(env_name[0]):
            return
        self._judge_expr(env_name[0], node)

    # --- string literals anywhere ---------------------------------------------------------
    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) in self.handled:
            return
        raw = node.value
        if self.hint.search(raw):
            text = simple_text(node)
            if text is not None and self._known_key(text, node):
                return
        if "://" in raw and "@" in raw:
            text = simple_text(node)
            verdict = sk.judge_url(text) if text is not None else None
            if verdict is not None:
                self._report(verdict, "connection URL", node)
        elif "=" in raw and _KV_HINT.search(raw):
            text = simple_text(node)
            verdict = sk.judge_connection_string(text) if text is not None else None
            if verdict is not None:
                self._report(verdict, "connection string", node)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if id(node) not in self.handled and self.hint.search(node.value):
            self._known_key(node.value, node)

    def _known_key(self, text: str, node: cst.CSTNode, where: str = "a string literal") -> bool:
        found = redact.find_key(text)
        if found is None:
            return False
        self._report(sk.Verdict("key", found[1], found[0]), where, node)
        return True

    # --- judging --------------------------------------------------------------------------
    def _binding(self, name: str, value: cst.BaseExpression, label_ok: bool = False) -> bool:
        """Judge `value` bound to `name`; True when it made a site."""
        if not sk.is_credential_name(name):
            if sk.mentions_credential(name):
                self._judge_quietly(name, value, label_ok)
            return False
        return self._judge_expr(name, value, label_ok=label_ok)

    def _judge_quietly(self, name: str, value: cst.BaseExpression, label_ok: bool) -> None:
        """A literal bound to a name that mentions a credential but names something else
        (`TOKEN_TYPE = "bearer"`): never reported, but judged all the same, so that the
        external tools' password findings on it can defer to the verdict."""
        found = string_value(value)
        if found is not None:
            text, nodes = found
            self._record(name, nodes[0], _judgement(name, text, label_ok))

    def _judge_expr(
        self, name: str, value: cst.BaseExpression, label_ok: bool = False, label: str = ""
    ) -> bool:
        found = string_value(value)
        if found is not None:
            text, nodes = found
            self.handled.update(id(n) for n in nodes)
            verdict = _judgement(name, text, label_ok)
            self._record(label or name, nodes[0], verdict)
            if not isinstance(verdict, sk.Verdict):
                return False
            self._report(verdict, label or f"`{name}`", nodes[0])
            return True
        if isinstance(value, cst.Await):
            return self._judge_expr(name, value.expression, label_ok, label)
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
            # os.getenv("API_KEY") or "sk-…": the literal fallback is what ships
            if self._judge_expr(name, value.right, label_ok, label):
                return True
            return self._judge_expr(name, value.left, label_ok, label)
        if isinstance(value, cst.Subscript):
            if self.ctx.qualname(value.value) in self.k.store_subscripts:
                return self._covered(value, "read from the environment")
            return self._judge_expr(name, value.value, label_ok, label)
        if isinstance(value, cst.Call):
            return self._judge_call(name, value, label)
        return False

    def _judge_call(self, name: str, call: cst.Call, label: str) -> bool:
        target = self._target(call)
        wrapper = self.k.wrappers.get(target.qualname or "")
        if wrapper is not None:
            inner = argument(call, wrapper.index, wrapper.keyword)
            return inner is not None and self._judge_expr(name, inner.value, label=label)
        reader = self._reader(call)
        if reader is not None:
            self.handled.add(id(call))
            default = argument(call, reader.index, reader.keyword)
            if default is not None and self._judge_expr(name, default.value, False, label):
                return True
            return self._covered(call, "read from the environment")
        if target.qualname in self.k.store_calls or target.method in self.k.store_methods:
            return self._covered(call, "read from a secret store")
        for arg in call.args:  # int(os.getenv(…)), SecretStr(os.environ[…])
            if isinstance(arg.value, (cst.Call, cst.Subscript)) and self._reads_secret(arg.value):
                return self._covered(call, "read from the environment")
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        if isinstance(receiver, (cst.Call, cst.Subscript)) and self._reads_secret(receiver):
            return self._judge_expr(name, receiver, label=label)  # os.getenv("X", "").strip()
        return False

    def _reads_secret(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Subscript):
            return self.ctx.qualname(expr.value) in self.k.store_subscripts
        if isinstance(expr, cst.Call):
            target = self._target(expr)
            return (
                self._reader(expr) is not None
                or target.qualname in self.k.store_calls
                or target.method in self.k.store_methods
            )
        return False

    def _reader(self, call: cst.Call) -> sk.Reader | None:
        target = self._target(call)
        if target.qualname is not None and target.qualname in self.k.env_calls:
            return self.k.env_calls[target.qualname]
        if target.receiver is not None and target.method is not None:
            return self.k.env_methods.get((target.receiver, target.method))
        return None

    # --- output ---------------------------------------------------------------------------
    def _record(self, name: str, node: cst.CSTNode, verdict: sk.Verdict | str) -> None:
        """The verdict on a literal, as a fact (its reason when it is no credential; never
        its value). A parameter default also records its `def` line."""
        cleared = verdict if isinstance(verdict, str) else ""
        fact = SecretLiteral(name=name, cleared=cleared, def_line=self.def_line)
        self.ctx.fact(node, fact)

    def _covered(self, node: cst.CSTNode, label: str) -> bool:
        if not self.in_test:
            self.ctx.site(ITEM, "TTP402", node, None, label)
        return True

    def _report(self, verdict: sk.Verdict, label: str, node: cst.CSTNode) -> None:
        if verdict.kind == "key" and self.ctx.wants("TTP401"):
            self.ctx.site(ITEM, "TTP401", node, sk.key_problem(verdict, label))
            return
        problem = sk.credential_problem(verdict, label, self.in_test)
        if self.in_test:
            self.ctx.report(node, problem)
        else:
            self.ctx.site(ITEM, "TTP402", node, problem)

    # --- comments -----------------------------------------------------------------------
    def finish(self) -> None:
        if not self._key_after_hash():
            return
        todo: list[cst.CSTNode] = [self.ctx.module]
        while todo:
            node = todo.pop()
            if not isinstance(node, cst.Comment):
                todo.extend(node.children)
                continue
            found = redact.find_key(node.value) if self.hint.search(node.value) else None
            if found is not None:
                verdict = sk.Verdict("key", found[1], found[0])
                self.ctx.site(ITEM, "TTP401", node, sk.key_problem(verdict, "a comment"))

    def _key_after_hash(self) -> bool:
        for line in self.ctx.text.splitlines():
            at = line.find("#")
            if at >= 0 and self.hint.search(line, at):
                return True
        return False


@knowledge.derived
def _sentinels() -> frozenset[str]:
    return frozenset(v.lower() for v in knowledge.table("secrets")["sentinel_passwords"]["values"])


def _judgement(name: str, text: str, label_ok: bool) -> sk.Verdict | str:
    """`sk.judgement`, and a password field holding the name of the identity provider that logs
    the user in (`{"password": "LDAP", "auth_method": …}`) is a sentinel, not a credential."""
    verdict = sk.judgement(name, text, label_ok)
    if not isinstance(verdict, sk.Verdict) or verdict.kind == "key":
        return verdict
    found = words(name)
    if found and found[-1] in sk.PASSWORD_WORDS and text.strip().lower() in _sentinels():
        return "the unusable password of a user who signs in through SSO or LDAP"
    return verdict
