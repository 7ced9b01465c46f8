"""TTP401 / TTP402 (unsafe: the service now needs the variable set, and fails fast without
it): a hard-coded secret replaced by a read from the environment.

    OPENAI_API_KEY = "sk-proj-…"          →  OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
    OpenAI(api_key="sk-…")                →  OpenAI(api_key=os.environ["OPENAI_API_KEY"])
    os.getenv("DB_PASSWORD", "hunter2")   →  os.environ["DB_PASSWORD"]
    os.getenv("TOKEN") or "7c9e…"         →  os.environ["TOKEN"]
    {"Authorization": "Bearer 8f14…"}     →  {"Authorization": "Bearer "
                                                 + os.environ["AUTHORIZATION_TOKEN"]}
    api_key: str = "…" (pydantic settings)  →  api_key: str

The variable is named after what the value is bound to (`fix-env-names` renames it,
`fix-env-prefix` prefixes it); a generic keyword takes the name of the package it is handed to
(`api_key` of `openai.OpenAI` → `OPENAI_API_KEY`). The same name for two different values
takes the name of the function or class too. The value itself is never written, shown or kept
beyond masking it in diffs. Parameter defaults, tuples and f-strings are left to a person.
"""

from __future__ import annotations

import hashlib
import json
import re

import libcst as cst

from ..analysis import secrets as sk
from ..analysis.literals import argument, call_target, string_value, target_name
from ..analysis.strings import words
from ..models import Finding
from .kit import REWRITE, Decline, Edit, FindingFix
from .settings import data
from .walk import Family

_SCHEMED = re.compile(r"^([A-Za-z][\w-]*)\s+(\S+)$")


def env_name(name: str) -> str:
    """`clientSecret` → CLIENT_SECRET, `x-api-key` → X_API_KEY."""
    return "_".join(w.upper() for w in words(name))


