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
