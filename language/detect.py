"""Language of short texts: ru, en, uk, kk, be or ``other``.

lingua (restricted to the configured languages, loaded on first use) decides when the
text has enough letters; very short texts fall back to the script: Cyrillic letters
unique to Ukrainian, Kazakh or Belarusian pick that language, other Cyrillic is Russian,
Latin is English.

Texts whose alphabet already settles the question skip lingua (when only the default
languages are configured): Latin letters alone can only be English, and Cyrillic with
ы/э (not Ukrainian) and и/щ/ъ (not Belarusian) but none of the letters of Kazakh,
Ukrainian or Belarusian is Russian, which is what lingua answers for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

DEFAULT_LANGUAGES = ("ru", "en", "uk", "kk", "be")
UNIQUE_LETTERS = {"uk": "іїєґ", "kk": "әғқңөұүһ", "be": "ўі"}
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)
LETTERS = re.compile(r"[^\W\d_]")
# Alphabet rules, valid only among DEFAULT_LANGUAGES (English is their one Latin-script language).
NOT_UKRAINIAN = frozenset("ыэъё")
NOT_BELARUSIAN = frozenset("ищъ")
# Letters a shortcut may see: basic Latin and the Russian alphabet (any other letter goes to lingua).
KNOWN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюя")


class LanguageDetector:
    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES, *, min_letters: int = 12,
                 min_confidence: float = 0.5) -> None:
        self.languages = tuple(languages)
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self._detector: Any = None
        self._alphabet_rules = set(self.languages) <= set(DEFAULT_LANGUAGES)

    def _lingua(self) -> Any:
        if self._detector is None:
            from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

            chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in self.languages]
            self._detector = LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()
        return self._detector

    def warm_up(self) -> None:
        """Load the language models now rather than on the first message."""
        self._lingua()

    def detect(self, text: str) -> str:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[str]:
        """The language of each text; the texts long enough for lingua are scored together,
        on all cores."""
        answers: list[str | None] = []
        scored: list[int] = []
        for index, text in enumerate(texts):
            letters = len(LETTERS.findall(text))
            if not letters:
                answers.append("other")
            elif letters < self.min_letters:
                answers.append(self._by_script(text))
            elif self._alphabet_rules and (settled := _settled_by_alphabet(text, self.languages)):
                answers.append(settled)
            else:
                answers.append(None)
                scored.append(index)
        if scored:
            detector = self._lingua()
            values_of = detector.compute_language_confidence_values_in_parallel([texts[i] for i in scored])
            for index, values in zip(scored, values_of, strict=True):
                if not values or values[0].value < self.min_confidence:
                    answers[index] = self._by_script(texts[index])
                else:
                    answers[index] = values[0].language.iso_code_639_1.name.lower()
        return [answer or "other" for answer in answers]

    def _by_script(self, text: str) -> str:
        lowered = text.lower()
        for code, letters in UNIQUE_LETTERS.items():
            if code in self.languages and any(letter in lowered for letter in letters):
                return code
        cyrillic, latin = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
        if cyrillic == latin == 0:
            return "other"
        return "ru" if cyrillic >= latin else "en"


def _settled_by_alphabet(text: str, languages: Sequence[str]) -> str | None:
    """English or Russian when the text is in one alphabet whose letters rule out every other
    default language, else None (mixed scripts and the rest are left to lingua)."""
    lowered = set(text.lower())
    cyrillic = any("а" <= char <= "я" or char == "ё" for char in lowered)
    latin = any("a" <= char <= "z" for char in lowered)
    if cyrillic == latin or any(char.isalpha() and char not in KNOWN_LETTERS for char in lowered):
        return None
    if latin:
        return "en" if "en" in languages else None
    if "ru" in languages and not lowered.isdisjoint(NOT_UKRAINIAN) and not lowered.isdisjoint(NOT_BELARUSIAN):
        return "ru"
    return None
