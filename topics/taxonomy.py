"""The taxonomy file: topics with owners, validated so that no contact is "nobody's"."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from core.errors import VocError

DEFAULT_TAXONOMY = Path(__file__).with_name("default_taxonomy.yaml")
UNKNOWN = "unknown"


class TaxonomyError(VocError):
    """A taxonomy file that cannot be used; the message names the file and the entry."""


class Owner(BaseModel):
    id: str = Field(min_length=1)
    name: str
    queue: str = Field(min_length=1)


class Topic(BaseModel):
    id: str = Field(min_length=1)
    names: dict[str, str] = Field(min_length=1)
    group: str = "other"
    owner: str = Field(min_length=1)
    severity: int = Field(1, ge=1, le=4)
    description: str = ""
    examples: list[str] = Field(default_factory=list)

    @property
    def name(self) -> str:
        return self.names.get("ru") or next(iter(self.names.values()))


class Taxonomy(BaseModel):
    name: str = "taxonomy"
    version: int | str = 1
    owners: list[Owner] = Field(min_length=1)
    topics: list[Topic] = Field(min_length=1)
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


def parse_taxonomy(text: str, source: str) -> Taxonomy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TaxonomyError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise TaxonomyError(f"{source}: expected a mapping with 'owners' and 'topics'")
    try:
        taxonomy = Taxonomy.model_validate({**data, "digest": hashlib.sha256(text.encode()).hexdigest()})
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = item["loc"]
            entry = _entry_name(data, location)
            problems.append(f"{'.'.join(map(str, location))}{entry}: {item['msg']}")
        raise TaxonomyError(f"{source}: " + "; ".join(problems)) from error
    _check_references(taxonomy, source)
    return taxonomy


def _entry_name(data: dict, location: tuple) -> str:
    if len(location) >= 2 and location[0] in ("topics", "owners") and isinstance(location[1], int):
        try:
            return f" (id {data[location[0]][location[1]].get('id')!r})"
        except (AttributeError, IndexError, KeyError, TypeError):
            return ""
    return ""


def _check_references(taxonomy: Taxonomy, source: str) -> None:
    for kind, items in (("owner", taxonomy.owners), ("topic", taxonomy.topics)):
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                raise TaxonomyError(f"{source}: {kind} id {item.id!r} appears more than once")
            seen.add(item.id)
    owners = {owner.id for owner in taxonomy.owners}
    for topic in taxonomy.topics:
        if topic.owner not in owners:
            raise TaxonomyError(
                f"{source}: topic {topic.id!r} has owner {topic.owner!r}, which is not among the owners "
                f"{sorted(owners)}"
            )
        if topic.id == UNKNOWN:
            raise TaxonomyError(f"{source}: the topic id {UNKNOWN!r} is reserved for messages no topic covers")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    path = Path(path or DEFAULT_TAXONOMY)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TaxonomyError(f"{path}: cannot read the taxonomy: {error}") from error
    return parse_taxonomy(text, str(path))
