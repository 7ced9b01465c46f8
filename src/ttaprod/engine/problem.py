"""`Problem`: what a rule says is wrong, before it has a node's position. Apart from
`context.py` (libcst) so that code judging deployment files builds problems without the parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Severity


@dataclass(frozen=True)
class Problem:
    """What is wrong at a node, before it has a position."""

    rule: str
    message: str
    severity: Severity | None = None  # None: the catalogue's severity
    fix: str | None = None
    checklist_item: str | None = None  # None: the catalogue's item
    fingerprint_text: str | None = None  # overrides the node's source (e.g. masked secrets)
    snippet_mask: bool = False  # the flagged line holds a secret: mask it in the snippet
