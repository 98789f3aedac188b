"""The embedded store across processes: a killed writer loses nothing it acknowledged,
and a second process is refused while one holds the store."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from store import StoreLockedError, open_store
from tests.store_helpers import DIM, make_messages, make_vectors, unit

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_writer", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_mid_stream_loses_no_acknowledged_write(tmp_path):
    path = str(tmp_path / "store")
    writer = _spawn("write", path, "50")
    acked = 0
    try:
        while acked < 1500:
            line = writer.stdout.readline()
            assert line, writer.stderr.read()
            acked = int(line.split()[1])
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    with open_store("embedded", path=path, dimension=DIM) as store:
        total = store.messages.count()
        assert total >= acked
        expected = {m.id: m for m in make_messages(total)}
        vectors = unit(make_vectors(total))
        seen = set()
        for batch in store.messages.iterate(batch_size=500):
            for message_id, message, vector in zip(batch.ids, batch.messages, batch.vectors, strict=True):
                index = int(message_id.split("-")[1])
                assert message == expected[message_id]
                np.testing.assert_allclose(vector, vectors[index], atol=1e-5)
                seen.add(message_id)
        assert {f"msg-{i}" for i in range(acked)} <= seen
        assert len(seen) == total
        store.messages.upsert(make_messages(acked), make_vectors(acked))
        assert store.messages.count() == total


def test_second_process_gets_a_clear_error(tmp_path):
    path = str(tmp_path / "store")
    with open_store("embedded", path=path, dimension=DIM):
        child = _spawn("open", path)
        out, err = child.communicate(timeout=60)
        assert out.startswith("StoreLockedError"), out + err
        assert "only one process" in out
        with pytest.raises(StoreLockedError):  # a second open in this process too
            open_store("embedded", path=path, dimension=DIM)


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    path = str(tmp_path / "store")
    holder = _spawn("hold", path)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreLockedError, match=r"process \d+"):
            open_store("embedded", path=path, dimension=DIM)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with open_store("embedded", path=path, dimension=DIM) as store:
        assert store.messages.count() == 0


def test_importing_the_package_loads_no_engine():
    code = "import sys, store; assert not [m for m in sys.modules if m.startswith('qdrant')], 'engine imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
