"""Run the per-file analysis over many files, never in ttaprod's own process: libcst's native
parser can crash the process that runs it (a 50,000-term `and` chain overflows its stack),
and that must cost one file, not the run.

A few files (or `--jobs 1`) go to one forked child that analyses them in turn and streams
each result back over a pipe; if it dies, the file it was on is reported (TTP906) and a new
child takes the rest. Many files go to a process pool of forked workers; a worker that dies
breaks the pool, and the files left are then retried one per process so only the culprit is
lost. Workers are forked after the rules are loaded, with the garbage collector's young
generation threshold raised: libcst allocates millions of small objects that are never
cyclic garbage, and the default collector spends 10–45 % of parse time on them. Where the
platform cannot fork (Windows), the few-files path runs in-process.
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import gc
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from multiprocessing.context import BaseContext
from typing import NoReturn

from . import ruleset
from .engine.analyze import analyze_bytes, analyze_file, notice_finding
from .engine.detector import Detector
from .engine.source import Notice
from .engine.task import FileTask
from .models import FileResult

IN_PROCESS_BELOW = 12  # files; a pool costs more than it saves under this
WORKER_MEMORY_MB = 2048  # address space an analysis worker may add to what it starts with


def detectors() -> tuple[type[Detector], ...]:
    return ruleset.registry().detectors


def _start_worker() -> None:
    _quiet_stderr()
    # A worker dies with its signal (SIGTERM from a CI timeout, Ctrl-C): the parent cleans up.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory()
    detectors()  # inherited through fork; loaded here where the platform spawns instead
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _limit_memory() -> None:
    """At most `WORKER_MEMORY_MB` more address space than the worker starts with (Linux):
    libcst needs ~600 bytes per byte of source and more for dense generated code, so one
    hostile file would otherwise take all the machine's memory. Past it, Python raises
    MemoryError (the file gets a TTP903 notice) or the native parser aborts (TTP906)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = size + WORKER_MEMORY_MB * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, ImportError):  # ttaprod: ignore[TTP112] no limit: as before
        pass


def _work(task: FileTask) -> FileResult:
    return analyze_file(task, detectors())


def _notice(task: FileTask, message: str) -> FileResult:
    notice = Notice("TTP906", message)
    findings = (notice_finding(task, notice),) if "TTP906" in task.enabled else ()
    return FileResult(task.rel_path, 0, findings=findings, parse_error=True)


def _crashed(task: FileTask, how: str = "") -> FileResult:
    return _notice(task, f"the parser crashed on this file{how}; it was not analysed")


def _how(status: int | None) -> str:
    """` (SIGSEGV)`: how a child ended, from its wait status."""
    if status is None or not os.WIFSIGNALED(status):
        return ""
    number = os.WTERMSIG(status)
    try:
        return f" ({signal.Signals(number).name})"
    except ValueError:
        return f" (signal {number})"


def _failed(task: FileTask, exc: BaseException) -> FileResult:
    where = traceback.extract_tb(exc.__traceback__)[-1].name if exc.__traceback__ else "?"
    return _notice(
        task,
        f"ttaprod failed on this file ({type(exc).__name__} in {where}); other files were "
        "analysed. Please report this bug.",
    )


def _guarded(task: FileTask) -> FileResult:
    try:
        return _work(task)
    except MemoryError:
        notice = Notice(
            "TTP903",
            f"analysing this file needs more than {WORKER_MEMORY_MB} MB of memory; not analysed",
        )
        findings = (notice_finding(task, notice),) if "TTP903" in task.enabled else ()
        return FileResult(task.rel_path, 0, findings=findings, parse_error=True)
    except Exception as exc:  # a bug of ours on one file is TTP906 there, never a crash
        return _failed(task, exc)


def _context() -> BaseContext:
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


@contextlib.contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool that, when its user is interrupted (SIGTERM, Ctrl-C, an error), kills its
    workers instead of waiting for every queued file."""
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=_start_worker
    )
    try:
        yield pool
    except BaseException:
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()
        raise
    pool.shutdown(wait=True)


def _isolated(task: FileTask) -> FileResult:
    try:
        with _pool(1) as pool:
            return pool.submit(_guarded, task).result()
    except BrokenProcessPool:
        return _crashed(task)


def run(
    tasks: Sequence[FileTask],
    jobs: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Results in the order of `tasks`."""
    jobs = jobs or os.cpu_count() or 1
    if not tasks:
        return []
    detectors()  # imported here, before any fork: every child and worker inherits them
    if jobs == 1 or len(tasks) < IN_PROCESS_BELOW:
        if not hasattr(os, "fork"):  # pragma: no cover - Windows
            return [_tick(_guarded(task), progress) for task in tasks]
        return _sequential(tasks, progress)
    return list(_pooled(tasks, jobs, progress))


def _tick(result: FileResult, progress: Callable[[int], None] | None) -> FileResult:
    if progress:
        progress(1)
    return result


_sequential_runs = 0


def _warm_parent() -> None:
    """In a process that runs checks again and again (a test suite, an editor), fill the
    lazy caches (knowledge tables, compiled patterns, the parser's own) once in the parent by
    analysing ttaprod's own catalogue examples, trusted code, in-process: each forked child
    then starts warm instead of rebuilding them and throwing them away. A one-shot command
    line run never pays for it."""
    global _sequential_runs
    _sequential_runs += 1
    if _sequential_runs != 2:
        return
    from . import catalogue

    enabled = frozenset(catalogue.catalogue())
    for spec in catalogue.catalogue().values():
        for example in (*spec.bad, *spec.good):
            if example.path.endswith(".py"):
                task = FileTask("", example.path, enabled)
                with contextlib.suppress(Exception):
                    analyze_bytes(task, example.code.encode(), detectors())


