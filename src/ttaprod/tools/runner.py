"""The one place that runs external tools: launch, timeout, version capture, status, reason.

Concurrency without threads: every tool (and its `--version` probe) is started with
`Popen`, its output going to files in a private scratch directory, *before* ttaprod's own
analysis forks its process pool. No thread exists while the pool forks (forking a
threaded process can deadlock the child), no pipe can fill up and stall a tool, and the
tools run alongside the analysis and each other. `poll()` is cheap and is called after
every analysed file; `finish()` waits for the rest against each tool's deadline, kills the
process group of a tool past its timeout, and parses what each one printed.

A tool's time runs from its start to its exit, not to when ttaprod next looked (which can
be seconds later, while a large file is parsed): a SIGCHLD handler (in the main thread,
while a session is open) notes which tool has exited, without reaping it, and when.
Reaping it with `wait4` also gives the CPU seconds it used (for `--profile`).

With a cache (`tools/cache.py`), ruff and bandit are given only the files without a valid
entry and their findings are merged with the cached ones; pyright and the advisory check
are not started at all when nothing they read has changed.

Statuses: `ok`; `failed` (an exit code that is not "findings", or output that cannot be
read: the reason is stderr's last line); `timeout`; `unavailable` (not installed, no
database); `skipped` (deselected by config, `--tools` or `--no-tools`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import IO

from .. import redact, timings
from ..models import Finding, ToolRun, ToolStatus
from . import bandit, pyright, ruff, safety
from . import cache as cache_mod
from .base import (
    Context,
    Invocation,
    NothingToCheck,
    Parsed,
    Settings,
    ToolError,
    ToolUnavailable,
)

SUBPROCESS_ADAPTERS: dict[str, ModuleType] = {"ruff": ruff, "pyright": pyright, "bandit": bandit}
VERSION_GRACE_S = 5.0  # how long a version probe may outlive its tool
POLL_S = 0.02
INSTALL_HINT = "pip install 'ttaprod[tools]'"
MB = 1024 * 1024
MAX_OUTPUT = 256 * MB  # a tool's JSON past this is not read (pyright on 250 KLOC: ~10 MB)
STDERR_TAIL = 64 * 1024  # the end of stderr holds the reason of a failure
_PARSE_ERRORS = (
    TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError, OverflowError
)  # fmt: skip


class _ExitClock:
    """When each tool exits, without a thread: on SIGCHLD, every watched process that has
    exited (asked with `waitid(WNOWAIT)`, which leaves it to be reaped) is given the time.
    Installed only from the main thread (elsewhere a tool's end is when it was found ended),
    and chained to a handler that was there before."""

    def __init__(self) -> None:
        self.watched: list[_Proc] = []
        self.previous: object = None
        self.installed = False

    def install(self) -> None:
        number = getattr(signal, "SIGCHLD", None)
        if number is None or threading.current_thread() is not threading.main_thread():
            return
        try:
            self.previous = signal.signal(number, self._note)
        except (ValueError, OSError):  # ttaprod: ignore[TTP112] embedded: polling times it
            return
        self.installed = True

    def watch(self, proc: _Proc) -> None:
        self.watched.append(proc)
        if _has_exited(proc.popen.pid):  # it exited before it was watched
            proc.exited_at = time.monotonic()

    def _note(self, signum: int, frame: object) -> None:
        now = time.monotonic()
        for proc in self.watched:
            if proc.exited_at is None and _has_exited(proc.popen.pid):
                proc.exited_at = now
        if callable(self.previous):
            self.previous(signum, frame)

    def uninstall(self) -> None:
        if self.installed:
            previous = self.previous if self.previous is not None else signal.SIG_DFL
            signal.signal(signal.SIGCHLD, previous)  # type: ignore[arg-type]
            self.installed = False


@dataclass
class _Proc:
    popen: subprocess.Popen[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]
    started: float
    deadline: float
    ended: float | None = None
    timed_out: bool = False
    exited_at: float | None = None  # noted on SIGCHLD (`_ExitClock`)
    cpu: float | None = None  # user + system seconds, once reaped

    def poll(self, now: float) -> bool:
        """True once the process is over (ended or killed). A tool that exits leaves no child
        behind: its process group is killed before it is reaped (while the exited leader is
        unreaped its id cannot be reused, so the group is still its own)."""
        if self.ended is not None:
            return True
        if _exited(self.popen):
            _kill_group(self.popen)
            self.cpu = _reap(self.popen)
            self.ended = min(self.exited_at or now, now)
            return True
        if now >= self.deadline:
            _kill(self.popen)
            self.timed_out = True
            self.ended = now
            return True
        return False

    def output(self) -> tuple[str, str]:
        """stdout whole (`ToolError` past `MAX_OUTPUT`), the end of stderr (the reason)."""
        try:
            sizes = [os.fstat(h.fileno()).st_size for h in (self.stdout, self.stderr)]
            if sizes[0] > MAX_OUTPUT:
                raise ToolError(f"output of {sizes[0] // MB} MB, over {MAX_OUTPUT // MB} MB")
            self.stdout.seek(0)
            out = self.stdout.read(MAX_OUTPUT + 1)
            self.stderr.seek(max(0, sizes[1] - STDERR_TAIL))
            err = self.stderr.read(STDERR_TAIL)
        finally:
            for handle in (self.stdout, self.stderr):
                handle.close()
        return out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")


@dataclass
class _Job:
    name: str
    settings: Settings
    adapter: ModuleType | None = None
    main: _Proc | None = None
    probe: _Proc | None = None
    run: ToolRun | None = None  # decided without running (skipped, unavailable, failed to start)
    findings: list[Finding] = field(default_factory=list)
    # the cache: each given file's key (per-file tools) or the project's key, the findings
    # of the files it had, and the version they were found with
    keys: dict[str, str | None] = field(default_factory=dict)
    key: str | None = None
    hits: dict[str, tuple[Finding, ...]] = field(default_factory=dict)
    cached_version: str | None = None


def _exited(popen: subprocess.Popen[bytes]) -> bool:
    """Whether the process has exited, without reaping it (`waitid` with WNOWAIT)."""
    if popen.returncode is not None:
        return True
    waitid = getattr(os, "waitid", None)
    if waitid is None:  # pragma: no cover - macOS before 3.13, Windows
        return popen.poll() is not None
    try:
        return waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return popen.poll() is not None


def _has_exited(pid: int) -> bool:
    """For the SIGCHLD handler: whether `pid` has exited, leaving it unreaped."""
    waitid = getattr(os, "waitid", None)
    if waitid is None:  # pragma: no cover - macOS before 3.13, Windows
        return False
    try:
        return waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except OSError:  # reaped already
        return False


def _reap(popen: subprocess.Popen[bytes]) -> float | None:
    """Reap an exited process; the CPU seconds it and what it waited for used (None where
    `wait4` is missing)."""
    wait4 = getattr(os, "wait4", None)
    if wait4 is None or popen.returncode is not None:  # pragma: no cover - Windows
        popen.poll()
        return None
    try:
        pid, status, usage = wait4(popen.pid, os.WNOHANG)
    except ChildProcessError:  # reaped elsewhere
        popen.poll()
        return None
    if pid == 0:
        popen.poll()
        return None
    popen.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def _kill_group(popen: subprocess.Popen[bytes]) -> None:
    if not hasattr(os, "killpg"):  # pragma: no cover - Windows
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):  # nobody left
        os.killpg(popen.pid, signal.SIGKILL)


def _kill(popen: subprocess.Popen[bytes]) -> None:
    """Kill the tool and everything it started (its process group), then reap it."""
    if hasattr(os, "killpg"):
        _kill_group(popen)
    else:  # pragma: no cover - Windows
        with contextlib.suppress(ProcessLookupError, PermissionError):
            popen.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # a process that ignores SIGKILL
        popen.wait(timeout=5)


def find_executable(command: str) -> str | None:
    """On PATH first (the user's own tool wins), then beside ttaprod's interpreter (pipx)."""
    if os.sep in command or (os.altsep and os.altsep in command):
        return command if os.access(command, os.X_OK) and os.path.isfile(command) else None
    found = shutil.which(command)
    if found:
        return found
    return shutil.which(command, path=str(Path(sys.executable).parent))


def _launch(
    argv: tuple[str, ...], inv: Invocation, scratch: Path, tag: str, timeout: float
) -> _Proc:
    stdout = open(scratch / f"{tag}.out", "w+b")  # noqa: SIM115 - closed in _Proc.output
    stderr = open(scratch / f"{tag}.err", "w+b")  # noqa: SIM115
    env = {**os.environ, **inv.env}
    started = time.monotonic()
    try:
        popen = subprocess.Popen(
            list(argv),
            cwd=inv.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    except BaseException:
        stdout.close()
        stderr.close()
        raise
    return _Proc(popen, stdout, stderr, started, started + timeout)


class Session:
    """Tools in flight. Use as a context manager: leaving it kills whatever still runs."""

    def __init__(
        self,
        ctx: Context,
        settings: dict[str, Settings],
        store: cache_mod.ToolCache | None = None,
    ) -> None:
        self.ctx = ctx
        self.jobs = [_Job(name, s) for name, s in settings.items()]
        self.store = store if store is not None and store.enabled else None
        self.clock = _ExitClock()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Session:
        self.clock.install()
        for job in self.jobs:
            if not job.settings.enabled:
                job.run = ToolRun(job.name, None, ToolStatus.SKIPPED, 0.0, 0, job.settings.reason)
            elif job.name in SUBPROCESS_ADAPTERS:
                self._start(job)
        return self

    def _start(self, job: _Job, without: frozenset[str] = frozenset()) -> None:
        adapter = SUBPROCESS_ADAPTERS[job.name]
        job.adapter = adapter
        command = job.settings.command or adapter.DEFAULT_COMMAND
        executable = find_executable(command)
        if executable is None:
            reason = f"{command} not found on PATH ({INSTALL_HINT})"
            job.run = ToolRun(job.name, None, ToolStatus.UNAVAILABLE, 0.0, 0, reason)
            return
        scratch = self.ctx.scratch / job.name
        scratch.mkdir(parents=True, exist_ok=True)
        ctx = replace(self.ctx, settings=replace(job.settings, command=executable), scratch=scratch)
        if without:
            ctx = replace(ctx, python_files=tuple(f for f in ctx.python_files if f not in without))
        try:
            inv: Invocation = adapter.build(ctx)
            if self.store is not None:
                inv = self._from_cache(job, ctx, inv, executable)
                if job.run is not None:
                    return
            job.main = _launch(inv.argv, inv, scratch, "main", job.settings.timeout)
            self.clock.watch(job.main)
        except ToolUnavailable as exc:
            job.run = ToolRun(job.name, None, ToolStatus.UNAVAILABLE, 0.0, 0, str(exc))
            return
        except NothingToCheck as exc:
            job.run = ToolRun(job.name, None, ToolStatus.OK, 0.0, 0, str(exc))
            return
        except OSError as exc:
            reason = f"cannot start {command}: {exc.strerror or exc}"
            job.run = ToolRun(job.name, None, ToolStatus.FAILED, 0.0, 0, reason)
            return
        if inv.version_argv:
            try:
                job.probe = _launch(inv.version_argv, inv, scratch, "version", job.settings.timeout)
            except OSError:
                job.probe = None  # the version stays unknown; the tool itself runs

    def _from_cache(self, job: _Job, ctx: Context, inv: Invocation, executable: str) -> Invocation:
        """What is left to run once the cache has answered: the files without a valid entry
        (ruff, bandit), or nothing (pyright, when nothing it reads changed; `job.run` is then
        set). `inv` is the invocation for every file."""
        assert self.store is not None
        store = self.store
        scratch = str(ctx.scratch)
        argv = tuple(a.replace(scratch, "<scratch>") for a in inv.argv)
        job.keys, job.hits, job.key = {}, {}, None
        if job.name not in cache_mod.PER_FILE:
            python = pyright.project_python(ctx.root)
            extra = cache_mod.interpreter(
                python or shutil.which("python3") or shutil.which("python")
            )
            settings = store.settings_key(job.name, executable, argv, extra + repr(inv.env))
            job.key = store.project_key(settings, ctx.python_files)
            cached = store.whole(job.name, job.key)
            if cached is not None:
                self._cached_run(job, list(cached.findings), cached.version, cached.note)
            return inv
        # the file names come last, after `--`: the rest is the tool's effective settings
        cut = argv.index("--") if "--" in argv else len(argv)
        settings = store.settings_key(job.name, executable, argv[:cut], repr(inv.env))
        keys = {rel: store.file_key(settings, rel) for rel in ctx.python_files}
        job.hits, job.cached_version = store.split(job.name, keys)
        left = tuple(rel for rel in ctx.python_files if rel not in job.hits)
        job.keys = {rel: keys[rel] for rel in left}
        cached = [f for rel in ctx.python_files for f in job.hits.get(rel, ())]
        if not left:
            self._cached_run(job, cached, job.cached_version, "")
            return inv
        try:
            return SUBPROCESS_ADAPTERS[job.name].build(replace(ctx, python_files=left))
        except NothingToCheck:  # what is left is not for this tool (bandit: tests only)
            self._cached_run(job, cached, job.cached_version, "")
            return inv

    def _cached_run(
        self, job: _Job, findings: list[Finding], version: str | None, note: str
    ) -> None:
        job.findings = findings
        job.run = ToolRun(job.name, version, ToolStatus.OK, 0.0, len(findings), note, cached=True)
        files = len(job.hits) if job.name in cache_mod.PER_FILE else 0
        timings.tool(job.name, None, None, f"{_files(files)} from the cache" if files else "")

    def poll(self) -> None:
        """Note the end time of every tool that has finished; never blocks."""
        now = time.monotonic()
        for job in self.jobs:
            for proc in (job.main, job.probe):
                if proc is not None:
                    proc.poll(now)

    def _in_process(self, job: _Job) -> None:
        started = time.monotonic()
        key = self.store.safety_key(self.ctx.safety_db) if self.store is not None else None
        cached = self.store.whole(job.name, key) if self.store is not None else None
        if cached is not None:
            self._cached_run(job, list(cached.findings), cached.version, cached.note)
            return
        try:
            parsed = safety.scan(replace(self.ctx, settings=job.settings))
        except ToolUnavailable as exc:
            job.run = ToolRun(job.name, None, ToolStatus.UNAVAILABLE, _since(started), 0, str(exc))
            return
        except ToolError as exc:
            job.run = ToolRun(job.name, None, ToolStatus.FAILED, _since(started), 0, str(exc))
            return
        except _PARSE_ERRORS as exc:  # a database of a shape no safety release wrote
            reason = f"unexpected advisory database ({type(exc).__name__})"
            job.run = ToolRun(job.name, None, ToolStatus.FAILED, _since(started), 0, reason)
            return
        job.findings = self._masked(parsed.findings)
        job.run = ToolRun(
            job.name,
            parsed.version,
            ToolStatus.OK,
            _since(started),
            len(job.findings),
            parsed.note,
        )
        if self.store is not None:
            entry = cache_mod.Cached(tuple(job.findings), parsed.version, parsed.note)
            self.store.keep_whole(job.name, key, entry)
        timings.tool(job.name, job.run.duration_s, None, "in ttaprod's process")

    def _masked(self, findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
        """With a cache, findings as the cache would give them back (masked the same way)."""
        if self.store is None:
            return list(findings)
        return [cache_mod.masked(f) for f in findings]

    def finish(self, unanalysed: frozenset[str] = frozenset()) -> list[ToolRun]:
        """Wait for every tool (each against its deadline) and turn each into a ToolRun.

        A tool that failed while files ttaprod itself could not analyse (nested too deeply,
        crashing its parser) were among its inputs runs once more without them: one hostile
        file must not sink a tool for the whole project (ruff's parser overflows its stack on
        5,000 nested brackets)."""
        for job in self.jobs:
            if job.name == "safety" and job.run is None:
                self._in_process(job)
        self._wait_all()
        for job in self.jobs:
            if job.run is None and job.main is not None:
                job.run = self._collect(job)
        culprits = unanalysed & frozenset(self.ctx.python_files)
        retried = [j for j in self.jobs if j.main is not None and _failed(j.run) and culprits]
        for job in retried:
            job.main = job.probe = None
            job.run = None
            self._start(job, without=culprits)
        self._wait_all()
        for job in retried:
            if job.run is None and job.main is not None:
                job.run = self._collect(job)
            if job.run is not None:
                job.run = replace(job.run, reason=_with_note(job.run.reason, _retried(culprits)))
        return [job.run for job in self.jobs if job.run is not None]

    def findings(self) -> list[Finding]:
        return [f for job in self.jobs for f in job.findings]

    def _wait_all(self) -> None:
        while True:
            self.poll()
            now = time.monotonic()
            busy = False
            for job in self.jobs:
                if job.main is not None and job.main.ended is None:
                    busy = True
                elif job.probe is not None and job.probe.ended is None:
                    if job.main is not None and now > (job.main.ended or now) + VERSION_GRACE_S:
                        _kill(job.probe.popen)
                        job.probe.ended = now
                    else:
                        busy = True
            if not busy:
                return
            time.sleep(POLL_S)

    def _collect(self, job: _Job) -> ToolRun:
        assert job.main is not None and job.adapter is not None
        proc = job.main
        duration = round((proc.ended or time.monotonic()) - proc.started, 3)
        timings.tool(job.name, duration, proc.cpu, self._cache_note(job))
        try:
            stdout, stderr = proc.output()
        except ToolError as exc:
            version = self._probe_version(job)
            return ToolRun(job.name, version, ToolStatus.FAILED, duration, 0, str(exc))
        version = self._probe_version(job)
        if proc.timed_out:
            reason = f"no result within {job.settings.timeout:g} s (tool-timeout)"
            return ToolRun(job.name, version, ToolStatus.TIMEOUT, duration, 0, reason)
        try:
            parsed: Parsed = job.adapter.parse(stdout, stderr, proc.popen.returncode, self.ctx.root)
        except ToolError as exc:
            reason = redact.redact_text(str(exc))
            return ToolRun(job.name, version, ToolStatus.FAILED, duration, 0, reason)
        except _PARSE_ERRORS as exc:  # output no version of the tool prints: never the run
            reason = f"unexpected output ({type(exc).__name__})"
            return ToolRun(job.name, version, ToolStatus.FAILED, duration, 0, reason)
        version = parsed.version or version
        job.findings = self._merged(job, parsed, version)
        return ToolRun(job.name, version, ToolStatus.OK, duration, len(job.findings), parsed.note)

    def _merged(self, job: _Job, parsed: Parsed, version: str | None) -> list[Finding]:
        """A tool's findings, stored in the cache, and merged with what the cache had."""
        if self.store is None:
            return list(parsed.findings)
        fresh = self._masked(parsed.findings)
        if job.name not in cache_mod.PER_FILE:
            entry = cache_mod.Cached(tuple(fresh), version, parsed.note)
            self.store.keep_whole(job.name, job.key, entry)
            return fresh
        given = job.keys
        fresh = [f for f in fresh if f.path in given]  # as a run from the cache would say
        failed = frozenset(parsed.failed)
        keys = {rel: key for rel, key in given.items() if rel not in failed}
        self.store.keep_files(job.name, keys, fresh, version)
        by_file: dict[str, list[Finding]] = {}
        for finding in fresh:
            by_file.setdefault(finding.path, []).append(finding)
        return [
            finding
            for rel in sorted({*job.hits, *given})
            for finding in (job.hits[rel] if rel in job.hits else by_file.get(rel, ()))
        ]

    def _cache_note(self, job: _Job) -> str:
        if self.store is None or job.name not in cache_mod.PER_FILE:
            return ""
        return f"{_files(len(job.keys))} checked, {len(job.hits)} from the cache"

    def _probe_version(self, job: _Job) -> str | None:
        probe = job.probe
        if probe is None or probe.timed_out or job.adapter is None:
            if probe is not None:
                for handle in (probe.stdout, probe.stderr):
                    handle.close()
            return None
        try:
            stdout, _ = probe.output()
        except ToolError:
            return None
        if probe.popen.returncode != 0:
            return None
        try:
            version = job.adapter.parse_version(stdout[:1000])
        except _PARSE_ERRORS:
            return None
        return version if version and len(version) <= 40 and version.isprintable() else None

    def close(self) -> None:
        """Kill what still runs and remove the scratch directory; safe to call twice."""
        for job in self.jobs:
            for proc in (job.main, job.probe):
                # not reaped yet (running, or exited since the last poll): its process group
                # id is still its own, so what it started is killed with it
                if proc is not None and proc.popen.returncode is None:
                    _kill(proc.popen)
                if proc is not None:
                    for handle in (proc.stdout, proc.stderr):
                        if not handle.closed:
                            handle.close()
        self.clock.uninstall()
        shutil.rmtree(self.ctx.scratch, ignore_errors=True)
        _SCRATCH.discard(self.ctx.scratch)


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def _failed(run: ToolRun | None) -> bool:
    return run is not None and run.status is ToolStatus.FAILED


def _retried(files: frozenset[str]) -> str:
    shown = ", ".join(sorted(files)[:3]) + (", …" if len(files) > 3 else "")
    return f"run again without {len(files)} file(s) ttaprod could not analyse ({shown})"


def _with_note(reason: str, note: str) -> str:
    return f"{reason}; {note}" if reason else note


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


_SCRATCH: set[Path] = set()  # removed at exit whatever happened (a second signal, say)


def scratch_dir() -> Path:
    """A private (0700) temporary directory for the tools' output; removed by
    `Session.close`, and at exit as a last resort."""
    path = Path(tempfile.mkdtemp(prefix="ttaprod-tools-"))
    _SCRATCH.add(path)
    return path


@atexit.register
def _remove_scratch() -> None:
    for path in list(_SCRATCH):
        shutil.rmtree(path, ignore_errors=True)
        _SCRATCH.discard(path)
