"""DEMO DATA — synthetic support messages written for VOC Radar; no real customer wrote them.

`demo_messages(today)` generates about 340 short Russian and English messages across eight
problems over the five weeks before ``today``, deterministically (same day, same messages),
in the body format of ``POST /v1/messages``. Six problems are steady and covered by the
default taxonomy; two are not covered ("the parcel locker does not open", new in the last
eight days and growing; "a subscription renewed without asking", steady) — the clusters an
analyst would promote to new topics.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

SOURCE = "voc-demo"


@dataclass(frozen=True)
class Problem:
    key: str
    count: int
    first_day: int  # days before today the problem starts (35 = the whole period)
    ratings: tuple[int, ...]
    templates: tuple[str, ...]


FILL = {
    "hours": ["два часа", "полтора часа", "три часа", "час"], "hours_en": ["two hours", "an hour", "three hours"],
    "item": ["яйца", "молоко", "помидоры", "бутылку масла", "торт"], "item_en": ["eggs", "milk", "the cake", "a jar"],
    "sum": ["1 290", "845", "2 310", "560"], "days": ["две недели", "десять дней", "неделю", "три недели"],
    "code": ["SALE20", "WELCOME", "SPRING15", "BONUS10"], "locker": ["на Ленина", "у метро", "в ТЦ", "возле дома"],
}

PROBLEMS = (
    Problem("late_delivery", 48, 35, (1, 2, 2, 3), (
        "Курьер опоздал на {hours}, заказ до сих пор не привезли",
        "Доставку обещали к 10, а привезли на {hours} позже",
        "Опять опоздание доставки на {hours}, продукты уже не нужны",
        "Заказ задерживается уже на {hours}, где курьер?",
        "Курьер приехал на {hours} позже обещанного времени",
        "The courier was {hours_en} late again",
        "My delivery arrived {hours_en} after the promised slot")),
    Problem("payment_problem", 42, 35, (1, 1, 2), (
        "С карты списали деньги дважды за один заказ, {sum} рублей",
        "Двойное списание {sum} ₽, верните вторую оплату",
        "Оплата прошла два раза, на карте минус {sum}",
        "Списали {sum} рублей два раза, а заказ один",
        "I was charged twice for the same order",
        "Double charge on my card for one order")),
    Problem("refund", 40, 35, (1, 2, 2, 3), (
        "Жду возврат денег уже {days}, где мои {sum} рублей?",
        "Возврат за отменённый заказ не пришёл уже {days}",
        "Деньги за возврат так и не вернули, прошло {days}",
        "Когда вернут деньги за отменённый заказ? Жду {days}",
        "Still waiting for my refund after two weeks",
        "Where is my refund for the cancelled order?")),
    Problem("damaged_item", 38, 35, (1, 2, 3), (
        "Привезли разбитые {item}, всё в пакете залито",
        "Товар пришёл повреждённым: разбитые {item}",
        "В заказе помятые {item}, упаковка порвана",
        "Курьер привёз {item} раздавленными",
        "The {item_en} arrived broken and leaking",
        "My {item_en} came crushed in the bag")),
    Problem("promo_codes", 36, 35, (2, 3, 3, 4), (
        "Промокод {code} не применяется к заказу",
        "Не работает промокод {code}, пишет недействителен",
        "Скидка по промокоду {code} не сработала при оплате",
        "Ввожу промокод {code}, а скидки нет",
        "The promo code {code} does not work",
        "My discount code {code} was not applied")),
    Problem("app_error", 36, 35, (1, 2, 2, 3), (
        "Приложение вылетает при открытии корзины",
        "После обновления приложение зависает на экране оплаты",
        "Не могу оформить заказ, приложение выдаёт ошибку",
        "Приложение закрывается само, когда добавляю товар",
        "The app crashes when I open the cart",
        "App keeps freezing on the checkout screen")),
    Problem("parcel_locker", 62, 8, (1, 1, 2), (
        "Постамат {locker} не открывается, код не подходит",
        "Ячейка постамата не открылась, заказ внутри",
        "Пришёл код для постамата {locker}, а дверца не открывается",
        "Постамат пишет ошибку, не могу забрать посылку",
        "Не открывается ячейка в постамате {locker}, что делать?",
        "The parcel locker won't open with my code",
        "Locker door stays shut, my order is stuck inside")),
    Problem("subscription_renewal", 38, 35, (1, 2, 2), (
        "Подписку продлили без моего согласия, списали {sum} рублей",
        "Автопродление подписки списало {sum} ₽, я не просил",
        "Отключите автопродление подписки, опять списание {sum}",
        "Списали деньги за подписку, хотя я её отменил",
        "My subscription renewed automatically without asking",
        "You charged me for a subscription I cancelled")),
)

CHANNELS = ("chat", "chat", "app_review", "email", "survey", "social")


def demo_messages(today: date | None = None, seed: int = 7) -> list[dict[str, Any]]:
    """The demo messages for the five weeks before ``today`` (UTC), oldest first."""
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for problem in PROBLEMS:
        for index in range(problem.count):
            day = _day(rng, problem, index)
            at = datetime.combine(today - timedelta(days=day), time(8), UTC) + timedelta(minutes=rng.randrange(720))
            template = problem.templates[rng.randrange(len(problem.templates))]
            text = template.format(**{k: rng.choice(v) for k, v in FILL.items()})
            channel = rng.choice(CHANNELS)
            row: dict[str, Any] = {
                "id": f"demo-{problem.key}-{index:03d}", "text": text, "channel": channel, "source": SOURCE,
                "created_at": at.isoformat(), "customer": {"id": f"demo-customer-{rng.randrange(160):03d}"},
                "metadata": {"demo": True}}
            if channel in ("app_review", "survey"):
                row["rating"] = rng.choice(problem.ratings)
                row["rating_scale"] = "stars_1_5" if channel == "app_review" else "csat_1_5"
            rows.append(row)
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    return rows


def _day(rng: random.Random, problem: Problem, index: int) -> int:
    """Days before today (1 = yesterday): uniform for steady problems; rising towards today for new ones."""
    if problem.first_day >= 35:
        return rng.randrange(1, 36)
    share = (index + 1) / problem.count
    return max(1, int(problem.first_day * (1 - share ** 0.5)))
