"""Generated ru/en customer-message texts for calibrating and checking model builds.

Deterministic (seeded), written here rather than taken from any data set: short complaints
and questions with numbers, prices, emoji, odd spacing, typographic quotes and the
Unicode oddities that normalisation has to handle (full-width letters, ligatures, ё, NBSP).
"""

from __future__ import annotations

import random

RU_SUBJECTS = ["курьер", "оператор", "заказ", "приложение", "возврат", "промокод", "доставка", "магазин",
               "поддержка", "карта", "посылка", "подписка", "кэшбэк", "склад", "пункт выдачи", "менеджер"]
RU_PREDICATES = ["опоздал на два часа", "не отвечает уже третий день", "пришёл без половины товаров",
                 "вылетает при оплате", "до сих пор не оформлен", "не применяется в корзине",
                 "перенесли без предупреждения", "списали деньги дважды", "работает отлично, спасибо",
                 "потерялась где-то между складами", "не начислили бонусы", "ёлку привезли сломанной",
                 "отменили без объяснений", "был очень вежлив", "не может найти мой номер"]
RU_TAILS = ["Верните деньги!", "Что делать?", "Жду ответа.", "Спасибо!", "Это уже второй раз.",
            "Позвоните мне, пожалуйста.", "Больше не буду заказывать.", "Всё супер 👍", "Ужас 😡😡",
            "Сколько можно ждать???", "Номер заказа в чате.", ""]
EN_SUBJECTS = ["the courier", "support", "my order", "the app", "the refund", "the promo code", "delivery",
               "the store", "my card", "the parcel", "the subscription", "the pickup point", "the manager"]
EN_PREDICATES = ["was two hours late", "has not answered for three days", "arrived with half the items missing",
                 "crashes when I pay", "still has not been processed", "does not apply at checkout",
                 "was moved without notice", "charged me twice", "works great, thanks",
                 "got lost somewhere between warehouses", "did not add my bonus points", "was very polite",
                 "cannot find my phone number"]
EN_TAILS = ["Refund me!", "What should I do?", "Waiting for an answer.", "Thanks!", "Second time already.",
            "Please call me back.", "Never ordering again.", "All good 👍", "Awful 😡", "How long???", ""]
EXTRAS = ["№12345", "#A-778", "1 299,00 ₽", "$49.99", "15:30", "12.03.2024", "+7 (999) 123-45-67",
          "«доставлен»", "“delivered”", "ＦＵＬＬＷＩＤＴＨ", "ﬁnal", "café", "naïve", "Straße", "e-mail@example.com",
          "https://shop.example/orders/42", "x2", "100%", "½ кг", "…", "—", "Ⅻ", "ｶﾀｶﾅ", "中文", "Қазақша",
          "українською", "Ελληνικά", "\u00a0", "\u200b", "soft\u00adhyphen", "e\u0301", "™", "①", "²"]


def _sentence(rng: random.Random, russian: bool) -> str:
    subjects, predicates, tails = (RU_SUBJECTS, RU_PREDICATES, RU_TAILS) if russian else \
        (EN_SUBJECTS, EN_PREDICATES, EN_TAILS)
    sentence = f"{rng.choice(subjects)} {rng.choice(predicates)}"
    if rng.random() < 0.5:
        sentence = sentence[0].upper() + sentence[1:]
    if rng.random() < 0.1:
        sentence = sentence.upper()
    return f"{sentence}. {rng.choice(tails)}".strip()


def sample_texts(count: int, *, seed: int = 0, min_words: int = 0, max_words: int = 10_000) -> list[str]:
    """``count`` varied texts, two thirds Russian; optionally kept within a word-count range."""
    rng = random.Random(seed)
    texts: list[str] = []
    while len(texts) < count:
        russian = rng.random() < 0.67
        parts = [_sentence(rng, russian if rng.random() < 0.85 else not russian)
                 for _ in range(rng.randint(1, 4))]
        for _ in range(rng.choice([0, 0, 1, 2])):
            parts.insert(rng.randint(0, len(parts)), rng.choice(EXTRAS))
        separator = rng.choice([" ", " ", " ", "  ", "   ", " \t"])
        text = separator.join(parts)
        if min_words <= len(text.split()) <= max_words:
            texts.append(text)
    return texts
