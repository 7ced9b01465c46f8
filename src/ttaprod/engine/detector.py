"""The base class of every per-file rule implementation (a detector)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from .context import FileContext


@dataclass(frozen=True)
class Derived:
    """A prefilter computed from the knowledge tables when first asked for (so a changed table
    changes it too), instead of a word list written into the rule."""

    compute: Callable[[], tuple[bytes, ...]]


def roots(names: object) -> tuple[bytes, ...]:
    """The first segment of each qualified name (`slowapi.Limiter` → b"slowapi"): the bytes a
    file must hold to import or use any of them."""
    return tuple(sorted({str(n).split(".", 1)[0].encode() for n in names}))  # type: ignore[attr-defined]


class Detector:
    """One instance per file. Define `visit_<Node>` / `leave_<Node>` methods taking the
    libcst node, report through `self.ctx`, and do end-of-file judgements in `finish`.

    `codes` are the catalogue rules this detector reports; `feeds` are rules a project item
    check reports from the facts this detector records. It runs when one of either is
    enabled. A detector that only records facts for project items that always run (tests,
    observability, health) sets `facts_only` and runs whatever the selection. `needs` is a
    cheap byte prefilter: when set, the detector runs only on files containing one of the
    strings. A detector that reads the tree
    itself in `finish()` sets `walks = False`: a file whose active detectors all do so is not
    traversed at all.
    """

    codes: ClassVar[tuple[str, ...]] = ()
    feeds: ClassVar[tuple[str, ...]] = ()
    facts_only: ClassVar[bool] = False
    needs: ClassVar[tuple[bytes, ...] | Derived | None] = None
    walks: ClassVar[bool] = True  # False: judges in `finish()` only; no traversal needed for it

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    def finish(self) -> None:
        """Called once after the traversal."""

    @classmethod
    def applies_to(
        cls, data: bytes, enabled: frozenset[str], seen: dict[bytes, bool] | None = None
    ) -> bool:
        """`seen`: whether `data` holds each token asked about so far (shared by the
        detectors of one file: their needs overlap, and each search reads the whole file)."""
        wanted = cls.facts_only or not enabled.isdisjoint(cls.codes + cls.feeds)
        if not wanted:
            return False
        tokens = cls.needs.compute() if isinstance(cls.needs, Derived) else cls.needs
        if tokens is None:
            return True
        if seen is None:
            return any(token in data for token in tokens)
        for token in tokens:
            found = seen.get(token)
            if found is None:
                found = seen[token] = token in data
            if found:
                return True
        return False
