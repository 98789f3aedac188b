import pytest

from language.detect import LanguageDetector

detector = LanguageDetector()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Курьер опоздал на два часа и не позвонил", "ru"),
        ("Where is my refund for the cancelled order?", "en"),
        ("Замовлення не доставили вчасно, де мої гроші?", "uk"),
        ("Тапсырыс кешікті, ақшамды қайтарыңыз", "kk"),
        ("Кур'ер спазніўся на дзве гадзіны", "be"),
        ("Спасибо!", "ru"),
        ("ok", "en"),
        ("12345 !!!", "other"),
        ("😡😡😡", "other"),
    ],
)
def test_languages(text, language):
    assert detector.detect(text) == language
