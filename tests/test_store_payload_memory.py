"""The embedded store reads message payloads into memory when it opens, old stores included."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from store import Message, open_store

DIM = 16
POINTS = 3000

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps").is_file(), reason="reads Linux /proc/self/smaps")


def _fill(folder: Path) -> None:
    created = datetime(2026, 11, 1, tzinfo=UTC)
    messages = [Message(id=f"m{i}", text=f"сообщение {i} " * 20, created_at=created, topic=f"t{i % 7}")
                for i in range(POINTS)]
    vectors = np.random.default_rng(5).standard_normal((POINTS, DIM), dtype=np.float32)
    with open_store("embedded", path=folder, dimension=DIM) as store:
        store.messages.upsert(messages, vectors)


def _payload_files(folder: Path) -> list[Path]:
    return [path for path in (folder / "voc_messages").rglob("*")
            if path.is_file() and "payload_storage" in path.parts]


def _resident_kb(files: list[Path]) -> int:
    """Kilobytes of these files mapped into this process and resident in memory."""
    names = {str(path.resolve()) for path in files}
    resident, current = 0, None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        header = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
        if header:
            current = header.group(1)
        elif line.startswith("Rss:") and current in names:
            resident += int(line.split()[1])
    return resident


def _stored_kb(files: list[Path]) -> int:
    return sum(path.stat().st_blocks * 512 for path in files) // 1024


def test_payloads_are_in_memory_once_the_store_is_open(tmp_path):
    folder = tmp_path / "store"
    _fill(folder)
    with open_store("embedded", path=folder, dimension=DIM) as store:
        files = _payload_files(folder)
        assert files and _stored_kb(files) > 256
        assert _resident_kb(files) >= _stored_kb(files)  # before any read
        assert store.messages.get("m2999")[0].text.startswith("сообщение 2999")


def test_a_store_written_with_payloads_on_disk_is_opened_with_them_in_memory(tmp_path):
    folder = tmp_path / "store"
    _fill(folder)
    config_file = folder / "voc_messages" / "edge_config.json"
    config = json.loads(config_file.read_text())
    config.pop("payload_memory")  # as stores were written before payloads were kept in memory
    config_file.write_text(json.dumps(config))
    with open_store("embedded", path=folder, dimension=DIM) as store:
        files = _payload_files(folder)
        assert _resident_kb(files) >= _stored_kb(files)
        assert store.messages.count() == POINTS
        assert store.messages.get("m7")[0].topic == "t0"
    assert json.loads(config_file.read_text())["payload_memory"] == "cached"
