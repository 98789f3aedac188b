"""The packed e5 reader on a tiny synthetic file written by the test."""

import struct

import numpy as np
import pytest

from models.e5_format import E5File, E5FormatError, dequantize_q4_0
from models.e5_graph import q4_blocks


def q4_encode(matrix: np.ndarray) -> bytes:
    """Reference Q4_0 encoder: per 32-value block, d = max|w| / 8 (as float16)."""
    out = bytearray()
    for row in matrix:
        for start in range(0, row.size, 32):
            block = row[start : start + 32]
            d = np.float16(np.abs(block).max() / 8 or 1.0)
            q = np.clip(np.round(block / np.float32(d)) + 8, 0, 15).astype(np.uint8)
            out += d.tobytes() + bytes((q[:16] | (q[16:] << 4)).tolist())
    return bytes(out)


def q4_values(matrix: np.ndarray) -> np.ndarray:
    return dequantize_q4_0(q4_encode(matrix), *matrix.shape)


def test_dequantize_matches_the_block_rule():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(3, 64)).astype(np.float32)
    raw = q4_encode(matrix)
    values = dequantize_q4_0(raw, 3, 64)
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    d = blocks[0, :2].view(np.float16)[0]
    qs = blocks[0, 2:].astype(int)
    assert values[0, 0] == pytest.approx(((qs[0] & 15) - 8) * float(d))
    assert values[0, 16] == pytest.approx(((qs[0] >> 4) - 8) * float(d))
    assert np.abs(values - matrix).max() <= np.abs(matrix).max() / 8 + 1e-3


def test_dequantize_refuses_wrong_sizes():
    with pytest.raises(E5FormatError):
        dequantize_q4_0(b"\0" * 17, 1, 32)
    with pytest.raises(E5FormatError):
        dequantize_q4_0(b"\0" * 18, 1, 30)


def test_matmulnbits_repacking_keeps_every_value():
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(4, 64)).astype(np.float32)
    raw = np.frombuffer(q4_encode(matrix), dtype=np.uint8)
    packed, scales = q4_blocks(raw, 4, 64)
    low, high = packed & 15, packed >> 4
    values = np.stack([low, high], axis=-1).reshape(4, 2, 32).astype(np.float32) - 8
    rebuilt = (values * scales.reshape(4, 2, 1)).reshape(4, 64)
    np.testing.assert_array_equal(rebuilt, dequantize_q4_0(raw.tobytes(), 4, 64))


def write_packed_file(path, pieces, scores, tensors, normalisation):
    header = b"E5S1" + struct.pack("<I", 1) + struct.pack("<7ifi", 64, 1, 2, 128, len(pieces), 8, 2, 1e-12, 32)
    blob = "".join(pieces).encode()
    offsets, position = [], 0
    for piece in pieces:
        offsets.append(position)
        position += len(piece.encode())
    offsets.append(position)
    vocab = struct.pack("<5i", len(pieces), 0, 2, 1, 3) + struct.pack("<Q", len(blob))
    vocab += np.array(offsets, dtype="<u4").tobytes() + np.array(scores, dtype="<f4").tobytes() + blob
    norm = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *out)
                    for cp, out in normalisation.items())
    vocab += struct.pack("<iI", len(normalisation), len(norm)) + norm
    prefix = header + vocab
    directory_size = 4 + sum(2 + len(name) + 1 + 20 for name in tensors)
    offset = len(prefix) + directory_size
    directory, payload = struct.pack("<i", len(tensors)), b""
    for name, (dtype, data, count) in tensors.items():
        directory += struct.pack("<H", len(name)) + name.encode() + bytes([dtype])
        directory += struct.pack("<IQQ", count, offset + len(payload), len(data))
        payload += data
    path.write_bytes(prefix + directory + payload)


def test_reader_parses_header_vocabulary_map_and_tensors(tmp_path):
    rng = np.random.default_rng(2)
    word = rng.normal(size=(5, 64)).astype(np.float32)
    pos = rng.normal(size=(8, 64)).astype(np.float32)
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁привет"]
    path = tmp_path / "tiny.bin"
    write_packed_file(
        path, pieces, [0, 0, 0, 0, -1.5],
        {"emb.word": (1, q4_encode(word), word.size), "emb.pos": (0, pos.tobytes(), pos.size)},
        {0xFF21: [0x41], 0x00AD: []},
    )
    packed = E5File(path)
    assert packed.config.hidden == 64 and packed.config.vocab == 5 and packed.config.max_positions == 8
    assert packed.vocabulary.pieces == pieces
    assert packed.vocabulary.scores[-1] == pytest.approx(-1.5)
    assert packed.vocabulary.normalisation == {0xFF21: [0x41], 0x00AD: []}
    np.testing.assert_array_equal(packed.tensor("emb.pos", (8, 64)), pos)
    np.testing.assert_array_equal(packed.tensor("emb.word", (5, 64)), q4_values(word))
    with pytest.raises(E5FormatError, match="no tensor"):
        packed.tensor("l0.q.w", (64, 64))


def test_reader_refuses_another_format(tmp_path):
    path = tmp_path / "other.bin"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(E5FormatError, match="bad magic"):
        E5File(path)
