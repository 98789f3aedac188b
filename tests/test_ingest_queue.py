"""The ingest queue: concurrent calls share rounds, yet each call is answered as if alone."""

from __future__ import annotations

import asyncio
import threading

import pytest

from service.ingest import ConflictError, IngestOutcome
from service.ingest_queue import IngestQueue
from service.schemas.messages import MessageCreate


def body(message_id: str, text: str = "Курьер опоздал") -> MessageCreate:
    return MessageCreate(id=message_id, text=text)


class RecordingStore:
    """A round runner with idempotency as the real ingest has it: a known id with the same
    text is a replay, with another text a conflict (unless replace)."""

    def __init__(self, gate: threading.Event | None = None, fail_on: str | None = None) -> None:
        self.stored: dict[str, str] = {}
        self.rounds: list[list[str]] = []
        self.gate = gate
        self.fail_on = fail_on

    def __call__(self, bodies, replace):
        if self.gate is not None:
            self.gate.wait(5)
        ids = [b.id for b in bodies]
        self.rounds.append(ids)
        if self.fail_on in ids:
            raise ValueError(f"cannot analyse {self.fail_on}")
        outcomes = []
        for b in bodies:
            known = self.stored.get(b.id)
            if known is None or (replace and known != b.text):
                self.stored[b.id] = b.text
                outcomes.append(IngestOutcome({"id": b.id, "text": b.text}, created=True))
            elif known == b.text:
                outcomes.append(IngestOutcome({"id": b.id, "text": known}, created=False))
            else:
                outcomes.append(ConflictError(b.id))
        return outcomes


async def submit_all(queue: IngestQueue, calls):
    return await asyncio.gather(*(queue.submit(bodies, replace) for bodies, replace in calls))


def behind_a_held_call(run: RecordingStore, calls, *, first: str = "x", max_messages: int = 32):
    """Submit ``first``, which the worker holds at the runner's gate, then ``calls`` (lists of
    bodies) while it waits; open the gate. Returns the first outcome and the others' (or their
    exceptions), in order."""
    queue = IngestQueue(run, max_messages=max_messages)
    try:
        async def scenario():
            held = asyncio.ensure_future(queue.submit([body(first)]))
            await asyncio.sleep(0.05)  # the worker holds the first call at the gate
            later = [asyncio.ensure_future(queue.submit(bodies)) for bodies in calls]
            await asyncio.sleep(0.05)
            run.gate.set()
            return await held, await asyncio.gather(*later, return_exceptions=True)

        return asyncio.run(scenario())
    finally:
        queue.close()


def test_concurrent_calls_share_rounds_and_get_their_own_outcomes():
    run = RecordingStore(threading.Event())
    first, rest = behind_a_held_call(run, [[body(f"m{i}", f"текст {i}")] for i in range(10)], first="a")
    assert first[0].analysis["id"] == "a"
    assert [outcome[0].analysis for outcome in rest] == [{"id": f"m{i}", "text": f"текст {i}"} for i in range(10)]
    assert run.rounds == [["a"], [f"m{i}" for i in range(10)]]  # ten calls, one round


def test_a_round_never_holds_an_id_twice_so_the_second_call_sees_the_first():
    run = RecordingStore(threading.Event())
    _, (same, replay, other_text) = behind_a_held_call(
        run, [[body("dup", "один")], [body("dup", "один")], [body("dup", "другой")]])
    assert same[0].created is True
    assert replay[0].created is False
    assert isinstance(other_text[0], ConflictError)
    assert run.rounds == [["x"], ["dup"], ["dup"], ["dup"]]


def test_replace_and_plain_calls_run_in_separate_rounds():
    run = RecordingStore()
    queue = IngestQueue(run)
    try:
        asyncio.run(queue.submit([body("r", "старый")]))
        plain, replaced = asyncio.run(submit_all(queue, [([body("p")], False), ([body("r", "новый")], True)]))
    finally:
        queue.close()
    assert plain[0].created and replaced[0].created
    assert run.stored["r"] == "новый"


def test_a_failing_message_fails_its_own_call_only():
    run = RecordingStore(threading.Event(), fail_on="bad")
    _, (good, bad, batch) = behind_a_held_call(run, [[body("good")], [body("bad")], [body("b1"), body("b2")]])
    assert good[0].created
    assert isinstance(bad, ValueError) and "bad" in str(bad)
    assert [o.analysis["id"] for o in batch] == ["b1", "b2"]
    assert "bad" not in run.stored and {"good", "b1", "b2"} <= set(run.stored)


def test_a_call_given_up_before_its_round_is_not_stored():
    gate = threading.Event()
    run = RecordingStore(gate)
    queue = IngestQueue(run)
    try:
        async def scenario():
            blocker = asyncio.ensure_future(queue.submit([body("x")]))
            await asyncio.sleep(0.05)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(queue.submit([body("late")]), 0.05)
            gate.set()
            await blocker
            return await queue.submit([body("after")])

        asyncio.run(scenario())
    finally:
        queue.close()
    assert "late" not in run.stored
    assert {"x", "after"} <= set(run.stored)


def test_a_large_call_is_kept_whole_and_later_calls_wait_for_the_next_round():
    run = RecordingStore(threading.Event())
    _, (big, small) = behind_a_held_call(run, [[body(f"b{i}") for i in range(6)], [body("s")]], max_messages=4)
    assert len(big) == 6 and small[0].created
    assert run.rounds[1] == [f"b{i}" for i in range(6)]
    assert run.rounds[2] == ["s"]


def test_closed_queue_refuses_new_calls():
    queue = IngestQueue(RecordingStore())
    queue.close()
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(queue.submit([body("a")]))
