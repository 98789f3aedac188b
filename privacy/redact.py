"""PII redaction: phone numbers (Russian and international), e-mails, payment cards
(Luhn-checked), IBAN-like and Russian 20-digit bank account numbers, Russian passport, SNILS and INN numbers.

Each match is replaced by a placeholder such as ``[PHONE]``; the result lists the kinds
found so the caller can record that personal data was present without keeping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-zА-Яа-я]{2,}(?![\w-])")
DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,}\d(?!\d)")  # 13+ digits, single spaces or dashes between
DIGIT_GROUP = re.compile(r"\d+")
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s-]?)?(?:\(?\d{3,5}\)?[\s-]?)?\d{2,3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
    r"|(?<![\w+])(?:\+7|8)[\s-]?\(?\d{3}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
)
SNILS = re.compile(r"(?<!\d)\d{3}-\d{3}-\d{3}[\s-]\d{2}(?!\d)")
PASSPORT = re.compile(r"(?i)(?:паспорт\w*|passport)\D{0,15}(\d{2}\s?\d{2}\s?\d{6})(?!\d)")
INN = re.compile(r"(?i)(?:инн|inn)\D{0,5}(\d{10}|\d{12})(?!\d)")
BANK_ACCOUNT = re.compile(r"(?i)(?:сч[её]т\w*|р/с|account)\D{0,15}?(\d{5}[ -]?\d{3}[ -]?\d[ -]?\d{4}[ -]?\d{7})(?!\d)")
IBAN = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?(?![A-Z0-9])")


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


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: list[str] = field(default_factory=list)


class PiiRedactor:
    """Replaces personal data with placeholders; a stage of the per-message pipeline."""

    def redact(self, text: str) -> Redaction:
        found: list[str] = []

        def replace(kind: str, placeholder: str, group: int = 0):
            def substitute(match: re.Match) -> str:
                found.append(kind)
                if group:
                    start, end = match.span(group)
                    return match.group(0)[: start - match.start()] + placeholder + match.group(0)[end - match.start():]
                return placeholder

            return substitute

        def cards(match: re.Match) -> str:
            redacted, count = redact_cards(match.group(0))
            found.extend(["card"] * count)
            return redacted

        text = EMAIL.sub(replace("email", "[EMAIL]"), text)
        text = IBAN.sub(replace("account", "[ACCOUNT]"), text)
        text = BANK_ACCOUNT.sub(replace("account", "[ACCOUNT]", 1), text)
        text = DIGIT_RUN.sub(cards, text)
        text = PASSPORT.sub(replace("passport", "[PASSPORT]", 1), text)
        text = INN.sub(replace("inn", "[INN]", 1), text)
        text = SNILS.sub(replace("snils", "[SNILS]"), text)
        text = PHONE.sub(replace("phone", "[PHONE]"), text)
        text = EMAIL.sub(replace("email", "[EMAIL]"), text)  # an address glued to a number is whole only now
        return Redaction(text, sorted(set(found)))


def redact_cards(run: str) -> tuple[str, int]:
    """``run`` (digits with single separators) with the Luhn-valid card numbers in it replaced.

    The whole run is a card when it has 13–19 digits and passes Luhn. In a longer run a
    card is a part laid out like one (4-4-4-4[-1…4], 4-6-5, 4-6-4, or one unbroken group)
    that starts and ends on a group boundary, so a number written just before it
    ("номер 2024 4111 1111 1111 1111") does not hide it. Overlapping candidates are
    redacted together: a few digits of context lost rather than part of a card kept."""
    groups = [(m.start(), m.end()) for m in DIGIT_GROUP.finditer(run)]
    whole = "".join(run[a:b] for a, b in groups)
    if 13 <= len(whole) <= 19 and luhn_valid(whole):
        return "[CARD]", 1
    spans: list[list[int]] = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += run[groups[last][0]:groups[last][1]]
            if len(digits) > 19:
                break
            lengths = [b - a for a, b in groups[first:last + 1]]
            if len(digits) >= 13 and _laid_out_like_a_card(lengths) and luhn_valid(digits):
                if spans and first <= spans[-1][1]:
                    spans[-1][1] = max(spans[-1][1], last)
                else:
                    spans.append([first, last])
    pieces, cursor = [], 0
    for first, last in spans:
        pieces += [run[cursor:groups[first][0]], "[CARD]"]
        cursor = groups[last][1]
    return "".join(pieces) + run[cursor:], len(spans)


def _laid_out_like_a_card(lengths: list[int]) -> bool:
    if len(lengths) == 1 or lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return len(lengths) >= 4 and all(length == 4 for length in lengths[:-1]) and 1 <= lengths[-1] <= 4
