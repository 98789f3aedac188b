"""Progress of long commands: tqdm bars on a terminal, plain log lines otherwise.

On a terminal each stage ("read", "write", …) gets its own bar and log lines are printed
above the bars. Anywhere else (cron, systemd, a pipe, CI) a stage prints one line at every
tenth of its total and at its end, so a log shows progress without a line per batch. Either
way a stage ends when it reaches its total: its bar is closed, so what the command prints
next starts on a line of its own, and later updates of that stage show nothing more.
"""

from __future__ import annotations

import sys
from typing import IO, Any

LINE_STEPS = 10


class Progress:
    def __init__(self, stream: IO[str] | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._bar: Any = None
        self._stage: str | None = None
        self._next_line = 0

    def log(self, line: str) -> None:
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def update(self, stage: str, done: int, total: int) -> None:
        """``done`` of ``total`` items of ``stage`` are finished."""
        if stage != self._stage:
            self._close_bar()
            self._stage, self._next_line = stage, 0
            if self.tty:
                from tqdm import tqdm

                self._bar = tqdm(total=total, desc=stage, unit="msg", file=self.stream, dynamic_ncols=True)
        if self.tty:
            if self._bar is not None:
                self._bar.total = total
                self._bar.update(done - self._bar.n)
                if done >= total:
                    self._close_bar()
            return
        if done >= self._next_line or done >= total:
            share = done / total if total else 1.0
            print(f"{stage}: {done}/{total} ({share:.0%})", file=self.stream, flush=True)
            step = max(total // LINE_STEPS, 1)
            self._next_line = (done // step + 1) * step if done < total else float("inf")  # type: ignore[assignment]

    def close(self) -> None:
        self._close_bar()
        self._stage = None

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
