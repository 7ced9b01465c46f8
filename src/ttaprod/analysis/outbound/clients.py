"""Clients and sessions: what kind a constructor builds (a library class or a local subclass),
adapters mounted on requests sessions, and the defaults a local subclass fills in."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ...engine.context import FileContext
from ...engine.names import Instance, NameTable
from ...engine.walker import children
from .knowledge import ClientSpec, RetrySetting, knowledge
from .values import find_arg, is_none, is_zero


@dataclass(frozen=True, eq=False)
class Client:
    """A client/session instance an outbound call goes through."""

    spec: ClientSpec
    ctor: str  # what was called or declared: the library class, or a local subclass
    instance: Instance | None
    subclass: str | None = None  # the local subclass, when ctor is one

    @property
    def call(self) -> cst.Call | None:
        """The constructor call, when this module shows it."""
        return self.instance.call if self.instance is not None else None


def client_spec(names: NameTable, ctor: str) -> tuple[ClientSpec, str | None] | None:
    """The client kind `ctor` builds: a library class, or a local subclass of one."""
    spec = knowledge().clients.get(ctor)
    if spec is not None:
        return spec, None
    if names.module_name and ctor.startswith(names.module_name + "."):
        for base in names.bases_of(ctor)[1:]:
            spec = knowledge().clients.get(base)
            if spec is not None:
                return spec, ctor
    return None


def client_of(names: NameTable, instance: Instance | None) -> Client | None:
    if instance is None:
        return None
    found = client_spec(names, instance.ctor)
    if found is None:
        return None
    return Client(found[0], instance.ctor, instance, found[1])


def construction(ctx: FileContext, call: cst.Call, qual: str | None = None) -> Client | None:
    """The client built by `call` (`httpx.AsyncClient(...)`, a local Session subclass)."""
    qual = ctx.qualname(call.func) if qual is None else qual
    if qual is None:
        return None
    found = client_spec(ctx.names, qual)
    if found is None:
        return None
    return Client(found[0], qual, Instance(qual, call, "inline"), found[1])


def mounted_adapter(ctx: FileContext, call: cst.Call) -> tuple[Instance, cst.BaseExpression] | None:
    """`session.mount("https://", adapter)`: the session instance and the adapter."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    instance = ctx.instance(func.value)
    client = client_of(ctx.names, instance)
    if instance is None or client is None or client.spec.mount_method != func.attr.value:
        return None
    adapter = find_arg(call.args, "adapter", 1)
    return (instance, adapter.value) if adapter.value is not None else None


def retry_setting_enabled(ctx: FileContext, call: cst.Call, setting: RetrySetting) -> bool | None:
    """Whether an adapter/transport construction retries; None when it cannot be told."""
    arg = find_arg(call.args, setting.keyword, setting.position)
    if not arg.known:
        return None
    if arg.value is None:
        return setting.default > 0
    if is_zero(arg.value):
        return False
    value = arg.value
    if isinstance(value, cst.Call) and ctx.qualname(value.func) in knowledge().retry_objects:
        total = find_arg(value.args, "total", 0)
        return not (total.value is not None and is_zero(total.value))
    return True


def class_defaults(node: cst.ClassDef) -> tuple[bool, bool]:
    """(sets a default timeout, sets retries) for a local Session/adapter subclass: its body
    fills in `timeout` (`kwargs.setdefault("timeout", …)`, `self.timeout = …`, a `timeout`
    parameter with a default) or passes `max_retries=`."""
    timeout = retries = False
    todo: list[cst.CSTNode] = [node.body]
    while todo and not (timeout and retries):
        current = todo.pop()
        if isinstance(current, cst.SimpleString) and current.value.strip("\"'") == "timeout":
            timeout = True
        elif isinstance(current, cst.Arg) and current.keyword is not None:
            word = current.keyword.value
            timeout |= word == "timeout" and not is_none(current.value)
            retries |= word == "max_retries" and not is_zero(current.value)
        elif isinstance(current, cst.Param) and current.name.value == "timeout":
            timeout |= current.default is not None and not is_none(current.default)
        elif isinstance(current, cst.Attribute) and current.attr.value == "timeout":
            timeout |= isinstance(current.value, cst.Name) and current.value.value == "self"
        todo.extend(children(current))
    return timeout, retries
