"""Writes the dequantised e5 weights as a Hugging Face / sentence-transformers folder.

The folder (config.json + model.safetensors + tokenizer + sentence-transformers
modules) loads with ``SentenceTransformer(path)`` from the ``train`` extra, for
fine-tuning and for comparing against the ONNX serving path. ``BertModel`` is used
because the packed file's positions start at 0 (XLM-R would offset them by 2).
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np

from models.e5_format import E5File
from models.e5_tokenizer import write_tokenizer

HF_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def write_safetensors(tensors: dict[str, np.ndarray], path: Path) -> None:
    """The safetensors format: u64 header length, JSON header, raw little-endian bytes."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, array in tensors.items():
        size = array.astype("<f4").nbytes
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with path.open("wb") as handle:
        handle.write(struct.pack("<Q", len(encoded)))
        handle.write(encoded)
        for array in tensors.values():
            handle.write(np.ascontiguousarray(array, dtype="<f4").tobytes())


def export_hf(packed_path: Path, out: Path) -> Path:
    packed = E5File(packed_path)
    cfg = packed.config
    out.mkdir(parents=True, exist_ok=True)
    hidden = cfg.hidden
    tensors = {
        "embeddings.word_embeddings.weight": packed.tensor("emb.word", (cfg.vocab, hidden)),
        "embeddings.position_embeddings.weight": packed.tensor("emb.pos", (cfg.max_positions, hidden)),
        "embeddings.token_type_embeddings.weight": packed.tensor("emb.type", (cfg.type_vocab, hidden)),
        "embeddings.LayerNorm.weight": packed.tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": packed.tensor("emb.ln.b", (hidden,)),
    }
    shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
              "fi": (cfg.ffn, hidden), "fo": (hidden, cfg.ffn)}
    for layer in range(cfg.layers):
        for short, long in HF_LAYER_NAMES.items():
            prefix = f"encoder.layer.{layer}.{long}"
            if short in shapes:
                tensors[f"{prefix}.weight"] = packed.tensor(f"l{layer}.{short}.w", shapes[short])
                tensors[f"{prefix}.bias"] = packed.tensor(f"l{layer}.{short}.b", (shapes[short][0],))
            else:
                tensors[f"{prefix}.weight"] = packed.tensor(f"l{layer}.{short}.w", (hidden,))
                tensors[f"{prefix}.bias"] = packed.tensor(f"l{layer}.{short}.b", (hidden,))
    write_safetensors(tensors, out / "model.safetensors")
    (out / "config.json").write_text(json.dumps({
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": cfg.vocab, "hidden_size": hidden,
        "num_hidden_layers": cfg.layers, "num_attention_heads": cfg.heads, "intermediate_size": cfg.ffn,
        "hidden_act": "gelu", "max_position_embeddings": cfg.max_positions, "type_vocab_size": cfg.type_vocab,
        "layer_norm_eps": cfg.eps, "pad_token_id": packed.vocabulary.pad, "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
    }, indent=2))
    write_tokenizer(packed.vocabulary, out, cfg.max_positions)
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    (out / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": cfg.max_positions,
                                                                "do_lower_case": False}))
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True,
    }))
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
    }))
    shutil.copy(Path(__file__).with_name("licenses") / "e5-MIT.txt", out / "LICENSE")
    return out
