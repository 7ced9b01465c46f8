"""Every rule ttaprod implements, in one registry: the detectors of the per-file pass
(`ttaprod.checks.DETECTORS`) and the project item checks (`ttaprod.items.ITEM_CHECKS`)."""

from __future__ import annotations

from functools import cache

from .checks import DETECTORS
from .engine.registry import Registry, build
from .items import ITEM_CHECKS


@cache
def registry() -> Registry:
    return build(DETECTORS, ITEM_CHECKS)
