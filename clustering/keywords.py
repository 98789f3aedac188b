"""c-TF-IDF keywords per cluster over Russian lemmas (pymorphy3) and lower-cased English words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
STOP = set("""
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от меня
еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь там
потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже
себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас
были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего
них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более
всегда конечно всю между это весь свой который мочь мой наш ваш очень здравствуйте пожалуйста спасибо добрый день
the and for you your with this that are was were have has had not but can what all any there their they them from
how why when where which who will would could should about into out our just than then too very also does did
please thanks thank hello hi get got use using want need
""".split())


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def normal_form(word: str) -> str:
    if re.match(r"[а-яё]", word):
        return _morph().parse(word)[0].normal_form
    return word[:-1] if word.endswith("s") and len(word) > 4 else word


def terms(text: str) -> list[str]:
    words = (normal_form(w) for w in WORD.findall(text.lower()))
    return [w for w in words if w not in STOP and len(w) > 2]


def ctfidf_keywords(texts: Sequence[str], labels: np.ndarray, top: int = 8) -> dict[int, list[str]]:
    """Top terms of each cluster by c-TF-IDF: term frequency in the class × log(1 + A / f(term))."""
    from sklearn.feature_extraction.text import CountVectorizer

    clusters = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    if not clusters:
        return {}
    documents = [" ".join(" ".join(terms(texts[i])) for i in np.where(labels == c)[0]) for c in clusters]
    vectorizer = CountVectorizer(token_pattern=r"\S+", min_df=1)
    counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    if counts.size == 0:
        return {c: [] for c in clusters}
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    average = counts.sum() / len(clusters)
    idf = np.log(1 + average / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    vocabulary = np.asarray(vectorizer.get_feature_names_out())
    keywords = {}
    for row, cluster in enumerate(clusters):
        order = [j for j in np.argsort(-scores[row])[:top] if scores[row, j] > 0]
        keywords[cluster] = [str(vocabulary[j]) for j in order]
    return keywords
