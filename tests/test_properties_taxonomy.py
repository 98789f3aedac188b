"""Property tests for the taxonomy loader (topics/taxonomy.py)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from topics.taxonomy import TaxonomyError, parse_taxonomy

ids = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(lambda s: s != "unknown")
names = st.text(st.characters(categories=("Lu", "Ll", "Nd", "Zs")), min_size=1, max_size=20).filter(str.strip)


@st.composite
def taxonomies(draw) -> dict:
    owner_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    topic_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    return {
        "name": draw(ids),
        "version": draw(st.integers(1, 99)),
        "owners": [{"id": o, "name": draw(names), "queue": f"{o}-q"} for o in owner_ids],
        "topics": [{"id": t, "names": {"ru": draw(names), "en": draw(names)}, "owner": draw(st.sampled_from(owner_ids)),
                    "severity": draw(st.integers(1, 4)), "examples": draw(st.lists(names, max_size=3))}
                   for t in topic_ids],
    }


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@given(taxonomies())
def test_a_valid_taxonomy_loads_as_written(data):
    text = dump(data)
    taxonomy = parse_taxonomy(text, "t.yaml")
    assert [t.id for t in taxonomy.topics] == [t["id"] for t in data["topics"]]
    assert [(t.owner, t.severity, t.examples) for t in taxonomy.topics] == [
        (t["owner"], t["severity"], t["examples"]) for t in data["topics"]]
    for topic in data["topics"]:
        assert taxonomy.owner(taxonomy.topic(topic["id"]).owner).queue == f"{topic['owner']}-q"
    assert taxonomy.label == parse_taxonomy(text, "other.yaml").label
    assert taxonomy.label.startswith(f"{data['name']}@{data['version']}+")


@given(taxonomies(), st.sampled_from(["duplicate_topic", "duplicate_owner", "unknown_owner", "no_owner",
                                      "bad_severity", "reserved_id", "no_names", "empty_queue"]), st.data())
def test_a_broken_entry_is_refused_naming_the_file_and_the_entry(data, fault, draw):
    topic = draw.draw(st.sampled_from(data["topics"]))
    if fault == "duplicate_topic":
        data["topics"].append(dict(topic))
    elif fault == "duplicate_owner":
        data["owners"].append(dict(data["owners"][0]))
    elif fault == "unknown_owner":
        topic["owner"] = "nobody_" + topic["owner"]
    elif fault == "no_owner":
        del topic["owner"]
    elif fault == "bad_severity":
        topic["severity"] = draw.draw(st.one_of(st.integers(max_value=0), st.integers(min_value=5)))
    elif fault == "reserved_id":
        topic["id"] = "unknown"
    elif fault == "no_names":
        topic["names"] = {}
    elif fault == "empty_queue":
        data["owners"][0]["queue"] = ""
    with pytest.raises(TaxonomyError) as raised:
        parse_taxonomy(dump(data), "broken.yaml")
    message = str(raised.value)
    assert message.startswith("broken.yaml: ")
    expected = {"duplicate_owner": data["owners"][0]["id"], "empty_queue": "queue"}.get(fault, topic["id"])
    assert expected in message


@given(st.text(max_size=400))
def test_any_text_loads_or_fails_with_a_taxonomy_error(text):
    try:
        parse_taxonomy(text, "any.yaml")
    except TaxonomyError as error:
        assert str(error).startswith("any.yaml: ")
