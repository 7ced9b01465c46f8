"""Re-score a TTP301 recall sample against the findings of a corpus dump.

    python bench/precision/recall/rescore.py DUMP.json [SAMPLE.jsonl] [--misses]

DUMP.json is written by `bench/precision/dump_findings.py`; SAMPLE.jsonl is a judged sample
(default: ttp301.jsonl next to this script), one coroutine per line with its blocking calls.
A blocking call is found when a TTP301 finding sits on the line in the coroutine that leads
to it (`via_line`), or on its own line when the coroutine makes it directly: the matching
rule of ttp301.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("sample", type=Path, nargs="?", default=HERE / "ttp301.jsonl")
    parser.add_argument("--misses", action="store_true", help="list the calls not found")
    args = parser.parse_args()
    dump = json.loads(args.dump.read_text())
    rows = [json.loads(line) for line in args.sample.read_text().splitlines() if line.strip()]
    counts = {"all": [0, 0], "non-minor": [0, 0], "coroutines": [0, 0]}
    for row in rows:
        reported = {
            (f[0], f[1]) for f in dump.get(row["repo"].replace("/", "+"), []) if f[2] == "TTP301"
        }
        blocks = found = False
        for call in row["blocking_calls"]:
            line = call.get("via_line") or call["line"]
            hit = (row["path"], line) in reported
            groups = ["all"] if call["minor"] else ["all", "non-minor"]
            for group in groups:
                counts[group][0] += hit
                counts[group][1] += 1
            if not call["minor"]:
                blocks, found = True, found or hit
            if not hit and args.misses:
                print(
                    f"missed {row['repo']} {row['path']}:{line} depth {call['depth']}: "
                    f"{call['what']}"
                )
        if blocks:
            counts["coroutines"][0] += found
            counts["coroutines"][1] += 1
    for name, (hit, total) in counts.items():
        print(f"{name:<11} {hit:>3} / {total:<3} {hit / total:6.1%}" if total else name)


if __name__ == "__main__":
    main()
