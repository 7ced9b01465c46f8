"""The one registry of rules: the detectors of the per-file pass and the project item checks.

It is filled from explicit lists (`ttaprod.ruleset`), never by importing modules for their
side effects, and it owns the one guard every rule runs under: an exception in a detector
or an item check becomes a TTP906 finding naming what failed, the item it was judging is
`skip` with that reason, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from ..findings import internal_error
from ..models import Finding, ItemResult, Status
from .project import CheckResult, ProjectIndex

if TYPE_CHECKING:
    from .detector import Detector

Judge = Callable[[ProjectIndex, ItemResult], CheckResult]

# Reported by the engine itself, not by a rule: files it could not read, parse or finish.
ENGINE_CODES = ("TTP901", "TTP902", "TTP903", "TTP904", "TTP905", "TTP906")


@dataclass(frozen=True)
class ItemCheck:
    """Judges one checklist item from the whole project: receives the item's default result
    (its site coverage, or `skip`) and returns the final one with findings of its own.
    `codes` are the catalogue rules whose findings it reports."""

    item: str
    judge: Judge
    codes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return getattr(self.judge, "__name__", self.item)


@dataclass(frozen=True)
class Registry:
    """`load_detectors` gives the detectors when the per-file pass first needs them: a run
    whose files all come from the cache judges the items without importing them (or libcst)."""

    load_detectors: Callable[[], Iterable[type[Detector]]]
    item_checks: tuple[ItemCheck, ...]
    _by_item: Mapping[str, tuple[ItemCheck, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_item: dict[str, list[ItemCheck]] = {}
        for check in self.item_checks:
            by_item.setdefault(check.item, []).append(check)
        object.__setattr__(self, "_by_item", {k: tuple(v) for k, v in by_item.items()})

    @cached_property
    def detectors(self) -> tuple[type[Detector], ...]:
        return tuple(self.load_detectors())

    def checks_for(self, item: str) -> tuple[ItemCheck, ...]:
        return self._by_item.get(item, ())

    def implementations(self) -> dict[str, list[str]]:
        """Code → what reports it (detector classes, item checks, the engine)."""
        out: dict[str, list[str]] = {code: ["engine"] for code in ENGINE_CODES}
        for detector in self.detectors:
            for code in detector.codes:
                out.setdefault(code, []).append(detector.__name__)
        for check in self.item_checks:
            for code in check.codes:
                out.setdefault(code, []).append(check.name)
        return out

    def judge(self, item: str, index: ProjectIndex, default: ItemResult) -> CheckResult:
        """Run the item's checks in order, each on the result of the one before, guarded."""
        result = default
        found: list[Finding] = []
        for check in self.checks_for(item):
            result, added = guarded(check, index, result)
            found.extend(added)
        return result, tuple(found)


def guarded(check: ItemCheck, index: ProjectIndex, default: ItemResult) -> CheckResult:
    try:
        return check.judge(index, default)
    except Exception as exc:  # a bug of ours: reported and skipped, never a crash
        reason = (
            f"not judged: internal error in {check.name} ({type(exc).__name__}); "
            "please report this bug"
        )
        skipped = replace(default, status=Status.SKIP, score=None, reason=reason)
        return skipped, (internal_error("", f"check of {check.item} ({check.name})", exc),)


def build(
    load_detectors: Callable[[], Iterable[type[Detector]]], item_checks: Iterable[ItemCheck]
) -> Registry:
    return Registry(load_detectors, tuple(item_checks))
