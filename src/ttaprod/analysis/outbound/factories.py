"""Clients returned by local functions and properties, for `Deferred` calls."""

from __future__ import annotations

import libcst as cst

from ...engine.binder import annotation_binding, value_binding
from ...engine.context import FileContext
from ...engine.names import Instance, NameTable
from .classify import Deferred, OutboundCall, method_call
from .clients import client_of


class Factories:
    """What local functions and properties return, for `Deferred` calls. Feed it from
    `visit_FunctionDef` and `visit_Return`; resolve in `finish()`."""

    def __init__(self) -> None:
        self.returns: dict[str, Instance | str] = {}

    def note_function(self, ctx: FileContext, node: cst.FunctionDef, qual: str) -> None:
        if node.returns is not None:
            declared = annotation_binding(ctx.names, node.returns)
            if isinstance(declared, Instance):
                self.returns.setdefault(qual, declared)

    def note_return(self, ctx: FileContext, node: cst.Return, qual: str | None) -> None:
        if qual is None or node.value is None:
            return
        held = value_binding(ctx.names, node.value)
        if isinstance(held, Instance) and client_of(ctx.names, held) is not None:
            self.returns[qual] = held  # a returned construction beats a declared type
        elif isinstance(held, Instance) and qual not in self.returns:
            self.returns[qual] = held.ctor  # another factory: follow it when resolving

    def resolve(self, names: NameTable, deferred: Deferred) -> OutboundCall | None:
        key: str | None = deferred.key
        for _ in range(5):
            if key is None:
                return None
            held = self.returns.get(key)
            if isinstance(held, Instance):
                client = client_of(names, held)
                if client is None:
                    return None
                return method_call(
                    deferred.node,
                    client,
                    deferred.chain,
                    deferred.options,
                    deferred.args,
                    deferred.operation,
                    deferred.through,
                    deferred.through_async,
                )
            key = held
        return None
