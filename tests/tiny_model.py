"""Builds a tiny token model folder (ONNX graph + tokenizer.json + manifest) for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.model_manifest import ModelManifest, sha256_file

WORDS = ["<pad>", "<s>", "</s>", "<unk>"] + [f"w{i}" for i in range(60)] + [
    "курьер", "опоздал", "заказ", "не", "пришёл", "refund", "where", "is", "my", "й", "ё",
]


def build_tiny_model(folder: Path, *, dimension: int = 16, max_tokens: int = 8, seed: int = 0) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {word: index for index, word in enumerate(WORDS)}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)]
    )
    tokenizer.save(str(folder / "tokenizer.json"))

    rng = np.random.default_rng(seed)
    table = rng.normal(size=(len(WORDS), dimension)).astype(np.float32)
    weight = rng.normal(size=(dimension, dimension)).astype(np.float32)
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["embedded"]),
        helper.make_node("MatMul", ["embedded", "weight"], ["projected"]),
        helper.make_node("Tanh", ["projected"], ["last_hidden_state"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", dimension])],
        initializer=[numpy_helper.from_array(table, "table"), numpy_helper.from_array(weight, "weight")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(folder / "model.onnx"))
    ModelManifest(
        name="tiny",
        kind="token",
        dimension=dimension,
        weights_sha256=sha256_file(folder / "model.onnx"),
        max_tokens=max_tokens,
        prefix="",
    ).write(folder)
    return folder
