"""The e5 tokenizer: the XLM-R unigram vocabulary of the packed file as ``tokenizer.json``.

The packed file's tokenizer applies a per-code-point normalisation map (sentencepiece's
``nmt_nfkc`` rules, flattened), collapses runs of spaces, prefixes the metaspace marker
and runs Viterbi over the unigram pieces. ``tokenizer.json`` approximates the map with
NFKC plus the map's own exceptions (control characters, tabs, zero-width marks) so other
tools can read it; it differs only where NFKC composes a base letter with a following
combining mark. The exact map is written beside it as ``char_map.json`` and applied first
by our own tokenizer wrapper.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.e5_format import E5Vocabulary

CHAR_MAP_FILE = "char_map.json"
SENTENCEPIECE_FILE = "tokenizer.model"


def write_sentencepiece(vocabulary: E5Vocabulary, folder: Path) -> Path:
    """The same unigram model as a sentencepiece file: a sixth of the memory of ``tokenizer.json``
    once loaded (47 MB vs 287 MB), the same ids. Normalisation is ``identity`` because the
    exact character map is applied before it; runs of spaces are collapsed by the model."""
    from sentencepiece import sentencepiece_model_pb2

    pb: Any = sentencepiece_model_pb2  # generated protobuf module: its classes are unknown to mypy

    model = pb.ModelProto()
    model.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    model.trainer_spec.vocab_size = len(vocabulary.pieces)
    model.trainer_spec.unk_id = vocabulary.unk
    model.trainer_spec.bos_id = vocabulary.bos
    model.trainer_spec.eos_id = vocabulary.eos
    model.trainer_spec.pad_id = vocabulary.pad
    model.normalizer_spec.name = "identity"
    model.normalizer_spec.add_dummy_prefix = True
    model.normalizer_spec.remove_extra_whitespaces = True
    model.normalizer_spec.escape_whitespaces = True
    control = {vocabulary.bos, vocabulary.eos, vocabulary.pad}
    kinds = pb.ModelProto.SentencePiece
    for index, (piece, score) in enumerate(zip(vocabulary.pieces, vocabulary.scores)):
        entry = model.pieces.add()
        entry.piece = piece
        entry.score = float(score)
        entry.type = kinds.CONTROL if index in control else kinds.UNKNOWN if index == vocabulary.unk else kinds.NORMAL
    path = folder / SENTENCEPIECE_FILE
    path.write_bytes(model.SerializeToString())
    return path


def _map_exceptions(vocabulary: E5Vocabulary) -> list[tuple[str, str]]:
    """``(target, character-class regex)`` for the map's entries that NFKC alone gets wrong
    (control characters dropped, tabs, line breaks and zero-width marks turned into spaces)."""
    import unicodedata

    groups: dict[str, list[int]] = {}
    for code_point, replacement in sorted(vocabulary.normalisation.items()):
        target = "".join(chr(c) for c in replacement)
        if unicodedata.normalize("NFKC", chr(code_point)) != target:
            groups.setdefault(target, []).append(code_point)
    return [(target, "[" + "".join(f"\\x{{{c:x}}}" for c in points) + "]") for target, points in groups.items()]


def write_tokenizer(vocabulary: E5Vocabulary, folder: Path, max_length: int = 512) -> list[Path]:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = [(piece, float(score)) for piece, score in zip(vocabulary.pieces, vocabulary.scores)]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocabulary.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Replace(Regex(pattern), target) for target, pattern in _map_exceptions(vocabulary)]
        + [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = vocabulary.pieces[vocabulary.bos], vocabulary.pieces[vocabulary.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos), (eos, vocabulary.eos)],
    )
    tokenizer.add_special_tokens([vocabulary.pieces[i] for i in (vocabulary.bos, vocabulary.pad,
                                                                  vocabulary.eos, vocabulary.unk)])
    tokenizer_path = folder / "tokenizer.json"
    tokenizer.save(str(tokenizer_path))
    char_map = {
        str(code_point): "".join(chr(c) for c in replacement)
        for code_point, replacement in sorted(vocabulary.normalisation.items())
    }
    char_map_path = folder / CHAR_MAP_FILE
    char_map_path.write_text(json.dumps(char_map, ensure_ascii=True), encoding="utf-8")
    config_path = folder / "tokenizer_config.json"
    config_path.write_text(json.dumps({
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "bos_token": bos, "eos_token": eos, "cls_token": bos, "sep_token": eos,
        "pad_token": vocabulary.pieces[vocabulary.pad], "unk_token": vocabulary.pieces[vocabulary.unk],
        "mask_token": "<mask>", "model_max_length": max_length,
    }, indent=2), encoding="utf-8")
    return [tokenizer_path, char_map_path, config_path]