def _sequential(
    tasks: Sequence[FileTask], progress: Callable[[int], None] | None
) -> list[FileResult]:
    """The tasks in turn, in forked children: a child that dies costs the file it was on."""
    _warm_parent()
    results: list[FileResult] = []
    while len(results) < len(tasks):
        start = len(results)
        child = _Child(tasks[start:])
        for result in child.results():
            results.append(_tick(result, progress))
        if len(results) == start:  # the child died on the first file it took
            results.append(_tick(_crashed(tasks[start], _how(child.status)), progress))
    return results


_FRAME = struct.Struct("!Q")


class _Child:
    """One forked child analysing `tasks` in turn and sending each result over a pipe."""

    def __init__(self, tasks: Sequence[FileTask]) -> None:
        self.tasks = tasks
        self.status: int | None = None  # the wait status, when it did not finish

    def results(self) -> Iterator[FileResult]:
        """Results as the child sends them; ends early when the child dies."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: analyse, send, and never return into the caller's code
            self._run(read_end, write_end)
        os.close(write_end)
        complete = False
        try:
            with os.fdopen(read_end, "rb") as pipe:
                for _ in self.tasks:
                    head = pipe.read(_FRAME.size)
                    if len(head) < _FRAME.size:
                        return
                    (size,) = _FRAME.unpack(head)
                    payload = pipe.read(size)
                    if len(payload) < size:
                        return
                    yield pickle.loads(payload)  # nosec B301 - our own child, over our own pipe
            complete = True
        finally:
            self.status = _reap(pid, kill=not complete)

    def _run(self, read_end: int, write_end: int) -> NoReturn:
        code = 0
        try:
            os.close(read_end)
            _quiet_stderr()
            _start_worker()
            for task in self.tasks:
                payload = pickle.dumps(_guarded(task), protocol=pickle.HIGHEST_PROTOCOL)
                _write_all(write_end, _FRAME.pack(len(payload)) + payload)
        except BaseException:  # ttaprod: ignore[TTP112] the parent reports the file it was on
            code = 1
        finally:
            os._exit(code)


def _quiet_stderr() -> None:
    """A worker has nothing to say on stderr: a native crash's backtrace (libcst's Rust
    parser prints one when it runs out of memory) must not reach the user's terminal; the
    file's notice says what happened."""
    faulthandler.disable()  # it may write to a copy of the terminal's stderr
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_exiting: list[int] = []  # children that sent everything and are exiting: reaped later


def _reap(pid: int, kill: bool) -> int | None:
    """Kill a child that did not finish and return its wait status; a finished one is reaped
    without waiting for its exit (tearing down a copy of a large process takes
    milliseconds), at the next call."""
    status = None
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            status = os.waitpid(pid, 0)[1]
    else:
        _exiting.append(pid)
    for waiting in list(_exiting):
        try:
            done, _ = os.waitpid(waiting, os.WNOHANG)
        except ChildProcessError:
            done = waiting
        if done:
            _exiting.remove(waiting)
    return status


@atexit.register
def _reap_all() -> None:
    for pid in _exiting:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    _exiting.clear()


# What every task of a run shares (the enabled rules, the project's top-level modules): set
# before the pool forks, so workers inherit it and each task is sent without it. Sent with
# every chunk of tasks, a tree of 10,000 top-level modules pickled its 10,000 names 1,250
# times (2.3 s of CPU and 176 MB through the pipes).
_SHARED: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _pack(tasks: Sequence[FileTask]) -> list[tuple[int, FileTask]]:
    """(key of its shared part, the task without it) for each task; fills `_SHARED`."""
    _SHARED.clear()
    keys: dict[tuple[int, int], int] = {}
    out = []
    for task in tasks:
        ident = (id(task.enabled), id(task.project))
        key = keys.get(ident)
        if key is None:
            key = keys[ident] = len(_SHARED)
            _SHARED[key] = (task.enabled, task.project)
        out.append((key, replace(task, enabled=frozenset(), project=frozenset())))
    return out


def _guarded_packed(item: tuple[int, FileTask]) -> FileResult:
    key, task = item
    enabled, project = _SHARED[key]
    return _guarded(replace(task, enabled=enabled, project=project))


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
        with _pool(min(jobs, len(tasks))) as pool:
            if _context().get_start_method() == "fork":
                packed = _pack([tasks[i] for i in order])
                results = pool.map(_guarded_packed, packed, chunksize=chunk)
            else:  # pragma: no cover - spawned workers inherit nothing: whole tasks
                results = pool.map(_guarded, (tasks[i] for i in order), chunksize=chunk)
            for i, result in zip(order, results, strict=True):
                done[i] = result
                if progress:
                    progress(1)
    except BrokenProcessPool:
        left = [i for i in range(len(tasks)) if i not in done]
        if hasattr(os, "fork"):
            retried = _sequential([tasks[i] for i in left], progress)
        else:  # pragma: no cover - Windows
            retried = [_tick(_isolated(tasks[i]), progress) for i in left]
        done.update(zip(left, retried, strict=True))
    for i in range(len(tasks)):
        yield done[i]
