"""Is ttaprod's own pass linear? Time per KLOC across trees, and per file on generated trees.

    python bench/linearity.py lines DIR [DIR ...] [--runs 1] [--jobs N]
    python bench/linearity.py files [--sizes 1000,2500,5000,10000] [--runs 1] [--jobs N]

`lines` runs `ttaprod check DIR --no-tools --no-cache -q` on each tree and prints wall and
CPU seconds (medians), and CPU milliseconds per KLOC and per file. `files` generates trees
of N small modules (a FastAPI-like service: routes that call an HTTP client built in a
shared module, so the project index and the second look have work) in a temporary directory
and prints the same per file. Cost linear in size shows as a flat ms/KLOC or ms/file column.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from compare import run_once, tree_size

SHARED = """import httpx
import requests

client = httpx.Client(timeout=10)
session = requests.Session()


def make_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=5)
"""
ROUTE = '''"""Routes {i}."""
import logging

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from app.core.http import client, make_client, session

router = APIRouter()
log = logging.getLogger(__name__)


class Item{i}(BaseModel):
    name: str
    price: float


@router.get("/items{i}/{{item_id}}")
async def read_item(item_id: int) -> dict:
    async with make_client() as c:
        r = await c.get(f"https://api.example.com/items/{{item_id}}")
    return r.json()


@router.post("/items{i}")
def create_item(item: Item{i}) -> dict:
    try:
        resp = session.post("https://api.example.com/items", json=item.model_dump())
        resp.raise_for_status()
    except Exception as exc:
        log.error("create failed: %s", exc)
        raise HTTPException(status_code=502) from exc
    return resp.json()


def helper_{i}(x: int) -> int:
    data = client.get("https://api.example.com/h").json()
    return x + len(data)
'''
PLAIN = '''"""Helpers {i}."""
from dataclasses import dataclass


@dataclass
class Record{i}:
    key: str
    value: int

    def doubled(self) -> int:
        return self.value * 2


def total_{i}(records: list[Record{i}]) -> int:
    return sum(r.doubled() for r in records if r.value > {i} % 7)
'''


def generate(root: Path, n: int) -> Path:
    """N modules: two thirds routes that use the shared clients, one third plain helpers."""
    (root / "app" / "core").mkdir(parents=True)
    (root / "app" / "routes").mkdir()
    for package in ("app", "app/core", "app/routes"):
        (root / package / "__init__.py").write_text("")
    (root / "app" / "core" / "http.py").write_text(SHARED)
    for i in range(n):
        text = PLAIN if i % 3 == 2 else ROUTE
        (root / "app" / "routes" / f"m{i}.py").write_text(text.format(i=i))
    return root


def measure(root: Path, runs: int, jobs: int) -> None:
    command = [sys.executable, "-m", "ttaprod", "check", str(root), "--no-tools", "--no-cache"]
    command += ["-q"] + (["--jobs", str(jobs)] if jobs else [])
    samples = [run_once(command) for _ in range(runs)]
    wall = statistics.median(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    rss = max(s[2] for s in samples)
    files, lines = tree_size(root)
    print(
        f"{root.name:<28} {files:>6} {lines / 1000:>8.1f} {wall:>8.2f} {cpu:>8.2f} "
        f"{1000 * cpu / (lines / 1000):>9.0f} {1000 * cpu / files:>8.1f} {rss:>7.0f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("lines", "files"))
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--sizes", default="1000,2500,5000,10000")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: all cores)")
    args = parser.parse_args()
    print(
        f"{'tree':<28} {'files':>6} {'KLOC':>8} {'wall s':>8} {'CPU s':>8} "
        f"{'ms/KLOC':>9} {'ms/file':>8} {'RSS MB':>7}"
    )
    if args.mode == "lines":
        for tree in args.trees:
            measure(tree.resolve(), args.runs, args.jobs)
        return
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as scratch:
            measure(generate(Path(scratch) / f"generated-{n}", n), args.runs, args.jobs)


if __name__ == "__main__":
    main()
