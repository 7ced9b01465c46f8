"""A progress display for long runs on a terminal: files analysed, tools still running.

It draws on stderr only when both stdout and stderr are terminals and the report on
stdout is the rich one (never with a machine format, never when piped, never with
--quiet), and only once a run has lasted `DELAY_S`: short runs print nothing extra.
It never starts a thread: the analysis forks worker processes, and forking a threaded
process can deadlock the child. So it redraws itself when told of progress, at most
every `INTERVAL_S`, and leaves no trace (transient) when the run ends.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported when a display is drawn: `wanted` is asked on every run
    from rich.console import Console
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

DELAY_S = 1.0
INTERVAL_S = 0.1
LABELS = {"files": "Analysing files", "tools": "Running tools"}


def wanted(stdout_formats: list[str], quiet: bool) -> bool:
    """Whether a run should show progress: the rich report (or nothing) on stdout, an
    interactive terminal on both streams, not --quiet."""
    if quiet or any(name != "rich" for name in stdout_formats):
        return False
    if os.environ.get("TERM") == "dumb" or os.environ.get("CI"):
        return False
    return sys.stdout.isatty() and sys.stderr.isatty()


class TerminalProgress:
    """Callable as `api.Progress`; use as a context manager so the display is removed."""

    def __init__(self, console: Console, delay: float = DELAY_S) -> None:
        self.console = console
        self.delay = delay
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.state: dict[str, tuple[int, int, str]] = {}
        self.display: RichProgress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __call__(self, stage: str, done: int, total: int, detail: str = "") -> None:
        if stage not in LABELS:
            return
        self.state[stage] = (done, total, detail)
        now = time.monotonic()
        if now - self.started < self.delay or now - self.drawn_at < INTERVAL_S:
            return
        self.drawn_at = now
        self._draw()

    def _start(self) -> RichProgress:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        display = RichProgress(
            TextColumn("{task.description:<16}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[detail]}", style="dim"),
            console=self.console,
            auto_refresh=False,  # no refresh thread (see the module docstring)
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        display.start()
        self.display = display
        return display

    def _draw(self) -> None:
        display = self.display or self._start()
        for stage, (done, total, detail) in self.state.items():
            if total <= 0:
                continue
            if stage not in self.tasks:
                self.tasks[stage] = display.add_task(LABELS[stage], total=total, detail="")
            display.update(self.tasks[stage], completed=done, total=total, detail=detail)
        display.refresh()

    def close(self) -> None:
        if self.display is not None:
            self.display.stop()
            self.display = None


def for_terminal(no_color: bool = False) -> TerminalProgress:
    from rich.console import Console

    console = Console(stderr=True, no_color=no_color or bool(os.environ.get("NO_COLOR")))
    return TerminalProgress(console)
