"""The one place that runs external tools: launch, timeout, version capture, status, reason.

Concurrency without threads: every tool (and its `--version` probe) is started with
`Popen`, its output going to files in a private scratch directory, *before* ttaprod's own
analysis forks its process pool. No thread exists while the pool forks (forking a
threaded process can deadlock the child), no pipe can fill up and stall a tool, and the
tools run alongside the analysis and each other. `poll()` is cheap and is called after
every analysed file, so each tool's time is measured when it ends, not when it is
collected. `finish()` waits for the rest against each tool's deadline, kills the process
group of a tool past its timeout, and parses what each one printed.

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
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import IO

from .. import redact
from ..models import Finding, ToolRun, ToolStatus
from . import bandit, pyright, ruff, safety
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


@dataclass
class _Proc:
    popen: subprocess.Popen[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]
    started: float
    deadline: float
    ended: float | None = None
    timed_out: bool = False

    def poll(self, now: float) -> bool:
        """True once the process is over (ended or killed). A tool that exits leaves no child
        behind: its process group is killed before it is reaped (while the exited leader is
        unreaped its id cannot be reused, so the group is still its own)."""
        if self.ended is not None:
            return True
        if _exited(self.popen):
            _kill_group(self.popen)
            self.popen.poll()
            self.ended = now
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

    def __init__(self, ctx: Context, settings: dict[str, Settings]) -> None:
        self.ctx = ctx
        self.jobs = [_Job(name, s) for name, s in settings.items()]

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Session:
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
            job.main = _launch(inv.argv, inv, scratch, "main", job.settings.timeout)
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

    def poll(self) -> None:
        """Note the end time of every tool that has finished; never blocks."""
        now = time.monotonic()
        for job in self.jobs:
            for proc in (job.main, job.probe):
                if proc is not None:
                    proc.poll(now)

    def _in_process(self, job: _Job) -> None:
        started = time.monotonic()
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
        job.findings = list(parsed.findings)
        job.run = ToolRun(
            job.name,
            parsed.version,
            ToolStatus.OK,
            _since(started),
            len(parsed.findings),
            parsed.note,
        )

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
        job.findings = list(parsed.findings)
        version = parsed.version or version
        return ToolRun(
            job.name, version, ToolStatus.OK, duration, len(parsed.findings), parsed.note
        )

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
        shutil.rmtree(self.ctx.scratch, ignore_errors=True)
        _SCRATCH.discard(self.ctx.scratch)


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
