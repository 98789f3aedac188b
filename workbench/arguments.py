"""Checking and tidying what an analyst passes to an action: names, ids, owners, texts."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from core.errors import InvalidTextError
from core.text import clean_text
from topics.taxonomy import Taxonomy, Topic
from workbench.errors import WorkbenchError


def one_line(text: str | None) -> str:
    """``text`` visible (see ``shown_text``) on one line: runs of whitespace become one space."""
    return " ".join(shown_text(text).split())


def clean_texts(texts: list[str]) -> list[str]:
    return [shown for t in texts if (shown := " ".join(shown_text(t).split()))]


def shown_text(text: str | None) -> str:
    """``text`` without invisible and control characters and surrounding space ('' when nothing is left)."""
    try:
        return clean_text(text or "")
    except InvalidTextError:
        return ""


def check_owner(taxonomy: Taxonomy, owner: str) -> None:
    known = [o.id for o in taxonomy.owners]
    if owner not in known:
        raise WorkbenchError(f"owner: {owner!r} is not an owner of the taxonomy; owners are {known}")


# Cyrillic letters in Latin ones for ids derived from a Russian (or Ukrainian, Belarusian, Kazakh) name
_LATIN = str.maketrans({
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdezijklmnoprstufye")),
    "ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ь": "", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ә": "a", "ғ": "g", "қ": "k", "ң": "n",
    "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
})


def topic_id_from_name(text: str) -> str:
    """An id from a name: lower case, Cyrillic spelt in Latin letters, anything else as '_'."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower().translate(_LATIN)).strip("_")[:48]


TOPIC_ID = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")


def check_topic_id(topic_id: object) -> None:
    """The rule the HTTP API applies (``PromoteRequest.topic_id``), so that both modes accept the same ids."""
    if topic_id is None or topic_id == "":
        return
    if not isinstance(topic_id, str) or not TOPIC_ID.fullmatch(topic_id):
        raise WorkbenchError(f"topic_id: {topic_id!r} is not a topic id: use 1 … 64 lowercase Latin letters, digits "
                             "and '_', starting with a letter or digit (e.g. 'parcel_locker'); leave it out to "
                             "derive one from name_en")


def check_text(field: str, value: object) -> None:
    if not isinstance(value, str):
        raise WorkbenchError(f"{field}: expected text, got {type(value).__name__} {value!r}")


def new_topic(**fields: Any) -> Topic:
    try:
        return Topic(**fields)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise WorkbenchError(f"the new topic {fields.get('id')!r} is not valid: {problems}") from None
