"""Input clean-up shared by every stage that reads customer text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from core.errors import InvalidTextError

# Zero-width and formatting characters that change bytes but not meaning.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
     *range(0x2060, 0x2070), 0xFEFF],
    None,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MARKS = frozenset({"Mn", "Me", "Cf"})  # combining and enclosing marks, variation selectors, format characters


def clean_text(text: object, index: int | None = None) -> str:
    """Return ``text`` normalised to NFC with invisible and control characters removed.

    Raises :class:`InvalidTextError` when ``text`` is not a string or holds nothing
    but whitespace (and marks that show nothing on their own) after clean-up. Unpaired surrogates become U+FFFD.
    """
    if not isinstance(text, str):
        raise InvalidTextError(f"expected a string, got {type(text).__name__}", index)
    cleaned = _SURROGATE.sub("\ufffd", text)
    cleaned = unicodedata.normalize("NFC", cleaned.translate(_INVISIBLE))
    cleaned = _CONTROL.sub(" ", cleaned).strip()
    if not cleaned:
        raise InvalidTextError("text is empty or only whitespace", index)
    if not any(_visible(character) for character in cleaned):
        raise InvalidTextError("text holds only invisible marks (combining marks, variation selectors) and "
                               "whitespace", index)
    return cleaned


def _visible(character: str) -> bool:
    return not character.isspace() and unicodedata.category(character) not in _MARKS



def clean_texts(texts: Sequence[object]) -> list[str]:
    """Clean every text; the error names the index of the first bad one."""
    if isinstance(texts, str | bytes) or not isinstance(texts, Sequence):
        raise InvalidTextError("expected a list of strings")
    return [clean_text(text, index) for index, text in enumerate(texts)]


def is_unicode(text: str) -> bool:
    """False for a string with a lone surrogate (what a JSON escape such as "\\ud800" alone decodes
    to): UTF-8 cannot encode it, so it can be neither stored nor sent on."""
    if text.isascii():  # constant time for most strings
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def not_utf8_at(raw: bytes, error: UnicodeDecodeError, skipped: int = 0) -> tuple[int, int, int]:
    """Where ``raw`` stops being UTF-8, for an error message: (the byte, its offset, its line number).
    ``skipped``: bytes left out before decoding (a byte-order mark)."""
    offset = skipped + error.start
    return raw[offset], offset, raw[:offset].count(b"\n") + 1
