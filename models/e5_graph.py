"""Writes the BERT encoder of multilingual-e5-small as an ONNX graph, straight from arrays.

No PyTorch: every weight comes from :class:`models.e5_format.E5File`, dequantised to
float32. The graph takes ``input_ids`` and ``attention_mask`` (int64, ``[batch, seq]``)
and returns ``last_hidden_state`` (float32, ``[batch, seq, hidden]``); pooling happens
in the embeddings package. Position ids run from 0, token type is always 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from models.e5_format import E5File

OPSET = 18
MS_DOMAIN = "com.microsoft"


class _GraphBuilder:
    def __init__(self) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def const(self, stem: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], stem: str | None = None, **attrs: Any) -> str:
        from onnx import helper

        output = self.name(stem or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [output], **attrs))
        return output


def build_e5_graph(
    source: E5File,
    *,
    weights: str = "fp32",
    accuracy_level: int = 0,
    fused: bool = True,
    progress: Callable[[str], None] | None = None,
):  # -> onnx.ModelProto
    """``weights="fp32"``: dequantised float32 everywhere. ``weights="q4"``: the file's own
    4-bit blocks kept as they are — linear layers as ``MatMulNBits`` (block 32, zero point 8)
    and the word table gathered and unpacked in-graph — so the weights are bit-exact to the
    source and the file stays small. ``weights="q4-table"``: the word table stays 4-bit
    (gathered and unpacked in-graph) and the linear layers are float32 — the same values
    as ``fp32`` with a third of its size. ``accuracy_level`` 4 lets ``MatMulNBits`` quantise
    activations to int8 per row (per token), which keeps batch invariance. ``fused`` writes
    attention, skip-add + LayerNorm and bias + GELU as ONNX Runtime's fused CPU kernels."""
    from onnx import TensorProto, helper

    if weights not in ("fp32", "q4", "q4-table"):
        raise ValueError(f"weights must be 'fp32', 'q4' or 'q4-table', got {weights!r}")

    cfg = source.config
    hidden, heads = cfg.hidden, cfg.heads
    head_dim = hidden // heads
    g = _GraphBuilder()

    def linear(x: str, prefix: str, out_dim: int, in_dim: int) -> str:
        product, bias = project(x, prefix, out_dim, in_dim)
        return g.op("Add", [product, bias], f"{prefix}.out")

    def project(x: str, prefix: str, out_dim: int, in_dim: int) -> tuple[str, str]:
        """``x @ W`` without the bias, and the bias initializer's name."""
        bias = g.const(f"{prefix}.b", source.tensor(f"{prefix}.b", (out_dim,)))
        if weights == "q4":
            packed, scales = q4_blocks(source.raw_q4(f"{prefix}.w"), out_dim, in_dim)
            product = g.op(
                "MatMulNBits", [x, g.const(f"{prefix}.w.q4", packed), g.const(f"{prefix}.w.scales", scales)],
                f"{prefix}.matmul", domain=MS_DOMAIN, K=in_dim, N=out_dim, bits=4, block_size=32,
                accuracy_level=accuracy_level,
            )
        else:
            weight = source.tensor(f"{prefix}.w", (out_dim, in_dim)).T  # [in, out] for MatMul
            product = g.op("MatMul", [x, g.const(f"{prefix}.w", weight)], f"{prefix}.matmul")
        return product, bias

    def skip_layer_norm(product: str, bias: str, skip: str, prefix: str) -> str:
        """LayerNorm(product + bias + skip) as one fused kernel."""
        scale = g.const(f"{prefix}.w", source.tensor(f"{prefix}.w", (hidden,)))
        shift = g.const(f"{prefix}.b", source.tensor(f"{prefix}.b", (hidden,)))
        return g.op("SkipLayerNormalization", [product, skip, scale, shift, bias], f"{prefix}.out",
                    domain=MS_DOMAIN, epsilon=cfg.eps)

    def layer_norm(x: str, prefix: str) -> str:
        scale = g.const(f"{prefix}.w", source.tensor(f"{prefix}.w", (hidden,)))
        bias = g.const(f"{prefix}.b", source.tensor(f"{prefix}.b", (hidden,)))
        return g.op("LayerNormalization", [x, scale, bias], f"{prefix}.out", axis=-1, epsilon=cfg.eps)

    # --- embeddings -----------------------------------------------------------------
    if weights in ("q4", "q4-table"):
        words = gather_q4_rows(g, source, cfg.vocab, hidden)
    else:
        word = g.const("emb.word", source.tensor("emb.word", (cfg.vocab, hidden)))
        words = g.op("Gather", [word, "input_ids"], "emb.words", axis=0)
    position_table = g.const("emb.pos", source.tensor("emb.pos", (cfg.max_positions, hidden)))
    type_row = g.const("emb.type0", source.tensor("emb.type", (cfg.type_vocab, hidden))[0])
    seq_len = g.op("Shape", ["input_ids"], "seq_len", start=1, end=2)  # 1-D [sequence]
    position_rows = g.op(
        "Slice",
        [position_table, g.const("zero", np.array([0], dtype=np.int64)), seq_len,
         g.const("axis0", np.array([0], dtype=np.int64))],
        "emb.positions",
    )
    summed = g.op("Add", [g.op("Add", [words, position_rows]), type_row], "emb.sum")
    x = layer_norm(summed, "emb.ln")

    # --- additive attention mask [batch, 1, 1, seq] -------------------------------------
    mask = g.op("Cast", ["attention_mask"], "mask.float", to=TensorProto.FLOAT)
    inverted = g.op("Sub", [g.const("one", np.array(1.0, dtype=np.float32)), mask])
    additive = g.op("Mul", [inverted, g.const("neg", np.array(-1e9, dtype=np.float32))])
    additive = g.op("Unsqueeze", [additive, g.const("axes12", np.array([1, 2], dtype=np.int64))], "mask.add")

    split_shape = g.const("split_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_shape = g.const("merge_shape", np.array([0, 0, hidden], dtype=np.int64))
    scale = g.const("scale", np.array(1.0 / math.sqrt(head_dim), dtype=np.float32))
    sqrt_half = g.const("sqrt_half", np.array(1.0 / math.sqrt(2.0), dtype=np.float32))
    half = g.const("half", np.array(0.5, dtype=np.float32))
    one = g.const("one_f", np.array(1.0, dtype=np.float32))

    padding_mask = g.op("Cast", ["attention_mask"], "mask.int32", to=TensorProto.INT32)
    for index in range(cfg.layers):
        p = f"l{index}"
        if progress:
            progress(f"  layer {index + 1}/{cfg.layers}")
        if fused:
            q, k, v = (linear(x, f"{p}.{name}", hidden, hidden) for name in ("q", "k", "v"))
            context = g.op("MultiHeadAttention", [q, k, v, "", padding_mask], f"{p}.context",
                           domain=MS_DOMAIN, num_heads=heads)
            product, bias = project(context, f"{p}.ao", hidden, hidden)
            attended = skip_layer_norm(product, bias, x, f"{p}.aln")
            product, bias = project(attended, f"{p}.fi", cfg.ffn, hidden)
            gelu = g.op("BiasGelu", [product, bias], f"{p}.gelu", domain=MS_DOMAIN)
            product, bias = project(gelu, f"{p}.fo", hidden, cfg.ffn)
            x = skip_layer_norm(product, bias, attended, f"{p}.oln")
            continue
        q = g.op("Transpose", [g.op("Reshape", [linear(x, f"{p}.q", hidden, hidden), split_shape])],
                 perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [linear(x, f"{p}.k", hidden, hidden), split_shape])],
                 perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [linear(x, f"{p}.v", hidden, hidden), split_shape])],
                 perm=[0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), additive], f"{p}.scores")
        probs = g.op("Softmax", [scores], f"{p}.probs", axis=-1)
        context = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        context = g.op("Reshape", [context, merge_shape], f"{p}.context")
        attended = layer_norm(g.op("Add", [linear(context, f"{p}.ao", hidden, hidden), x]), f"{p}.aln")
        inner = linear(attended, f"{p}.fi", cfg.ffn, hidden)
        erf = g.op("Erf", [g.op("Mul", [inner, sqrt_half])])
        gelu = g.op("Mul", [g.op("Mul", [inner, half]), g.op("Add", [erf, one])], f"{p}.gelu")
        x = layer_norm(g.op("Add", [linear(gelu, f"{p}.fo", hidden, cfg.ffn), attended]), f"{p}.oln")

    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", hidden])],
        initializer=g.initializers,
    )
    opsets = [helper.make_opsetid("", OPSET)]
    if weights != "fp32" or fused:
        opsets.append(helper.make_opsetid(MS_DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="voc-radar")
    model.ir_version = 8
    return model


def q4_blocks(raw: np.ndarray, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Re-pack Q4_0 blocks (``qs[j]`` holds elements ``j`` and ``j+16``) into the
    ``MatMulNBits`` layout (byte ``i`` holds elements ``2i`` and ``2i+1``) plus scales."""
    blocks = np.asarray(raw, dtype=np.uint8).reshape(rows, cols // 32, 18)
    scales = blocks[..., :2].copy().view(np.float16).astype(np.float32).reshape(-1)
    qs = blocks[..., 2:]
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # [rows, blocks, 32] in element order
    packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), scales


def gather_q4_rows(g: _GraphBuilder, source: E5File, rows: int, hidden: int) -> str:
    """Gather word rows from the 4-bit table and unpack them in-graph (exact Q4_0 values)."""
    blocks = np.asarray(source.raw_q4("emb.word"), dtype=np.uint8).reshape(rows, hidden // 32, 18)
    scales = blocks[..., :2].copy().view(np.float16).astype(np.float32)  # [rows, nblocks, 1]
    qs = np.ascontiguousarray(blocks[..., 2:])  # [rows, nblocks, 16]
    picked = g.op("Gather", [g.const("emb.word.qs", qs), "input_ids"], "emb.qs", axis=0)
    picked_scales = g.op("Gather", [g.const("emb.word.scales", scales), "input_ids"], "emb.d", axis=0)
    low = g.op("BitwiseAnd", [picked, g.const("mask15", np.array(15, dtype=np.uint8))])
    high = g.op("BitShift", [picked, g.const("shift4", np.array(4, dtype=np.uint8))], direction="RIGHT")
    values = g.op("Cast", [g.op("Concat", [low, high], axis=-1)], to=1)  # FLOAT
    centred = g.op("Sub", [values, g.const("eight", np.array(8.0, dtype=np.float32))])
    scaled = g.op("Mul", [centred, picked_scales])
    return g.op("Reshape", [scaled, g.const("rows_shape", np.array([0, 0, hidden], dtype=np.int64))], "emb.words")
