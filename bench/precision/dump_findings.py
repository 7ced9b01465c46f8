"""Every finding ttaprod reports on the corpus, for an exact before/after comparison.

    python bench/precision/dump_findings.py SOURCES OUT.json
    python bench/precision/dump_findings.py --compare BEFORE.json AFTER.json

SOURCES holds one checkout per corpus repository (`owner+name`, as for rerun.py). Each is
checked with `--no-tools`, the rules in preview included, no cache; OUT.json maps
`owner+name` to its findings as [path, line, rule, message, trace length] and
`owner+name:items` to its checklist verdicts. `--compare` prints what one dump has that the
other has not (`-` gone, `+` new): a change meant to be behaviour-neutral prints nothing.
Several minutes on the twelve corpus services (2 cores).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ttaprod.api import CheckOptions, check


def dump(sources: Path) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {}
    for repo in sorted(p for p in sources.iterdir() if p.is_dir()):
        options = CheckOptions(paths=(repo,), no_tools=True, no_cache=True, preview=True)
        report = check(options)
        out[repo.name] = sorted(
            [f.path, f.line, f.rule, f.message, len(f.trace or ())] for f in report.findings
        )
        out[repo.name + ":items"] = sorted(
            [i.id, i.status.value, i.covered, i.total] for i in report.checklist
        )
        print(repo.name, len(report.findings), file=sys.stderr)
    return out


def compare(before: dict[str, list[list[object]]], after: dict[str, list[list[object]]]) -> None:
    for key in sorted(set(before) | set(after)):
        old = {tuple(map(str, f)) for f in before.get(key, [])}
        new = {tuple(map(str, f)) for f in after.get(key, [])}
        for row in sorted(old - new):
            print("-", key, *row)
        for row in sorted(new - old):
            print("+", key, *row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs=2, type=Path)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    first, second = args.paths
    if args.compare:
        compare(json.loads(first.read_text()), json.loads(second.read_text()))
    else:
        second.write_text(json.dumps(dump(first)))


if __name__ == "__main__":
    main()
