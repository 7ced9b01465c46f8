"""Run the per-file analysis over many files: in-process for a few, a process pool for many.

Workers are forked after the rules are loaded, with the garbage collector's young
generation threshold raised: libcst allocates millions of small objects that are
never cyclic garbage, and the default collector spends 10–45 % of parse time on them.
A worker that dies (libcst's native parser can crash on pathological input) breaks
the pool; the files left are then retried one per process so only the culprit is lost.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext

from . import ruleset
from .engine.analyze import FileTask, analyze_file, notice_finding
from .engine.detector import Detector
from .engine.source import Notice
from .models import FileResult

IN_PROCESS_BELOW = 12  # files; a pool costs more than it saves under this


def detectors() -> tuple[type[Detector], ...]:
    return ruleset.registry().detectors


def _start_worker() -> None:
    detectors()  # inherited through fork; loaded here where the platform spawns instead
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _work(task: FileTask) -> FileResult:
    return analyze_file(task, detectors())


def _crashed(task: FileTask) -> FileResult:
    notice = Notice("TTP906", "the parser crashed on this file; it was not analysed")
    findings = (notice_finding(task, notice),) if "TTP906" in task.enabled else ()
    return FileResult(task.rel_path, 0, findings=findings, parse_error=True)


def _context() -> BaseContext:
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _isolated(task: FileTask) -> FileResult:
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
            return pool.submit(_work, task).result()
    except BrokenProcessPool:
        return _crashed(task)


def run(
    tasks: Sequence[FileTask],
    jobs: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Results in the order of `tasks`."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) < IN_PROCESS_BELOW:
        results = []
        for task in tasks:
            results.append(_work(task))
            if progress:
                progress(1)
        return results
    return list(_pooled(tasks, jobs, progress))


def _size(task: FileTask) -> int:
    try:
        return os.path.getsize(task.abs_path)
    except OSError:
        return 0


def _pooled(
    tasks: Sequence[FileTask], jobs: int, progress: Callable[[int], None] | None
) -> Iterator[FileResult]:
    """Largest files first, in small chunks, so no worker is left alone with a big file at
    the end (parse time grows with size; 3.5 MB of sqlalchemy spans 100× in file size)."""
    order = sorted(range(len(tasks)), key=lambda i: (-_size(tasks[i]), i))
    done: dict[int, FileResult] = {}
    chunk = max(1, min(8, len(tasks) // (jobs * 16)))
    try:
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(tasks)), mp_context=_context(), initializer=_start_worker
        ) as pool:
            ordered = (tasks[i] for i in order)
            results = pool.map(_work, ordered, chunksize=chunk)
            for i, result in zip(order, results, strict=True):
                done[i] = result
                if progress:
                    progress(1)
    except BrokenProcessPool:
        for i, task in enumerate(tasks):
            if i not in done:
                done[i] = _isolated(task)
                if progress:
                    progress(1)
    for i in range(len(tasks)):
        yield done[i]
