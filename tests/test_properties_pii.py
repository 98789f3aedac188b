"""Property tests for PII redaction (privacy/redact.py)."""

from __future__ import annotations

import re
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from privacy.redact import PiiRedactor, luhn_valid

redactor = PiiRedactor()
# filler that is not personal data: letters, spaces and punctuation (no digits, no '@')
filler = st.text(st.characters(categories=("Lu", "Ll", "Zs"), exclude_characters="@"), max_size=40).map(
    lambda s: f" {s} ")


def with_luhn(body: list[int]) -> str:
    for check in range(10):
        if luhn_valid("".join(map(str, [*body, check]))):
            return "".join(map(str, [*body, check]))
    raise AssertionError("unreachable")


cards = st.builds(with_luhn, st.lists(st.integers(0, 9), min_size=15, max_size=15).filter(lambda b: b[0] != 0))
card_layouts = st.sampled_from(["plain", "spaces", "dashes"])
phones = st.builds(lambda a, b, c, d, style: {
    "intl": f"+7 ({a}) {b}-{c}-{d}", "eight": f"8{a}{b}{c}{d}", "spaced": f"+7 {a} {b} {c} {d}",
    "dots": f"8.{a}.{b}.{c}.{d}", "nbsp": f"8\u00a0{a}\u00a0{b}\u00a0{c}\u00a0{d}", "dashes": f"+7 {a} {b}–{c}–{d}",
    "glued": f"тел8{a}{b}{c}{d}", "uk": f"+380 {a[1:]} {b} {c} {d}"}[style],
    st.integers(900, 999).map(str), st.integers(100, 999).map(str), st.integers(10, 99).map(str),
    st.integers(10, 99).map(str), st.sampled_from(["intl", "eight", "spaced", "dots", "nbsp", "dashes", "glued", "uk"]))
emails = st.from_regex(r"[a-z][a-z0-9._+-]{0,15}[a-z0-9]@[a-z][a-z0-9-]{0,10}\.(ru|com|org|рф)", fullmatch=True)


def layout(card: str, style: str) -> str:
    groups = [card[i:i + 4] for i in range(0, 16, 4)]
    return {"plain": card, "spaces": " ".join(groups), "dashes": "-".join(groups)}[style]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@given(filler, emails, filler)
def test_any_email_is_removed(before, email, after):
    result = redactor.redact(before + email + after)
    assert email not in result.text and "email" in result.kinds
    assert "[EMAIL]" in result.text


@given(filler, cards, card_layouts, filler)
def test_any_luhn_valid_card_is_removed(before, card, style, after):
    result = redactor.redact(before + layout(card, style) + after)
    assert card not in digits(result.text)
    assert "card" in result.kinds


@given(filler, phones, filler)
def test_any_russian_phone_is_removed(before, phone, after):
    result = redactor.redact(before + phone + after)
    assert digits(phone)[-7:] not in digits(result.text)
    assert "phone" in result.kinds


# numbers that are not personal data: dates, times, timestamps, amounts, versions, order numbers
recent = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1))
dates = st.builds(lambda d, style: d.strftime(style), recent,
                  st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%H:%M"]))
timestamps = st.builds(lambda d, zone: d.replace(tzinfo=zone).isoformat(), recent, st.timezones())
amounts = st.builds(lambda n, sep, kopecks, unit: f"{n:,}".replace(",", sep) + kopecks + unit,
                    st.integers(0, 10**9 - 1), st.sampled_from([" ", "\u00a0", ""]),
                    st.sampled_from(["", ",00", ".50"]), st.sampled_from([" руб", " ₽", "р.", ""]))
versions = st.lists(st.integers(0, 99), min_size=2, max_size=4).map(lambda parts: "версия " + ".".join(map(str, parts)))
orders = st.integers(1, 999_999_999).map(lambda n: f"заказ №{n}")


@given(st.lists(st.one_of(dates, timestamps, amounts, versions, orders), min_size=1, max_size=4).map(", ".join))
def test_dates_amounts_versions_and_order_numbers_are_left_alone(text):
    result = redactor.redact(text)
    assert result.text == text and result.kinds == []


@given(st.lists(st.one_of(filler, emails, cards, phones), max_size=6).map(" и ".join))
def test_redaction_is_idempotent_and_leaves_no_found_item(text):
    once = redactor.redact(text)
    twice = redactor.redact(once.text)
    assert twice.text == once.text and twice.kinds == []


@given(st.integers(0, 99_999).map(str), cards, card_layouts, st.sampled_from([" ", "-", ", "]), emails)
def test_a_card_is_found_beside_a_number_or_a_glued_address(number, card, style, gap, email):
    for text in (f"номер {number} {layout(card, style)}", f"{email}{layout(card, style)}",
                 f"{layout(card, style)}{gap}{layout(card, style)}"):
        result = redactor.redact(text)
        assert card not in digits(result.text) and "card" in result.kinds, (text, result.text)
        assert email not in result.text
        assert redactor.redact(result.text).kinds == []


@given(filler)
def test_text_without_digits_or_at_signs_is_left_alone(text):
    result = redactor.redact(text)
    assert result.text == text and result.kinds == []


@given(st.text(max_size=300))
def test_any_text_is_redacted_without_error(text):
    result = redactor.redact(text)
    assert isinstance(result.text, str) and set(result.kinds) <= {
        "email", "account", "card", "passport", "inn", "snils", "phone"}
