"""Tokenizers for token models: ``tokenizer.json`` (Hugging Face) or ``*.model`` (sentencepiece).

Both expose content ids without special tokens plus the special ids that go before and
after each window, so the long-text rule can wrap every window the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path


class TextTokenizer:
    def __init__(self, path: Path, char_map_path: Path | None = None) -> None:
        self._char_map: dict[int, str] | None = None
        if char_map_path is not None:
            mapping = json.loads(char_map_path.read_text(encoding="utf-8"))
            self._char_map = {int(code_point): text for code_point, text in mapping.items()}
        if path.suffix == ".model":
            self._encode = self._load_sentencepiece(path)
        else:
            self._encode = self._load_hf(path)

    def _load_sentencepiece(self, path: Path):
        import sentencepiece

        processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        self.prefix_ids = [processor.bos_id()] if processor.bos_id() >= 0 else []
        self.suffix_ids = [processor.eos_id()] if processor.eos_id() >= 0 else []
        self.pad_id = max(processor.pad_id(), 0)
        return lambda texts: processor.encode(list(texts))

    def _load_hf(self, path: Path):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        bare = tokenizer.encode("a", add_special_tokens=False).ids
        full = tokenizer.encode("a", add_special_tokens=True).ids
        self.prefix_ids, self.suffix_ids = [], []
        for start in range(len(full) - len(bare) + 1):
            if full[start : start + len(bare)] == bare:
                self.prefix_ids, self.suffix_ids = full[:start], full[start + len(bare) :]
                break
        padding = tokenizer.token_to_id("<pad>")
        if padding is None:
            padding = tokenizer.token_to_id("[PAD]")
        self.pad_id = 0 if padding is None else padding
        return lambda texts: [e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if self._char_map is not None:
            texts = [text.translate(self._char_map) for text in texts]
        return self._encode(texts)
