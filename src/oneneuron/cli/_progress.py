"""A rich progress bar that appears only when a step takes longer than about a second.

Drawn on stderr, and only when stderr is a terminal (so pipes, files and test
captures never receive control characters); ``enabled=False`` (``--quiet``)
turns it off entirely. Updates are cheap before the bar appears.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

DELAY_S = 1.0


class Activity:
    """Context manager: ``with Activity("fitting") as act: ... act.update(0.4)``.

    Parameters
    ----------
    description : str
        Shown left of the bar.
    enabled : bool
        False draws nothing.
    determinate : bool
        True when :meth:`update` will receive fractions in [0, 1]; False shows a
        pulsing bar with the elapsed time.
    """

    def __init__(self, description: str, *, enabled: bool = True, determinate: bool = True):
        self.description = description
        self.enabled = enabled
        self.determinate = determinate
        self.fraction: float | None = None
        self._progress: Any = None
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._t0 = 0.0

    def __enter__(self) -> Activity:
        self._t0 = time.perf_counter()
        if self.enabled:
            from rich.console import Console

            self._console = Console(stderr=True)
            if self._console.is_terminal:
                self._timer = threading.Timer(DELAY_S, self._start)
                self._timer.daemon = True
                self._timer.start()
        return self

    def _start(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._timer is None:  # already finished
                return
            cols: list[Any] = [TextColumn("{task.description}"), BarColumn()]
            if self.determinate:
                cols.append(TextColumn("{task.percentage:>3.0f}%"))
            cols.append(TimeElapsedColumn())
            self._progress = Progress(*cols, console=self._console, transient=True)
            total = 1.0 if self.determinate else None
            self._task = self._progress.add_task(self.description, total=total)
            if self.fraction is not None:
                self._progress.update(self._task, completed=self.fraction)
            self._progress.start()

    def update(self, fraction: float | None) -> None:
        """Record progress as a fraction in [0, 1] (None: unknown)."""
        if fraction is None:
            return
        self.fraction = fraction
        if self._progress is not None:
            self._progress.update(self._task, completed=fraction)

    @property
    def elapsed(self) -> float:
        """Seconds since the activity began."""
        return time.perf_counter() - self._t0

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._progress is not None:
                self._progress.stop()
                self._progress = None
