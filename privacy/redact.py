"""PII redaction: phone numbers (Russian and international), e-mails, payment cards
(Luhn-checked), IBAN-like account numbers, Russian passport, SNILS and INN numbers.

Each match is replaced by a placeholder such as ``[PHONE]``; the result lists the kinds
found so the caller can record that personal data was present without keeping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-zА-Яа-я]{2,}(?![\w-])")
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s-]?)?(?:\(?\d{3,5}\)?[\s-]?)?\d{2,3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
    r"|(?<![\w+])(?:\+7|8)[\s-]?\(?\d{3}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
)
SNILS = re.compile(r"(?<!\d)\d{3}-\d{3}-\d{3}[\s-]\d{2}(?!\d)")
PASSPORT = re.compile(r"(?i)(?:паспорт\w*|passport)\D{0,15}(\d{2}\s?\d{2}\s?\d{6})(?!\d)")
INN = re.compile(r"(?i)(?:инн|inn)\D{0,5}(\d{10}|\d{12})(?!\d)")
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

        def card(match: re.Match) -> str:
            digits = re.sub(r"\D", "", match.group(0))
            if 13 <= len(digits) <= 19 and luhn_valid(digits):
                found.append("card")
                return "[CARD]"
            return match.group(0)

        text = EMAIL.sub(replace("email", "[EMAIL]"), text)
        text = IBAN.sub(replace("account", "[ACCOUNT]"), text)
        text = CARD.sub(card, text)
        text = PASSPORT.sub(replace("passport", "[PASSPORT]", 1), text)
        text = INN.sub(replace("inn", "[INN]", 1), text)
        text = SNILS.sub(replace("snils", "[SNILS]"), text)
        text = PHONE.sub(replace("phone", "[PHONE]"), text)
        return Redaction(text, sorted(set(found)))
