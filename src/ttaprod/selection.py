"""Which rules apply: `select`/`ignore` by code or prefix, and `per-file-ignores`.

As in ruff, the most specific matching prefix wins: `select = ["TTP1"]` with
`ignore = ["TTP102"]` runs TTP101 and TTP103 but not TTP102; when a select and an ignore
prefix are equally specific, ignore wins.
"""

from __future__ import annotations

from collections.abc import Iterable

from .globs import matches


def _longest(code: str, prefixes: Iterable[str]) -> int:
    best = -1
    for prefix in prefixes:
        if prefix in ("ALL", "*"):
            best = max(best, 0)
        elif code.upper().startswith(prefix.upper()):
            best = max(best, len(prefix))
    return best


def is_selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    chosen = _longest(code, select)
    if chosen < 0:
        return False
    return chosen > _longest(code, ignore)


def enabled(codes: Iterable[str], select: Iterable[str], ignore: Iterable[str]) -> frozenset[str]:
    select, ignore = tuple(select), tuple(ignore)
    return frozenset(code for code in codes if is_selected(code, select, ignore))


def ignored_for_path(
    code: str, rel_path: str, per_file: tuple[tuple[str, tuple[str, ...]], ...]
) -> bool:
    return any(matches(glob, rel_path) and _longest(code, codes) >= 0 for glob, codes in per_file)
