"""Every rule ttaprod implements, in one registry: the detectors of the per-file pass
(`ttaprod.checks.DETECTORS`, imported when a file is analysed) and the project item checks
(`ttaprod.items.ITEM_CHECKS`)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .engine.registry import Registry, build
from .items import ITEM_CHECKS

if TYPE_CHECKING:
    from .engine.detector import Detector


def detectors() -> tuple[type[Detector], ...]:
    from .checks import DETECTORS  # libcst and every rule: only when a file is analysed

    return DETECTORS


@cache
def registry() -> Registry:
    return build(detectors, ITEM_CHECKS)
