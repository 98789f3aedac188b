"""PII redaction: phone numbers (Russian and international), e-mails, payment cards
(Luhn-checked) and their security codes, IBANs (mod-97-checked) and Russian bank account
numbers, Russian passport, SNILS and INN numbers.

Each match is replaced by a placeholder such as ``[PHONE]``; the result lists the kinds
found so the caller can record that personal data was present without keeping it.

Numbers are personal data by their layout or by the word before them, never merely by
being long: an order number (``заказ №123456789``), an amount, a date, a size (``120 60 75 см``),
a phone's IMEI or a version stays.
A phone is a Russian number (+7, 7 or 8 and ten digits; ten digits with the area code in
brackets, separated like one, or a mobile, Moscow or St Petersburg number; a local
``123-45-67``), a short local number after ``тел.``, a Belarusian, Ukrainian or Uzbek number,
or ``+`` and 8–15 digits. Separators may be spaces (also non-breaking), dashes of any width,
brackets, and dots when they stand between every group; digits may be full-width (``８９１６…``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

H = r"[^\S\r\n]"  # a space on the same line, non-breaking ones included
SEP = rf"(?:{H}?[-‐‑‒–—]{H}?|{H}{{1,2}})"  # between groups of a phone number: a dash (maybe spaced) or spaces
# the last seven digits, after a 3-digit code: 123-45-67, 123-4567, 1000-800
REST7 = rf"(?:\d{{3}}{SEP}?\d{{2}}{SEP}?\d{{2}}|\d{{3}}{SEP}?\d{{4}}|\d{{4}}{SEP}?\d{{3}})"
NATIONAL = (  # ten digits: the area code (3–5 digits, maybe in brackets), then the number
    rf"\(?{H}?(?:\d{{3}}{H}?\)?{SEP}?{REST7}"
    rf"|\d{{4}}{H}?\)?{SEP}?(?:\d{{2}}{SEP}?\d{{2}}{SEP}?\d{{2}}|\d{{3}}{SEP}?\d{{3}})"
    rf"|\d{{5}}{H}?\)?{SEP}?\d{SEP}?\d{{2}}{SEP}?\d{{2}})"
)
# ten digits without a country code are a phone with these codes: a Russian mobile, Moscow,
# St Petersburg, a Ukrainian mobile; so are Belarusian, Ukrainian and Uzbek numbers without the +
BARE_CODE = r"(?:[9９]\d{2}|49[59]|812|0(?:39|50|6[3678]|73|9[1-9]))"
CIS_CODE = r"(?:375|380|998)"
# English customers' numbers without the country code: North American 415-555-2671 (the same
# separator twice) and British 11-digit ones, 07700 900123, 020 7946 0958, 0161 496 0000
NANP = r"(?:[2-9]\d{2}-[2-9]\d{2}-\d{4}|[2-9]\d{2}\.[2-9]\d{2}\.\d{4}|[2-9]\d{2} [2-9]\d{2} \d{4})"
# a number followed by a unit is a size or a price, not a phone: 120 60 75 см, 500 300 1000 руб
NOT_BEFORE_A_UNIT = rf"(?!{H}?(?:(?:[смк]м|cm|mm|кг|kg|шт|руб[^\W\d_]*|р)(?![^\W\d_]|[.-][^\W\d_])|[₽$€]))"
UK = (rf"0[1-9](?:\d{{3}}{SEP}?(?:\d{{6}}|\d{{3}}{SEP}?\d{{3}})|\d{{2}}{SEP}?\d{{3}}{SEP}?\d{{4}}"
      rf"|\d{SEP}?\d{{4}}{SEP}?\d{{4}})")
# Each pattern opens with a look at its first character, which lets the regex engine skip to
# the places where that character is (several times faster than trying every position). A
# number is not read from the middle of a longer one; one glued to the previous ("…67+7 916…") is.
PHONE = re.compile(
    rf"(?=[\d(+＋])(?:"
    rf"(?:[+＋]{H}?[7７]|(?<![\d+＋])[78７８]){SEP}?{NATIONAL}"  # +7 916 123-45-67, 8 (4012) 12-34-56, 89161234567
    rf"|(?<![\d+＋])(?:\(\d{{3}}\){SEP}?{REST7}|\d{{3}}{SEP}\d{{3}}{SEP}\d{{2}}{SEP}\d{{2}}|{BARE_CODE}{SEP}?{REST7}"
    rf"|{CIS_CODE}{SEP}?\(?\d{{2}}\)?{SEP}?{REST7})"
    # with dots only between all the groups: 8.916.123.45.67 (70000000.50 руб is an amount)
    rf"|(?<![\d+＋])(?:[+＋]7|[78])\.\d{{3}}\.\d{{3}}\.\d{{2}}\.\d{{2}}"
    rf"|(?<![\d+＋])(?<!\d\.){BARE_CODE}\.\d{{3}}\.\d{{2}}\.\d{{2}}(?!\.\d)"  # 916.123.45.67
    rf"|[+＋]{H}?[1-9](?:(?:[-‐‑‒–—.()]|{H}){{0,3}}\d){{7,14}}"  # +44 20 7946 0958: 8–15 digits
    rf"|(?<![\d+＋])\d{{3}}(?:{H}?[-‐‑‒–—]{H}?|{H})\d{{2}}(?:{H}?[-‐‑‒–—]{H}?|{H})\d{{2}}"  # local 123-45-67
    rf"{NOT_BEFORE_A_UNIT}"
    rf"|(?<![\d+＋]){NANP}{NOT_BEFORE_A_UNIT}|(?<![\d+＋]){UK}"
    rf")(?!\d)"
)
# a short local number is a phone only after a word that says so: "тел. 2-34-56"; seven digits
# not laid out like one ("телефон 2345678", "МТС 702-0552") only after a word that cannot mean
# anything else (т. and сот. are also tonnes and hundredths)
LOCAL_PHONE = re.compile(
    r"(?i)(?=[тtpмсбmb])(?<![^\W\d_])"
    r"(?:(?:тел(?:ефон[^\W\d_]{0,3})?|т|tel|phone|моб|сот)\b\.?:?\s*(\d{1,3}[- ]\d{2}[- ]\d{2})"
    r"|(?:тел(?:ефон[^\W\d_]{0,3})?|tel|phone|моб|мтс|билайн|мегафон|теле2|mts|beeline|megafon|tele2)\b\.?:?\s*"
    r"(\d{3}[- ]?\d{4}))(?![- ]?\d)")  # not the start of a longer number, which PHONE takes whole
EMAIL = re.compile(
    r"(?<![\w.+-])(?<![\w.+-]')[\w.+-]+(?:'[\w.+-]+)*@[\w-]+(?:\.[\w-]+)*"
    r"\.(?:xn--[a-z0-9-]+|[A-Za-z]{2,}(?![A-Za-z_-])|[А-Яа-яЁё]{2,}(?![А-Яа-яЁё_-]))",  # .ru, .рф, .xn--p1ai
    re.IGNORECASE,
)
# 13+ digits with spaces or dashes between, not after a + (a phone); the card numbers in it are found by redact_cards
# (dots only between four groups of four: 99 999 999 999.50 is an amount)
DIGIT_RUN = re.compile(rf"(?=\d)(?<![\d+＋])(?:(?:\d(?:{H}?[-‐‑‒–—]{H}?|{H}{{1,2}})?){{12,}}\d(?!\d)"
                       r"|(?<!\d\.)\d{4}(?:\.\d{4}){3}(?!\.?\d))")  # or 4276.3800.1234.5679
# the card's security code, which must never be stored (PCI DSS): "CVV 123", "ППК2: 456", "CVC-код 123", "CVV123"
CARD_CODE = re.compile(
    r"(?i)(?=[cп])(?:cvv2?|cvc2?|cvp2?|cav2?|ппк2)(?:[- ]?(?:код|code))?(?![^\W\d_])[^\w\n\[\]]{0,5}(\d{3,4})(?!\d)")
DIGIT_GROUP = re.compile(r"\d+")
ANY_DIGIT = re.compile(r"\d")
SNILS = re.compile(  # (the word СНИЛС)? (the number (its separator))
    r"(?i)(?=[с\d])((?<![^\W\d_])снилс[^\d\[\]]{0,10}?)?(?<!\d)(\d{3}([- ]?)\d{3}\3\d{3}(?:[- ]| - )?\d{2})(?!\d)")
PASSPORT = re.compile(
    r"(?i)(?=[пpс])(?:паспорт[^\W\d_]{0,6}|пасп\.|passport|(?<![^\W\d_])сери[яи])[^\d\n\[\]]{0,20}?"
    # series and number (the number maybe in halves, 123 456); a foreign passport
    r"(\d{2}[ -]?\d{2}(?:[^\d\n]{1,12}?)?\d{3}[ -]?\d{3}|\d{2}[ -]?\d{7})(?!\d)"
)
INN = re.compile(  # after the word ИНН (ИИН in Kazakhstan); a 12-digit number alone only with a valid checksum
    r"(?i)(?=[иi\d])(?:(?<![^\W\d_])(?:инн|иин|inn|iin)(?![^\W\d_])[^\d\n\[\]]{0,20}?(\d{12}|\d{10})(?!\d)|(?<![\w-])(\d{12})(?![\w-]))")
ACCOUNT_NUMBER = r"\d{5}[ -]?\d{3}[ -]?\d[ -]?\d{4}[ -]?\d{7}"  # 20 digits, written 40817 810 0 9991 0004312
# after a word that says so, or an account of a person (408…, 423…) on its own
BANK_ACCOUNT = re.compile(
    rf"(?i)(?=[сраa4])(?:(?:сч[её]т[^\W\d_]{{0,6}}|р/с|account)[^\d\[\]]{{0,15}}?|(?<!\d)(?=408|423))({ACCOUNT_NUMBER})(?!\d)")
IBAN = re.compile(r"(?=[A-Z])(?<![A-Z])[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?(?![A-Z0-9])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def snils_valid(digits: str) -> bool:
    """The SNILS checksum: the last two digits against the first nine."""
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(9, 0, -1), strict=True))
    return total % 101 % 100 == int(digits[9:])


def inn_valid(digits: str) -> bool:
    """The INN checksum: one check digit for a 10-digit INN (an organisation), two for a 12-digit one (a person)."""
    weights = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

    def check(body: str) -> int:
        return sum(int(d) * w for d, w in zip(body, weights[-len(body):], strict=True)) % 11 % 10

    if len(digits) == 10:
        return check(digits[:9]) == int(digits[9])
    return check(digits[:10]) == int(digits[10]) and check(digits[:11]) == int(digits[11])


def iban_valid(text: str) -> bool:
    compact = "".join(text.split())
    return int("".join(str(int(char, 36)) for char in compact[4:] + compact[:4])) % 97 == 1


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: list[str] = field(default_factory=list)


class PiiRedactor:
    """Replaces personal data with placeholders; a stage of the per-message pipeline."""

    def redact(self, text: str) -> Redaction:
        found: list[str] = []

        def replace(kind: str, placeholder: str, group: int = 0, valid: Callable[[re.Match], bool] | None = None):
            def substitute(match: re.Match) -> str:
                chosen = group or match.lastindex or 0  # INN: the number of whichever alternative matched
                if valid is not None and not valid(match):
                    return match.group(0)
                found.append(kind)
                if chosen:
                    start, end = match.span(chosen)
                    return match.group(0)[: start - match.start()] + placeholder + match.group(0)[end - match.start():]
                return placeholder

            return substitute

        def cards(match: re.Match) -> str:
            redacted, count = redact_cards(match.group(0))
            found.extend(["card"] * count)
            return redacted

        has_at = "@" in text
        if has_at:
            text = EMAIL.sub(replace("email", "[EMAIL]"), text)
        if ANY_DIGIT.search(text):
            text = IBAN.sub(replace("account", "[ACCOUNT]", valid=lambda m: iban_valid(m.group(0))), text)
            text = BANK_ACCOUNT.sub(replace("account", "[ACCOUNT]", 1), text)
            text = DIGIT_RUN.sub(cards, text)
            text = CARD_CODE.sub(replace("card", "[CVV]", 1), text)
            text = PASSPORT.sub(replace("passport", "[PASSPORT]", 1), text)
            text = INN.sub(replace("inn", "[INN]", valid=lambda m: bool(m.group(1)) or inn_valid(m.group(2))), text)
            text = SNILS.sub(replace("snils", "[SNILS]", 2, valid=_snils_or_labelled), text)
            text = LOCAL_PHONE.sub(replace("phone", "[PHONE]"), text)
            text = PHONE.sub(replace("phone", "[PHONE]"), text)
        if has_at:  # an address glued to a number or to another address is whole only now
            text = EMAIL.sub(replace("email", "[EMAIL]"), text)
        return Redaction(text, sorted(set(found)))


def _snils_or_labelled(match: re.Match) -> bool:
    """After the word СНИЛС any 11 digits are one; otherwise only the 123-456-789 01 layout with a valid checksum."""
    if match.group(1):
        return True
    digits = "".join(DIGIT_GROUP.findall(match.group(2)))
    return bool(match.group(3)) and snils_valid(digits)


def redact_cards(run: str) -> tuple[str, int]:
    """``run`` (digits with short separators) with the Luhn-valid card numbers in it replaced.

    The whole run is a card when it has 13–19 digits and passes Luhn. In a longer run a
    card is a part laid out like one (4-4-4-4[-1…4], 4-6-5, 4-6-4, or one unbroken group)
    that starts and ends on a group boundary, so a number written just before it
    ("номер 2024 4111 1111 1111 1111") does not hide it. Overlapping candidates are
    redacted together: a few digits of context lost rather than part of a card kept."""
    groups = [(m.start(), m.end()) for m in DIGIT_GROUP.finditer(run)]
    whole = "".join(run[a:b] for a, b in groups)
    if 13 <= len(whole) <= 19 and _card_number(whole):
        return "[CARD]", 1
    spans: list[list[int]] = []
    for first in range(len(groups)):
        if not (groups[first][1] - groups[first][0] == 4 or 13 <= groups[first][1] - groups[first][0] <= 19):
            continue  # no card layout starts here: skipping keeps long runs of short groups linear
        digits = ""
        for last in range(first, len(groups)):
            digits += run[groups[last][0]:groups[last][1]]
            if len(digits) > 19:
                break
            lengths = [b - a for a, b in groups[first:last + 1]]
            if len(digits) >= 13 and _laid_out_like_a_card(lengths) and _card_number(digits):
                if spans and first <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], last)
                else:
                    spans.append([first, last])
    pieces, cursor = [], 0
    for first, last in spans:
        pieces += [run[cursor:groups[first][0]], "[CARD]"]
        cursor = groups[last][1]
    return "".join(pieces) + run[cursor:], len(spans)


def _card_number(digits: str) -> bool:
    """Luhn-valid; of 14 digits only Diners Club (3…) is a card, the rest are Russian Post
    tracking numbers (their first six digits are the sender's postcode); of 15 digits only
    American Express (34…, 37…), the rest are phones' IMEIs (Luhn-checked too)."""
    if not luhn_valid(digits):
        return False
    return {14: digits[0] == "3", 15: digits[:2] in ("34", "37")}.get(len(digits), True)


def _laid_out_like_a_card(lengths: list[int]) -> bool:
    if len(lengths) == 1 or lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return len(lengths) >= 4 and all(length == 4 for length in lengths[:-1]) and 1 <= lengths[-1] <= 4
