import pytest

from topics.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

GOOD = """
owners: [{id: ops, name: Ops, queue: ops-q}]
topics:
  - {id: late, names: {ru: Опоздание}, owner: ops, severity: 3, examples: [курьер опоздал]}
"""


def test_default_taxonomy_gives_every_topic_an_owner_with_a_queue():
    taxonomy = load_taxonomy()
    assert len(taxonomy.topics) >= 19
    for topic in taxonomy.topics:
        owner = taxonomy.owner(topic.owner)
        assert owner.queue and topic.examples and topic.description
    assert {"late_delivery", "refund", "payment_problem", "delivered_not_received", "pharmacy", "other"} <= {
        t.id for t in taxonomy.topics}


def test_version_label_changes_with_the_file():
    first = parse_taxonomy(GOOD, "a.yaml")
    second = parse_taxonomy(GOOD.replace("severity: 3", "severity: 4"), "a.yaml")
    assert first.label != second.label


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (GOOD.replace("owner: ops,", "owner: nobody,"), "topic 'late' has owner 'nobody'"),
        (GOOD.replace("owner: ops, ", ""), "id 'late'"),
        (GOOD + "  - {id: late, names: {ru: X}, owner: ops}\n", "topic id 'late' appears more than once"),
        (GOOD.replace("severity: 3", "severity: 9"), "severity"),
        ("owners: [\n", "not valid YAML"),
        ("- just a list", "expected a mapping"),
        (GOOD.replace("id: late", "id: unknown"), "reserved"),
    ],
)
def test_bad_taxonomies_are_refused_naming_file_and_entry(text, fragment):
    with pytest.raises(TaxonomyError) as error:
        parse_taxonomy(text, "company.yaml")
    assert "company.yaml" in str(error.value) and fragment in str(error.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "nope.yaml")
