"""ttaprod's own rules. Importing this package registers every detector and project check."""

from __future__ import annotations

import importlib
import pkgutil

from ..engine.detector import Detector, registered


def load_all() -> tuple[type[Detector], ...]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return registered()
