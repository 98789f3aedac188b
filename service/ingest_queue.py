"""One worker analyses and stores what concurrent calls send, in shared batches.

Every ingest call (single messages and batches alike) hands its messages to this queue
and waits without holding a thread. One worker thread takes whatever has queued up since
its last round — up to ``max_messages``, never waiting for more, so a lone caller is served
at once — and runs them through the pipeline together: one store lookup, one embedding
batch, one pass of each stage, one store write. Under load the batches grow by themselves,
the way inference servers batch continuously.

Calls stay independent:

* a round never holds the same id twice, nor calls that differ in ``replace``: the later
  call waits for the next round and so sees what the earlier one stored (one write per id,
  replays and conflicts exactly as if the calls had come one after another);
* when a shared round fails, each call in it is run again on its own, so one caller's bad
  message or failure reaches that caller only;
* a call given up by its caller (the request timed out) before its round starts is
  dropped: nothing of it is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.ingest import ConflictError, IngestOutcome
from service.schemas.messages import MessageCreate

Outcomes = list[IngestOutcome | ConflictError]
Run = Callable[[Sequence[MessageCreate], bool], Outcomes]


@dataclass
class _Call:
    bodies: list[MessageCreate]
    replace: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    abandoned: bool = False
    ids: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = {body.id for body in self.bodies}


class IngestQueue:
    def __init__(self, run: Run, *, max_messages: int = 32) -> None:
        if max_messages < 1:
            raise ValueError(f"max_messages must be at least 1, got {max_messages}")
        self._run = run
        self.max_messages = max_messages
        self._queue: queue.Queue[_Call | None] = queue.Queue()
        self._closed = False
        self._worker = threading.Thread(target=self._loop, name="ingest", daemon=True)
        self._worker.start()

    async def submit(self, bodies: Sequence[MessageCreate], replace: bool = False) -> Outcomes:
        """The outcome of each message, in order, once its round has run."""
        if self._closed:
            raise RuntimeError("the ingest queue is closed")
        if not bodies:
            return []
        loop = asyncio.get_running_loop()
        call = _Call(list(bodies), replace, loop, loop.create_future())
        self._queue.put(call)
        try:
            return await call.future
        except asyncio.CancelledError:
            call.abandoned = True
            raise

    def close(self) -> None:
        """Finish what is queued, then stop the worker."""
        self._closed = True
        self._queue.put(None)
        self._worker.join(timeout=30)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            calls, size, stop = [first], len(first.bodies), False
            while size < self.max_messages:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                calls.append(item)
                size += len(item.bodies)
            for round_calls in rounds([call for call in calls if not call.abandoned]):
                self._run_round(round_calls)
            if stop:
                return

    def _run_round(self, calls: list[_Call]) -> None:
        bodies = [body for call in calls for body in call.bodies]
        try:
            outcomes = self._run(bodies, calls[0].replace)
        except Exception as error:  # noqa: BLE001 — isolate the failure, or hand it to its caller
            if len(calls) > 1:
                for call in calls:
                    self._run_round([call])
            else:
                _resolve(calls[0], error=error)
            return
        offset = 0
        for call in calls:
            _resolve(call, result=outcomes[offset : offset + len(call.bodies)])
            offset += len(call.bodies)


def rounds(calls: list[_Call]) -> list[list[_Call]]:
    """Consecutive groups of calls, in arrival order, with no id twice and one ``replace`` each."""
    groups: list[list[_Call]] = []
    ids: set[str] = set()
    for call in calls:
        if not groups or call.replace != groups[-1][0].replace or not ids.isdisjoint(call.ids):
            groups.append([])
            ids = set()
        groups[-1].append(call)
        ids |= call.ids
    return groups


def _resolve(call: _Call, *, result: Any = None, error: BaseException | None = None) -> None:
    def settle() -> None:
        if call.future.done():  # the caller gave up meanwhile
            return
        if error is not None:
            call.future.set_exception(error)
        else:
            call.future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the caller's event loop has closed
        call.loop.call_soon_threadsafe(settle)
