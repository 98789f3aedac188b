import pytest

from privacy.redact import PiiRedactor, luhn_valid

redactor = PiiRedactor()


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("Позвоните мне: +7 (916) 123-45-67", "phone", "123-45-67"),
        ("мой номер 89161234567, жду", "phone", "89161234567"),
        ("tel +7 916 123 45 67", "phone", "916 123 45 67"),
        ("call me at +44 20 7946 0958", "phone", "7946 0958"),
        ("пишите на ivan.petrov+shop@mail.ru пожалуйста", "email", "ivan.petrov"),
        ("карта 4276 3800 1234 5679 списали дважды", "card", "4276 3800"),
        ("card 4111-1111-1111-1111", "card", "4111"),
        ("паспорт 45 06 123456", "passport", "123456"),
        ("СНИЛС 112-233-445 95", "snils", "112-233-445"),
        ("ИНН 7707083893", "inn", "7707083893"),
        ("IBAN DE89 3704 0044 0532 0130 00", "account", "3704 0044"),
        ("номер 2024 4111 1111 1111 1111", "card", "4111 1111 1111"),  # a number just before the card
        ("заказ 4111 1111 1111 1111 5500 0000 0000 0004", "card", "5500 0000"),  # two cards in one run
        ("amex 3782 822463 10005", "card", "822463"),
        ("a0@a.ru4111111111111111", "email", "a0@a.ru"),  # an address glued to a card
        ("a0@a.ru4111111111111111", "card", "4111111111111111"),
        ("переведите на счёт 40817810099910004312", "account", "40817810099910004312"),
        ("р/с 40817 810 0 9991 0004312", "account", "9991 0004312"),
    ],
)
def test_personal_data_is_removed_and_named(text, kind, secret):
    result = redactor.redact(text)
    assert secret not in result.text
    assert kind in result.kinds


def test_card_numbers_need_a_valid_checksum():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    result = redactor.redact("заказ 4111 1111 1111 1112 не пришёл")
    assert "card" not in result.kinds
    unrelated = "трек 2024 1234 5678 9012 3456"  # no part of it passes Luhn laid out like a card
    assert redactor.redact(unrelated).text == unrelated


@pytest.mark.parametrize(
    "text",
    ["Курьер опоздал на 2 часа", "Заказ №12345 от 12.03.2024 не пришёл", "Верните 1500 рублей", "Promo SALE2024"],
)
def test_ordinary_text_is_left_alone(text):
    result = redactor.redact(text)
    assert result.text == text and result.kinds == []


def test_several_kinds_at_once():
    result = redactor.redact("Я Иван, +79161234567, ivan@example.com, карта 5555 5555 5555 4444")
    assert result.kinds == ["card", "email", "phone"]
    assert "[PHONE]" in result.text and "[EMAIL]" in result.text and "[CARD]" in result.text
