"""The taxonomy file: topics with owners, validated so that no contact is "nobody's"."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from core.errors import InvalidTextError, VocError
from core.text import clean_text, not_utf8_at

DEFAULT_TAXONOMY = Path(__file__).with_name("default_taxonomy.yaml")
UNKNOWN = "unknown"


class TaxonomyError(VocError):
    """A taxonomy file that cannot be used; the message names the file and the entry."""


def _identifier(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    if value != value.strip() or any(ch < " " or ch == "\x7f" for ch in value):
        raise ValueError(f"{value!r} must not start or end with spaces or hold control characters")
    if _shown(value) != value:  # two ids that look the same must be the same id
        raise ValueError(f"{value!r} holds invisible characters (zero-width, soft hyphen, bidi marks) or is not "
                         "in Unicode NFC form; type the id again")
    return value


def _visible(value: str) -> str:
    """Text an embedder accepts: not blank, not only invisible characters (those would fail routing)."""
    if not _shown(value):
        raise ValueError("must not be empty or blank (nor only invisible characters)")
    return value


def _optional_visible(value: str) -> str:
    return _visible(value) if value.strip() else value


def _shown(value: str) -> str:
    try:
        return clean_text(value)
    except InvalidTextError:
        return ""


Identifier = Annotated[str, AfterValidator(_identifier)]
Visible = Annotated[str, AfterValidator(_visible)]
OptionalVisible = Annotated[str, AfterValidator(_optional_visible)]
# A typo in a key ("ownr", "exmaples") is refused rather than ignored; a severity or version of
# another type (true, "3", 2.0) is refused rather than converted.
_STRICT = ConfigDict(extra="forbid")


class Owner(BaseModel):
    model_config = _STRICT

    id: Identifier
    name: str
    queue: Visible


class Topic(BaseModel):
    model_config = _STRICT

    id: Identifier
    names: dict[str, Visible] = Field(min_length=1)
    group: str = "other"
    owner: Identifier
    severity: int = Field(1, ge=1, le=4, strict=True)
    description: OptionalVisible = ""  # blank: the topic is known by its examples alone
    examples: list[Visible] = Field(default_factory=list)

    @property
    def name(self) -> str:
        return self.names.get("ru") or next(iter(self.names.values()))


class Taxonomy(BaseModel):
    model_config = _STRICT

    name: str = "taxonomy"
    version: StrictInt | StrictStr = 1
    owners: list[Owner] = Field(min_length=1)
    topics: list[Topic] = Field(min_length=1)
    # example messages about matters no topic covers (FAQ entries without a category, greetings, spam …):
    # a message that reads more like one of them than like anything the topics know is "unknown"
    outside: list[Visible] = Field(default_factory=list)
    digest: str = ""

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def owner(self, owner_id: str) -> Owner:
        for owner in self.owners:
            if owner.id == owner_id:
                return owner
        raise KeyError(owner_id)

    @property
    def label(self) -> str:
        """``name@version+digest``: what the API reports as the taxonomy version."""
        return f"{self.name}@{self.version}+{self.digest[:12]}"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_taxonomy(text: str, source: str) -> Taxonomy:
    stream = io.StringIO(text)
    stream.name = source  # YAML errors then say "in <source>, line …"
    try:
        data = yaml.load(stream, Loader=_UniqueKeyLoader)  # a SafeLoader
    except yaml.YAMLError as error:
        raise TaxonomyError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {_yaml_kind(data)}"
        raise TaxonomyError(f"{source}: expected a mapping with 'owners' and 'topics', found {found}")
    try:
        taxonomy = Taxonomy.model_validate({**data, "digest": hashlib.sha256(text.encode()).hexdigest()})
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = item["loc"]
            entry = _entry_name(data, location)
            message = item["msg"] if item["type"] != "extra_forbidden" else _unknown_key(location)
            if item["type"] == "string_type" and isinstance(item.get("input"), bool | int | float | date):
                value = item["input"]
                shown = value if isinstance(value, date) else repr(value)
                message += f" (unquoted, YAML reads this value as the {_yaml_kind(value)} {shown}: put it in quotes)"
            problems.append(f"{'.'.join(map(str, location))}{entry}: {message}")
        raise TaxonomyError(f"{source}: " + "; ".join(problems)) from error
    _check_references(taxonomy, source)
    return taxonomy


def _yaml_kind(value: object) -> str:
    kinds = ((bool, "boolean"), (int, "number"), (float, "number"), (date, "date"), (list, "list"), (str, "text"))
    return next((kind for type_, kind in kinds if isinstance(value, type_)), type(value).__name__)


def _entry_name(data: dict, location: tuple) -> str:
    if len(location) == 2 and location[0] == "outside" and isinstance(location[1], int):
        try:
            return f" (the entry {data['outside'][location[1]]!r})"
        except (IndexError, KeyError, TypeError):
            return ""
    if len(location) >= 2 and location[0] in ("topics", "owners") and isinstance(location[1], int):
        try:
            return f" (id {data[location[0]][location[1]].get('id')!r})"
        except (AttributeError, IndexError, KeyError, TypeError):
            return ""
    return ""


def _unknown_key(location: tuple) -> str:
    models: dict[object, type[BaseModel]] = {"topics": Topic, "owners": Owner}
    model = models.get(location[0], Taxonomy) if len(location) == 3 else Taxonomy
    known = [name for name in model.model_fields if name != "digest"]
    return f"unknown key (a typo?); the keys are {', '.join(known)}"


def _check_references(taxonomy: Taxonomy, source: str) -> None:
    for kind, items in (("owner", taxonomy.owners), ("topic", taxonomy.topics)):
        seen: dict[str, str] = {}  # case-folded id → id
        for item in items:
            earlier = seen.get(item.id.casefold())
            if earlier == item.id:
                raise TaxonomyError(f"{source}: {kind} id {item.id!r} appears more than once")
            if earlier is not None:
                raise TaxonomyError(f"{source}: {kind} ids {earlier!r} and {item.id!r} differ only in case; "
                                    "give one of them another id")
            seen[item.id.casefold()] = item.id
    owners = {owner.id for owner in taxonomy.owners}
    for topic in taxonomy.topics:
        if topic.owner not in owners:
            raise TaxonomyError(
                f"{source}: topic {topic.id!r} has owner {topic.owner!r}, which is not among the owners "
                f"{sorted(owners)}"
            )
        if topic.id.casefold() == UNKNOWN:
            raise TaxonomyError(f"{source}: the topic id {topic.id!r} is reserved for messages no topic covers "
                                f"({UNKNOWN!r}, in any case)")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    path = Path(path or DEFAULT_TAXONOMY)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise TaxonomyError(f"{path}: cannot read the taxonomy: {error}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte, offset, line = not_utf8_at(raw, error)
        raise TaxonomyError(f"{path}: not UTF-8 (byte 0x{byte:02x} at byte offset {offset}, line {line}); save the "
                            "taxonomy as UTF-8") from error
    return parse_taxonomy(text, str(path))
