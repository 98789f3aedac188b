"""The e5 tokenizer: the XLM-R unigram vocabulary of the packed file as ``tokenizer.json``.

The packed file's tokenizer applies a per-code-point normalisation map (sentencepiece's
``nmt_nfkc`` rules, flattened), collapses runs of spaces, prefixes the metaspace marker
and runs Viterbi over the unigram pieces. ``tokenizer.json`` approximates the map with
NFKC so other tools can read it; the exact map is written beside it as
``char_map.json`` and applied first by our own tokenizer wrapper.
"""

from __future__ import annotations

import json
from pathlib import Path

from models.e5_format import E5Vocabulary

CHAR_MAP_FILE = "char_map.json"


def write_tokenizer(vocabulary: E5Vocabulary, folder: Path, max_length: int = 512) -> list[Path]:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = [(piece, float(score)) for piece, score in zip(vocabulary.pieces, vocabulary.scores)]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocabulary.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
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
