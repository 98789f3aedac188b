"""Deterministic benchmark texts: customer-support style sentences of 10–40 words, ru and en."""

from __future__ import annotations

import random

RU = (
    "курьер опоздал на два часа и даже не позвонил заказ привезли без половины товаров "
    "деньги за отменённый заказ до сих пор не вернули промокод не применяется в корзине "
    "приложение вылетает при оплате картой списали деньги дважды хочу перенести доставку на завтра "
    "пакет был порван яйца разбиты молоко просрочено оператор долго не отвечал в чате спасибо "
    "за быструю доставку всё отлично бонусные баллы не начислились после покупки"
).split()
EN = (
    "the courier was two hours late and did not call my order arrived without half of the items "
    "the refund for the cancelled order has not arrived yet the promo code does not apply at checkout "
    "the app crashes when I pay by card I was charged twice please reschedule my delivery to tomorrow "
    "the bag was torn eggs broken milk expired support took ages to answer thanks for the fast delivery"
).split()


def make_texts(count: int, *, min_words: int = 10, max_words: int = 40, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for index in range(count):
        words = RU if index % 3 else EN
        texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(min_words, max_words))))
    return texts


SHORT_TEXT = "Курьер опоздал на два часа"
