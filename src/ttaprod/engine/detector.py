"""The base class of every per-file rule implementation (a detector)."""

from __future__ import annotations

from typing import ClassVar

from .context import FileContext


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
    needs: ClassVar[tuple[bytes, ...] | None] = None
    walks: ClassVar[bool] = True  # False: judges in `finish()` only; no traversal needed for it

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    def finish(self) -> None:
        """Called once after the traversal."""

    @classmethod
    def applies_to(cls, data: bytes, enabled: frozenset[str]) -> bool:
        wanted = cls.facts_only or not enabled.isdisjoint(cls.codes + cls.feeds)
        if not wanted:
            return False
        return cls.needs is None or any(token in data for token in cls.needs)
