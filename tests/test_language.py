import pytest

from language.detect import LanguageDetector

detector = LanguageDetector()


CASES = [
    ("Курьер опоздал на два часа и не позвонил", "ru"),
    ("Where is my refund for the cancelled order?", "en"),
    ("Замовлення не доставили вчасно, де мої гроші?", "uk"),
    ("Тапсырыс кешікті, ақшамды қайтарыңыз", "kk"),
    ("Кур'ер спазніўся на дзве гадзіны", "be"),
    ("Спасибо!", "ru"),
    ("ok", "en"),
    ("12345 !!!", "other"),
    ("😡😡😡", "other"),
]


@pytest.mark.parametrize(("text", "language"), CASES)
def test_languages(text, language):
    assert detector.detect(text) == language


def test_many_texts_at_once_get_the_answers_each_gets_alone():
    texts = [text for text, _ in CASES] * 3
    assert detector.detect_many(texts) == [language for _, language in CASES] * 3
    assert detector.detect_many([]) == []


class _Counting(LanguageDetector):
    """Counts the texts handed to lingua."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scored: list[str] = []

    def _lingua(self):
        real = super()._lingua()
        outer = self

        class Spy:
            def compute_language_confidence_values_in_parallel(self, texts):
                outer.scored.extend(texts)
                return real.compute_language_confidence_values_in_parallel(texts)

        return Spy()


SETTLED_BY_ALPHABET = [
    ("Курьер опоздал на два часа, вы мне позвоните", "ru"),  # ы and и: neither Ukrainian nor Belarusian
    ("Где мой заказ? Объясните, пожалуйста", "ru"),
    ("Where is my refund for the cancelled order?", "en"),
]
LEFT_TO_LINGUA = [
    "Курьер опоздал на два часа и не позвонил",  # no ы/э/ъ/ё: could be Ukrainian by its letters
    "Замовлення не доставили вчасно, де мої гроші?",
    "Не работает push notifications в приложении",  # two scripts
    "Ich habe meine Bestellung nicht erhalten, schöne Grüße",  # a letter outside both alphabets
]


def test_texts_whose_alphabet_settles_the_language_skip_lingua_and_get_its_answer():
    counting = _Counting()
    answers = counting.detect_many([text for text, _ in SETTLED_BY_ALPHABET] + LEFT_TO_LINGUA)
    assert answers[: len(SETTLED_BY_ALPHABET)] == [language for _, language in SETTLED_BY_ALPHABET]
    assert counting.scored == LEFT_TO_LINGUA
    plain = LanguageDetector()
    plain._alphabet_rules = False  # lingua decides every text
    assert plain.detect_many([text for text, _ in SETTLED_BY_ALPHABET]) == answers[: len(SETTLED_BY_ALPHABET)]


def test_alphabet_rules_are_off_when_other_languages_are_configured():
    counting = _Counting(languages=("ru", "en", "de"))
    assert counting.detect("Where is my refund for the cancelled order?") == "en"
    assert counting.scored == ["Where is my refund for the cancelled order?"]
