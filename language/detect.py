"""Language of short texts: ru, en, uk, kk, be or ``other``.

lingua (restricted to the configured languages, loaded on first use) decides when the
text has enough letters; very short texts fall back to the script: Cyrillic letters
unique to Kazakh, Belarusian or Ukrainian pick that language, other Cyrillic is Russian,
Latin is English — each only when configured, ``other`` otherwise. (lingua is not asked
about short texts even when it is sure: at confidence 0.7 it calls one short text in 25 of
the Russian tweets in ``shared/data`` Belarusian, Ukrainian or Kazakh — "Давай", "СССР".)

What lingua sees is the text's words: links, @mentions and the placeholders redaction
leaves (``[PHONE]``) are not, and in a text that is at least a third Cyrillic the Latin words
are taken for names (``iPhone``, ``Wildberries``) and dropped.

``other`` is also the answer for a text with Latin letters English does not write (ü, ł, ş,
é) that a second, small lingua detector (low-accuracy mode, the configured languages plus
``others``: Latin-script languages customers here also write) confidently puts in a language
that is not configured, such as German, when its words without those letters read so too (a
name such as Paweł leaves an English text English). That detector is not asked about other
texts: it calls about 1% of short English texts (banking77) German or French, and confuses
Ukrainian and Russian with Serbian or Macedonian; a detector that does not (high-accuracy
mode) would hold some 300 MB more. When Ukrainian, Belarusian or Kazakh is left out of the configured
languages, it is one of those others too: a text with its letters is asked, and a short one
with them is ``other`` outright. A short text is ``other`` outright too when every one of its
Latin words has such a letter (``Dziękuję``), and Belarusian, not Ukrainian, when its і stands
beside ы, э or ё (``Прывітанне``), letters Ukrainian does not write.

A short text without such a letter may still hold one of a few very common Ukrainian, Kazakh or
Belarusian words that Russian does not write either (``Дякую``, ``Рахмет``, ``Дзякуй``,
``Добры дзень``): it is in that language when none of its letters rules the language out
(``Дякую, всё`` keeps its ё and stays Russian). Words Russian writes too (так, будь, добре, коли)
are not among them.

Texts whose alphabet already settles the question skip lingua (when only the default
languages are configured): Latin letters alone (a–z) can only be English, and Cyrillic with
ы/э (not Ukrainian) and и/щ/ъ (not Belarusian) but none of the letters of Kazakh, Ukrainian
or Belarusian is Russian, which is what lingua answers for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

DEFAULT_LANGUAGES = ("ru", "en", "uk", "kk", "be")
OTHER_LANGUAGES = ("de", "fr", "es", "it", "pt", "pl", "tr", "az", "nl")
# Letters of one language only among the defaults, in the order they are looked for; і is
# Ukrainian, Belarusian and Kazakh, so it counts only when none of the others, nor a common word
# below, is there.
UNIQUE_LETTERS = {"kk": "әғқңөұүһ", "be": "ў", "uk": "їєґі"}
SHARED_LETTER = "і"
# Very common words of a default language written only in letters Russian has too, and not Russian
# words (nor Russian names) themselves: in a short text they decide when its letters allow it.
COMMON_WORDS = {
    "uk": ("дякую", "дуже", "щиро", "гаразд", "добрий", "вибачте", "будь ласка"),
    "kk": ("рахмет",),
    "be": ("дзякуй", "дзякую", "дзень", "вечар", "калі", "працуе"),
}
LANGUAGE_OF_WORD = {word: code for code, words in COMMON_WORDS.items() for word in words}
COMMON_WORD = re.compile(r"(?<!\w)(?:{})(?!\w)".format(
    "|".join(word.replace(" ", r"\s+") for word in sorted(LANGUAGE_OF_WORD, key=len, reverse=True))))
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)
LATIN_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
LETTERS = re.compile(r"[^\W\d_]")
# not words: what privacy.redact puts in place of personal data, links, @mentions
NOT_WORDS = re.compile(r"(?=[\[hHwW@])(?:\[[A-Z]+\]|\b(?i:https?://|www\.)\S+|(?<!\w)@\w+)")
# Latin letters English does not write: ü, ß, ł, ş, ı, é, ñ, ə…
NON_ENGLISH_LATIN = re.compile(r"[À-ÖØ-öø-ɏə]")
NON_ENGLISH_WORD = re.compile(r"\S*[À-ÖØ-öø-ɏə]\S*")
OTHER_CONFIDENCE = 0.8
# Alphabet rules, valid only among DEFAULT_LANGUAGES (English is their one Latin-script language).
NOT_UKRAINIAN = frozenset("ыэъё")
NOT_BELARUSIAN = frozenset("ищъ")
NOT_WRITTEN = {"uk": NOT_UKRAINIAN, "be": NOT_BELARUSIAN, "kk": frozenset()}
# Letters a shortcut may see: basic Latin and the Russian alphabet (any other letter goes to lingua).
KNOWN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюя")


class LanguageDetector:
    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES, *, min_letters: int = 12,
                 min_confidence: float = 0.5, others: Sequence[str] = OTHER_LANGUAGES) -> None:
        self.languages = tuple(code.lower() for code in languages)
        unknown = [code for code in self.languages if code not in _known_codes()]
        if unknown or not self.languages:
            raise ValueError(f"languages {unknown or '(none)'}: give ISO 639-1 codes the detector knows, "
                             f"such as {', '.join(DEFAULT_LANGUAGES)}")
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        # languages answered "other": the Latin-script ones customers here also write, and the default
        # Cyrillic ones left out of the configuration
        self.others = tuple(code for code in (*others, *UNIQUE_LETTERS) if code not in self.languages)
        self._other_letters = _letters_of([code for code in UNIQUE_LETTERS if code not in self.languages])
        self._detector: Any = None
        self._other_detector: Any = None
        self._alphabet_rules = set(self.languages) <= set(DEFAULT_LANGUAGES)

    def _lingua(self) -> Any:
        if self._detector is None:
            self._detector = _build(self.languages).with_preloaded_language_models().build()
        return self._detector

    def _lingua_with_others(self) -> Any:
        if self._other_detector is None:
            builder = _build(self.languages + self.others)
            self._other_detector = builder.with_preloaded_language_models().with_low_accuracy_mode().build()
        return self._other_detector

    def warm_up(self) -> None:
        """Load the language models now rather than on the first message."""
        self._lingua()
        if self.others:
            self._lingua_with_others()

    def from_hint(self, hint: str) -> str:
        """The answer for a caller's language hint (``ru``, ``RU``, ``ru-RU``): its language when it is
        one of the configured ones, ``other`` otherwise."""
        code = re.split(r"[-_]", hint.strip(), maxsplit=1)[0].lower()
        return code if code in self.languages else "other"

    def detect(self, text: str) -> str:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[str]:
        """The language of each text; the texts left to lingua are scored together, on all cores."""
        words = [_words(text) for text in texts]
        answers: list[str | None] = []
        scored: list[int] = []
        for index, text in enumerate(words):
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
            values_of = self._lingua().compute_language_confidence_values_in_parallel([words[i] for i in scored])
            for index, values in zip(scored, values_of, strict=True):
                if not values or values[0].value < self.min_confidence:
                    answers[index] = self._by_script(words[index])
                else:
                    answers[index] = _code(values[0])
        if self.others:
            self._find_others(words, answers)
        return [answer or "other" for answer in answers]

    def _find_others(self, words: list[str], answers: list[str | None]) -> None:
        """Answers ``other`` for the texts long enough to tell, with a Latin letter English does
        not write or a Cyrillic letter of a default language left out of the configuration, that are
        confidently in a language of ``others``."""
        asked = [index for index, (text, answer) in enumerate(zip(words, answers, strict=True))
                 if answer != "other" and (NON_ENGLISH_LATIN.search(text) or (self._other_letters and
                                                                            self._other_letters.search(text)))
                 and len(LETTERS.findall(text)) >= self.min_letters]
        if not asked:
            return
        detector = self._lingua_with_others()
        values_of = detector.compute_language_confidence_values_in_parallel([words[i] for i in asked])
        found = [index for index, values in zip(asked, values_of, strict=True)
                 if values and values[0].value >= OTHER_CONFIDENCE and _code(values[0]) in self.others]
        # A name in an English text ("a transfer to Paweł") is no language: the words without such
        # letters, when there are enough of them to tell, must be in one of ``others`` too.
        rest = {index: NON_ENGLISH_WORD.sub(" ", words[index]) for index in found}
        checked = [index for index in found if NON_ENGLISH_LATIN.search(words[index])
                   and len(LETTERS.findall(rest[index])) >= self.min_letters]
        names_only = set()
        if checked:
            values_of = detector.compute_language_confidence_values_in_parallel([rest[i] for i in checked])
            names_only = {index for index, values in zip(checked, values_of, strict=True)
                          if not values or _code(values[0]) not in self.others}
        for index in found:
            if index not in names_only:
                answers[index] = "other"

    def _by_script(self, text: str) -> str:
        code = _cyrillic_language(text.lower(), short=len(LETTERS.findall(text)) < self.min_letters)
        if code:
            return code if code in self.languages else "other"
        cyrillic, latin = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
        if cyrillic == latin == 0:
            return "other"
        answer = "ru" if cyrillic >= latin else "en"
        if answer == "en" and self.others and NON_ENGLISH_LATIN.search(text) and not LATIN.search(
                NON_ENGLISH_WORD.sub(" ", text)):
            return "other"  # every Latin word has a letter English does not write: Dziękuję, Teşekkürler
        return answer if answer in self.languages else "other"


def _cyrillic_language(lowered: str, *, short: bool) -> str | None:
    """Kazakh, Belarusian or Ukrainian when a letter only it writes among the default languages, else
    one of its common words its letters allow, else і says so; None otherwise (Russian, if Cyrillic)."""
    letters_in = set(lowered)
    for code, letters in UNIQUE_LETTERS.items():
        if not letters_in.isdisjoint(letters.replace(SHARED_LETTER, "")):
            return code
    if short:
        for match in COMMON_WORD.finditer(lowered):
            code = LANGUAGE_OF_WORD[" ".join(match.group().split())]
            if letters_in.isdisjoint(NOT_WRITTEN[code]):
                return code
    if SHARED_LETTER in lowered:
        # і beside ы, э or ё, which Ukrainian does not write, is Belarusian: Прывітанне (a longer text
        # with both that lingua is unsure of mixes Russian and Ukrainian)
        return "be" if short and not letters_in.isdisjoint("ыэё") else "uk"
    return None


def _letters_of(codes: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern finding a letter unique to one of ``codes`` among the default languages (None for none)."""
    letters = "".join(UNIQUE_LETTERS[code] for code in codes)
    return re.compile(f"[{letters}{letters.upper()}]") if letters else None


def _known_codes() -> frozenset[str]:
    from lingua import Language

    return frozenset(language.iso_code_639_1.name.lower() for language in Language.all())


def _code(value: Any) -> str:
    return value.language.iso_code_639_1.name.lower()


def _build(codes: Sequence[str]) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        *[Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes])


def _words(text: str) -> str:
    """What tells the language: ``text`` without links, @mentions and redaction placeholders
    and, when at least a third of its letters are Cyrillic, without its Latin words (brand and
    product names)."""
    text = NOT_WORDS.sub(" ", text)
    if not (LATIN.search(text) and CYRILLIC.search(text)):
        return text
    if len(CYRILLIC.findall(text)) * 2 >= len(LATIN.findall(text)):
        return LATIN_WORD.sub(" ", text)
    return text


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
