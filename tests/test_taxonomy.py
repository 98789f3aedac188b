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
        # a typo in a key is refused, never ignored (here the examples would silently vanish)
        (GOOD.replace("examples:", "exmaples:"), "topics.0.exmaples (id 'late'): unknown key"),
        (GOOD.replace("queue: ops-q", "queue: ops-q, qeue: x"), "owners.0.qeue (id 'ops'): unknown key"),
        (GOOD + "ownrs: []\n", "ownrs: unknown key"),
        # a blank queue, name or id is as good as none
        (GOOD.replace("queue: ops-q", "queue: '  '"), "owners.0.queue (id 'ops')"),
        (GOOD.replace("{ru: Опоздание}", "{ru: ' '}"), "topics.0.names.ru (id 'late')"),
        (GOOD.replace("id: late", "id: ' late'"), "topics.0.id (id ' late')"),
        (GOOD.replace("owner: ops,", "owner: ' ops',"), "topics.0.owner (id 'late')"),
        # a severity of another type is not converted
        (GOOD.replace("severity: 3", "severity: true"), "topics.0.severity (id 'late')"),
        (GOOD.replace("severity: 3", "severity: '3'"), "topics.0.severity (id 'late')"),
        (GOOD.replace("severity: 3", "severity: 3.0"), "topics.0.severity (id 'late')"),
        # YAML keeps the last of two equal keys silently; the file is refused instead, at the line
        (GOOD.replace("severity: 3", "severity: 3, severity: 1"), "found the key 'severity' twice"),
        ("owners: [\n", 'in "company.yaml", line 2'),
        (GOOD + "  - {id: Late, names: {ru: X}, owner: ops}\n", "topic ids 'late' and 'Late' differ only in case"),
        # ids that look the same must be the same: no invisible characters, no other Unicode form
        (GOOD.replace("id: late", 'id: "late\\u200b"'), "topics.0.id (id 'late\\u200b'): Value error, "
                                                          "'late\\u200b' holds invisible characters"),
        (GOOD.replace("id: ops", 'id: "o\\u0306ps"'), "owners.0.id (id 'o\u0306ps'): Value error, 'o\u0306ps' holds"),
        # "unknown" is reserved in any case ("Unknown" would read as the same topic in a report)
        (GOOD.replace("id: late", "id: Unknown"), "the topic id 'Unknown' is reserved"),
        # an example or description the embedder refuses would fail routing at reload, naming nothing
        (GOOD.replace("[курьер опоздал]", "[курьер опоздал, '  ']"), "topics.0.examples.1 (id 'late'): Value error"),
        (GOOD.replace("[курьер опоздал]", '["\\u200b\\u00ad"]'), "topics.0.examples.0 (id 'late'): Value error"),
        (GOOD.replace("severity: 3,", 'severity: 3, description: "\\u200b",'), "topics.0.description (id 'late')"),
        # YAML's unquoted yes/no/on, numbers and dates are not text: say so, and how to write them
        (GOOD.replace("{ru: Опоздание}", "{ru: yes}"), "topics.0.names.ru (id 'late'): Input should be a valid string "
                                                      "(unquoted, YAML reads this value as the boolean True: put it "
                                                      "in quotes)"),
        (GOOD.replace("queue: ops-q", "queue: 1.5e+3"), "as the number 1500.0: put it in quotes"),
        (GOOD.replace("id: late", "id: 2024-05-01"), "as the date 2024-05-01: put it in quotes"),
        # what was found instead of the mapping
        ("", "expected a mapping with 'owners' and 'topics', found an empty file"),
        ("# only a comment\n", "found an empty file"),
        ("- just a list", "expected a mapping with 'owners' and 'topics', found a list"),
    ],
)
def test_bad_taxonomies_are_refused_naming_file_and_entry(text, fragment):
    with pytest.raises(TaxonomyError) as error:
        parse_taxonomy(text, "company.yaml")
    assert "company.yaml" in str(error.value) and fragment in str(error.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "company.yaml"
    path.write_bytes(GOOD.encode("cp1251"))
    with pytest.raises(TaxonomyError, match=r"company.yaml: not UTF-8 \(byte 0x\w\w at byte offset \d+, line 4\)"):
        load_taxonomy(path)


def test_the_workbench_reads_a_damaged_taxonomy_file_as_a_taxonomy_error(tmp_path):
    from workbench.taxonomy_file import TaxonomyFile

    edited = tmp_path / "taxonomy.yaml"
    edited.write_bytes("owners: []\n# Доставка\n".encode("cp1251"))
    with pytest.raises(TaxonomyError, match=r"taxonomy.yaml: not UTF-8 \(byte 0xc4 .* line 2\)"):
        TaxonomyFile(edited).read()
    assert TaxonomyFile(tmp_path / "not-yet-written.yaml").read().topics  # the seed until the first edit


def test_a_byte_order_mark_and_windows_line_ends_are_read_as_the_same_taxonomy(tmp_path):
    path = tmp_path / "company.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    taxonomy = load_taxonomy(path)
    assert [(t.id, t.owner, t.severity, t.examples) for t in taxonomy.topics] == [
        ("late", "ops", 3, ["курьер опоздал"])]