class Secrets(Family):
    codes = ("TTP401", "TTP402")
    nodes = (cst.SimpleString, cst.FormattedString, cst.FormattedStringText)

    def target(self, node: cst.CSTNode, finding: Finding) -> None:
        if isinstance(node, cst.FormattedStringText):
            raise Decline("a secret inside an f-string: move it to the environment by hand")
        stack = self.ctx.stack
        i = len(stack) - 1
        while i > 0 and isinstance(stack[i - 1], cst.ConcatenatedString):
            i -= 1
        value = stack[i]
        assert isinstance(value, cst.BaseExpression)
        found = string_value(value)
        if found is None:
            raise Decline("not a constant string")
        self.kit.secrets.add(found[0])
        parent = stack[i - 1] if i > 0 else None
        grand = stack[i - 2] if i > 1 else None
        self._fix(finding, value, found[0], parent, grand)

    def _fix(
        self,
        finding: Finding,
        value: cst.BaseExpression,
        secret: str,
        parent: cst.CSTNode | None,
        grand: cst.CSTNode | None,
    ) -> None:
        if isinstance(parent, cst.Arg) and isinstance(grand, cst.Call):
            read = self._env_read(grand)
            if read is not None:  # os.getenv("NAME", "secret") → os.environ["NAME"]
                self._replace(finding, grand, read, secret, literal_name=True)
                return
            if parent.keyword is None:
                raise Decline("a positional argument: move it to the environment by hand")
            name = parent.keyword.value
            prefix = self._package(grand) if name.lower() in _generic() else ""
            self._replace(finding, value, name, secret, package=prefix)
        elif isinstance(parent, cst.BooleanOperation) and parent.right is value:
            left = parent.left
            read = self._env_read(left) if isinstance(left, cst.Call) else None
            if read is None:
                raise Decline("a fallback ttaprod does not rewrite")
            self._replace(finding, parent, read, secret, literal_name=True)
        elif isinstance(parent, cst.DictElement) and parent.value is value:
            key = string_value(parent.key)
            if key is None:
                raise Decline("a dict entry without a literal key")
            self._replace(finding, value, key[0], secret)
        elif isinstance(parent, cst.AnnAssign) and parent.value is value:
            name = target_name(parent.target)
            if name is None:
                raise Decline("an assignment ttaprod does not rewrite")
            if self._in_settings_class():
                self._settings_field(finding, parent, name, secret)
            else:
                self._replace(finding, value, name, secret)
        elif isinstance(parent, cst.Assign) and parent.value is value and len(parent.targets) == 1:
            name = target_name(parent.targets[0].target)
            if name is None:
                raise Decline("an assignment ttaprod does not rewrite")
            self._replace(finding, value, name, secret)
        else:
            raise Decline(
                "bound in a way ttaprod does not rewrite: move it to the environment by hand"
            )

    # --- names ----------------------------------------------------------------------------
    def _variable(self, name: str, secret: str, literal_name: bool, package: str) -> str:
        settings = self.kit.settings
        if name in settings.env_names:
            return self._unique(settings.env_names[name], secret, qualify=False)
        if literal_name:
            return self._unique(name, secret, qualify=False)
        table = data()["secrets"]
        variable = env_name(name)
        if name.lower().replace("-", "_") in table["scheme_headers"]:
            variable = f"{variable}_{table['scheme_env_suffix']}"
        if package:
            variable = f"{package}_{variable}"
        prefix = settings.env_prefix
        if prefix and not variable.startswith(prefix):
            variable = prefix + variable
        return self._unique(variable, secret)

    def _unique(self, variable: str, secret: str, qualify: bool = True) -> str:
        """The same variable for the same value; another value takes its scope's name (a
        name the code or the config gave is kept, or the fix declines)."""
        digest = hashlib.sha256(secret.encode()).hexdigest()
        seen = self.kit.settings.env_values
        if seen.setdefault(variable, digest) == digest:
            return variable
        if not qualify:
            raise Decline(f"`{variable}` already stands for another value in this run")
        scope = self.ctx.functions[-1].name.value if self.ctx.functions else ""
        scope = scope or (self.ctx.classes[-1].name.value if self.ctx.classes else "")
        scope = scope or self.ctx.names.module_name.rsplit(".", 1)[-1]
        qualified = f"{env_name(scope)}_{variable}" if scope else ""
        if qualified and seen.setdefault(qualified, digest) == digest:
            return qualified
        raise Decline(f"`{variable}` already names another value: name this one in fix-env-names")

    def _package(self, call: cst.Call) -> str:
        qual = call_target(self.ctx, call).qualname
        return qual.split(".", 1)[0].upper() if qual and "." in qual else ""

    # --- what reads the environment -------------------------------------------------------
    def _env_read(self, call: cst.Call) -> str | None:
        """The variable name of `os.getenv("NAME", …)` / `os.environ.get("NAME", …)`."""
        k = sk.load()
        target = call_target(self.ctx, call)
        reader = k.env_calls.get(target.qualname or "")
        if reader is None and target.receiver and target.method:
            reader = k.env_methods.get((target.receiver, target.method))
        if reader is None:
            return None
        first = argument(call, 0, "key")
        name = string_value(first.value) if first is not None else None
        return name[0] if name is not None else None

    def _in_settings_class(self) -> bool:
        if not self.ctx.classes or self.ctx.names.current.kind != "class":
            return False
        bases = sk.load().settings_bases
        for base in self.ctx.classes[-1].bases:
            qual = self.ctx.qualname(base.value)
            if qual is not None and any(b in bases for b in self.ctx.names.bases_of(qual)):
                return True
        return False

    # --- edits ----------------------------------------------------------------------------
    def _replace(
        self,
        finding: Finding,
        node: cst.BaseExpression,
        name: str,
        secret: str,
        literal_name: bool = False,
        package: str = "",
    ) -> None:
        variable = self._variable(name, secret, literal_name, package)
        builder = self.kit.builder()
        read = builder.fill(data()["secrets"]["read"], name=json.dumps(variable))
        schemed = _SCHEMED.match(secret) if not literal_name else None
        table = data()["secrets"]
        if schemed and name.lower().replace("-", "_") in table["scheme_headers"]:
            read = f"{json.dumps(schemed.group(1) + ' ')} + {read}"
        expression = cst.parse_expression(read)
        edit = Edit(node, lambda _: expression, REWRITE)
        what = f"read `{variable}` from the environment instead of the hard-coded value"
        fix = FindingFix(finding, what, self.safe(finding), [edit], builder.needs, env=(variable,))
        self.kit.add(fix)

    def _settings_field(
        self, finding: Finding, field: cst.AnnAssign, name: str, secret: str
    ) -> None:
        def change(node: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(node, cst.AnnAssign)
            return node.with_changes(value=None, equal=cst.MaybeSentinel.DEFAULT)

        variable = self.kit.settings.env_names.get(name, env_name(name))
        self._unique(variable, secret, qualify=False)
        what = f"drop the default: the settings class reads `{variable}` from the environment"
        self.kit.add(
            FindingFix(
                finding, what, self.safe(finding), [Edit(field, change, REWRITE)], env=(variable,)
            )
        )


def _generic() -> frozenset[str]:
    return frozenset(data()["secrets"]["generic_keywords"])
