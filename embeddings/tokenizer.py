"""A thin wrapper over a ``tokenizer.json`` that exposes content ids and special tokens."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path


class TextTokenizer:
    """Encodes texts without truncation; special tokens are added per window by the caller."""

    def __init__(self, path: Path, char_map_path: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self._char_map: dict[int, str] | None = None
        if char_map_path is not None:
            mapping = json.loads(char_map_path.read_text(encoding="utf-8"))
            self._char_map = {int(code_point): text for code_point, text in mapping.items()}

        self._tokenizer = Tokenizer.from_file(str(path))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.prefix_ids, self.suffix_ids = self._special_layout()
        padding = self._tokenizer.token_to_id("<pad>")
        if padding is None:
            padding = self._tokenizer.token_to_id("[PAD]")
        self.pad_id = 0 if padding is None else padding

    def _special_layout(self) -> tuple[list[int], list[int]]:
        """Find which special ids the post-processor puts before and after the content."""
        probe = "a"
        bare = self._tokenizer.encode(probe, add_special_tokens=False).ids
        full = self._tokenizer.encode(probe, add_special_tokens=True).ids
        for start in range(len(full) - len(bare) + 1):
            if full[start : start + len(bare)] == bare:
                return full[:start], full[start + len(bare) :]
        return [], []

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if self._char_map is not None:
            texts = [text.translate(self._char_map) for text in texts]
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [encoding.ids for encoding in encodings]
