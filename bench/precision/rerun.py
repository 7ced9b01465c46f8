"""Re-run ttaprod on the precision corpus and compare with the judged findings.

    python bench/precision/rerun.py SOURCES [--out DIR] [--table]

SOURCES is a directory holding one checkout per corpus repository, named `owner+name` (a
plain tree at the commit of corpus.toml; `git worktree add` or an extracted archive). For
every judged finding of verdicts.jsonl the script says whether this ttaprod still reports it
(same repository, path, line and rule), and prints per rule: the judged true and false
findings, how many of each are still reported, and the precision true / (true + false) over
what is still reported. A true finding no longer reported is a recall loss; a false one no
longer reported is a fixed false alarm. `--write` also writes the counts to
rules/precision.toml (what `ttaprod explain` shows) and the table into docs/precision.md.

Not a test: CI has no network and no corpus. ttaprod runs with `--no-tools` (its own rules),
the rules in preview included, no cache.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ttaprod import catalogue
from ttaprod.api import CheckOptions, check
from ttaprod.tomlcompat import tomllib

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
START, END = "<!-- precision:start -->", "<!-- precision:end -->"


@dataclass(frozen=True)
class Judged:
    repo: str
    path: str
    line: int
    rule: str
    verdict: str  # "true" | "false" | "debatable"
    reason: str


def judged() -> list[Judged]:
    rows = []
    for raw in (HERE / "verdicts.jsonl").read_text(encoding="utf-8").splitlines():
        if raw.strip():
            v = json.loads(raw)
            rows.append(
                Judged(v["repo"], v["path"], v["line"], v["rule"], v["verdict"], v["reason"])
            )
    return rows


def reported(sources: Path, repos: list[str]) -> dict[str, set[tuple[str, int, str]]]:
    """(path, line, rule) of every finding this ttaprod reports, per repository."""
    out: dict[str, set[tuple[str, int, str]]] = {}
    for repo in repos:
        root = sources / repo.replace("/", "+")
        if not root.is_dir():
            print(f"missing checkout: {root}", file=sys.stderr)
            continue
        # the rules in preview too: their precision is what decides when they leave it
        report = check(CheckOptions(paths=(root,), no_tools=True, no_cache=True, preview=True))
        out[repo] = {(f.path, f.line, f.rule) for f in report.findings}
        print(f"{repo}: {len(out[repo])} findings", file=sys.stderr)
    return out


Counts = dict[str, collections.Counter[str]]


def tally(rows: list[Judged], now: dict[str, set[tuple[str, int, str]]]) -> Counts:
    """Per rule: the judged verdicts, and `<verdict> still` for those still reported."""
    counts: Counts = collections.defaultdict(collections.Counter)
    for row in rows:
        if row.repo not in now:
            continue
        counts[row.rule][row.verdict] += 1
        if (row.path, row.line, row.rule) in now[row.repo]:
            counts[row.rule][f"{row.verdict} still"] += 1
    return counts


def table(counts: Counts) -> list[str]:
    specs = catalogue.catalogue()
    lines = [
        "| rule | tier | judged: true / false / debatable | still reported: true / false "
        "/ debatable | precision |",
        "|---|---|---|---|---|",
    ]
    total_true = total_false = 0
    for rule in sorted(counts):
        c = counts[rule]
        true, false, debatable = c["true still"], c["false still"], c["debatable still"]
        spec = specs.get(rule)
        tier = "preview" if spec is not None and spec.preview else "default"
        if tier == "default":
            total_true, total_false = total_true + true, total_false + false
        share = f"{true / (true + false):.0%}" if true + false else "—"
        judged_counts = f"{c['true']} / {c['false']} / {c['debatable']}"
        lines.append(
            f"| {rule} | {tier} | {judged_counts} | {true} / {false} / {debatable} | {share} |"
        )
    if total_true + total_false:
        share = total_true / (total_true + total_false)
        lines.append(f"| default set | | | {total_true} / {total_false} | {share:.0%} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path)
    parser.add_argument("--write", action="store_true", help="update precision.toml and docs")
    args = parser.parse_args()
    corpus = tomllib.loads((HERE / "corpus.toml").read_text(encoding="utf-8"))
    repos = [entry["name"] for entry in corpus["repo"]]
    rows = judged()
    now = reported(args.sources, repos)
    counts = tally(rows, now)
    for row in rows:
        if row.repo in now:
            still = (row.path, row.line, row.rule) in now[row.repo]
            state = "still reported" if still else "no longer reported"
            print(f"{row.rule} {row.verdict:9} {state:18} {row.repo} {row.path}:{row.line}")
    lines = table(counts)
    print("\n".join(lines))
    if args.write:
        write(counts, lines)


def write(counts: Counts, lines: list[str]) -> None:
    """rules/precision.toml (still-reported judged findings per rule) and the docs table."""
    toml = [
        "# Written by bench/precision/rerun.py --write: the judged findings of each rule that",
        "# ttaprod still reports on the corpus (docs/precision.md). Shown by `ttaprod explain`.",
        "",
    ]
    for rule in sorted(counts):
        c = counts[rule]
        still = (c["true still"], c["false still"], c["debatable still"])
        if any(still):
            toml.append(f"[rule.{rule}]")
            toml.append("true = {}\nfalse = {}\ndebatable = {}\n".format(*still))
    (REPO / "rules" / "precision.toml").write_text("\n".join(toml), encoding="utf-8")
    doc = REPO / "docs" / "precision.md"
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n" + "\n".join(lines) + f"\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
