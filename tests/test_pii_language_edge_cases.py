"""Edge cases of PII redaction and language detection found by probing the written forms
customers use: personal data that slipped through, numbers wrongly taken for it, and short
texts put in a language their letters rule out."""

import pytest

from language.detect import LanguageDetector
from privacy.redact import PiiRedactor

redactor = PiiRedactor()
detector = LanguageDetector()


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        # the security code after "код"/"code" or glued to the word
        ("CVC код 123", "card", "123"),
        ("CVV-код: 456", "card", "456"),
        ("cvv code 789", "card", "789"),
        ("карта 4276 3800 1234 5679 CVV321", "card", "321"),
        # a passport number written in two halves
        ("паспорт 4506 123 456", "passport", "123 456"),
        ("паспорт 45 06 123-456", "passport", "123-456"),
        # a mobile, Moscow or Ukrainian number with dots and no country code
        ("мой номер 916.123.45.67", "phone", "123.45.67"),
        ("звоните 495.123.45.67", "phone", "123.45.67"),
        # a card with dots between the groups
        ("карта 4276.3800.1234.5679", "card", "3800.1234"),
        # an address followed by a digit
        ("пишите ivan@mail.ru2 раза уже писал", "email", "ivan"),
        ("иван@почта.рф1", "email", "иван"),
    ],
)
def test_personal_data_in_these_forms_is_removed(text, kind, secret):
    result = redactor.redact(text)
    assert secret not in result.text, result.text
    assert kind in result.kinds


@pytest.mark.parametrize(
    "text",
    ["размеры 120 60 75 см", "габариты 200-90-30 мм", "цены 500 300 1000 руб", "заплатил 415 555 2671 р.",
     "коробка 100 50 50см", "стоит 123 45 67 рублей",
     "IMEI 356938035643809",  # a phone's IMEI is Luhn-checked too, but no card
     "1234.5678.9012.3456",  # dots between 4-digit groups without a valid checksum
     "версия 1.916.123.45.67"],
)
def test_sizes_prices_and_imeis_are_left_alone(text):
    result = redactor.redact(text)
    assert (result.text, result.kinds) == (text, [])


@pytest.mark.parametrize(
    ("text", "redacted"),
    [("123 45 67 мне звоните", "[PHONE] мне звоните"),  # a word, not a unit, after the number
     ("123-45-67 р-н Южный", "[PHONE] р-н Южный"),
     ("123 45 67 м.б. вечером", "[PHONE] м.б. вечером"),
     ("amex 378282246310005", "amex [CARD]")],  # 15 digits starting 37 stay a card
)
def test_a_unit_rule_or_the_imei_rule_lets_no_phone_or_card_through(text, redacted):
    assert redactor.redact(text).text == redacted


@pytest.mark.parametrize(
    ("text", "language"),
    [("Прывітанне", "be"),  # і beside ы: Belarusian, Ukrainian does not write ы
     ("Вітаю, усё", "be"),
     ("Вітаю", "uk"),
     ("Dziękuję", "other"),  # no word without a letter English does not write
     ("Teşekkürler", "other"),
     ("Hi Søren", "en")],  # a name beside an English word
)
def test_short_texts_get_the_language_their_letters_allow(text, language):
    assert detector.detect(text) == language


def test_a_short_foreign_word_stays_english_when_others_are_switched_off():
    assert LanguageDetector(others=()).detect("Dziękuję") == "en"
