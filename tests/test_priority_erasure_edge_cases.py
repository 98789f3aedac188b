"""Edge cases of the priority policy file and of erasure: a policy that would be misread is
refused, reasons add up to the score, and erasure refuses what would erase the wrong messages."""

import re
from datetime import UTC, datetime, timedelta
from itertools import product

import numpy as np
import pytest

from priority.policy import PolicyError, PrioritySignals, compute_priority, load_policy
from tests.test_api_erasure import ingest
from tests.test_api_messages import open_client
from tests.test_cli_erase import filled, remaining


def policy_file(tmp_path, text):
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def default_policy():
    return load_policy()


# -- the policy file --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "words"), [
    ("negativ_sentiment: 30\n", "negativ_sentiment: unknown key"),
    ("levels: {P1: 70, P2: 45, P3: 25, P0: 90}\n", "levels.P0: unknown key"),
    ("negative_sentiment: 500\n", "negative_sentiment"),
    ("negative_sentiment: .inf\n", "negative_sentiment"),
    ("negative_sentiment: true\n", "negative_sentiment"),
    ("negative_sentiment: '30'\n", "negative_sentiment"),
    ("segments: {vip: -10}\n", "segments.vip"),
    ("severity: {2: -5}\n", "severity.2"),
    ("severity: {9: 20}\n", "severity.9"),
    ("cluster_status: {new: -8}\n", "cluster_status.new"),
    ("cluster_status: {emerging: 8}\n", "cluster_status.emerging"),
    ("levels: {P1: 170, P2: 45, P3: 25}\n", "levels.P1"),
    ("repeat_window_days: 1000000\n", "repeat_window_days"),
    ("segments: {VIP: 10, vip: 5}\n", "given twice"),
    ("negative_sentiment: 30\nnegative_sentiment: 40\n", "found the key 'negative_sentiment' twice"),
])
def test_a_policy_that_would_be_misread_is_refused_naming_the_field(tmp_path, text, words):
    with pytest.raises(PolicyError, match="policy.yaml is invalid") as refused:
        load_policy(policy_file(tmp_path, text))
    assert words in str(refused.value)


@pytest.mark.parametrize(("text", "words"), [
    ("", "is empty"),
    ("# only a comment\n", "is empty"),
    ("- negative_sentiment\n- low_rating\n", "expected a mapping of settings"),
])
def test_an_empty_or_listed_policy_is_refused(tmp_path, text, words):
    with pytest.raises(PolicyError, match=words):
        load_policy(policy_file(tmp_path, text))


def test_a_folder_given_as_the_policy_is_a_policy_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy(tmp_path)


def test_missing_keys_take_the_documented_defaults(tmp_path, default_policy):
    assert load_policy(policy_file(tmp_path, "negative_sentiment: 30\n")) == default_policy.model_copy(
        update={"negative_sentiment": 30})


def test_segment_names_match_whatever_their_case(tmp_path):
    policy = load_policy(policy_file(tmp_path, "segments: {VIP: 10, New: 5}\n"))
    for segment in ("vip", "VIP", " Vip "):
        result = compute_priority(PrioritySignals(negative_probability=0.0, segment=segment), policy)
        assert result.score == 10 and result.reasons == [f"+10 customer segment '{segment.strip()}'"]


def points(reason):
    return int(re.match(r"([+-]\d+) ", reason).group(1))


@pytest.mark.parametrize(("text", "signals", "reasons"), [
    ("severity: {4: 30}\n", PrioritySignals(negative_probability=0.0, topic_severity=3), ["+12 severity 3"]),
    ("severity: {4: 30}\n", PrioritySignals(negative_probability=0.0, topic_severity=4), ["+30 severity 4"]),
    ("severity: {3: 0}\n", PrioritySignals(negative_probability=0.0, topic_severity=3), []),
    ("segments: {VIP: 20}\n", PrioritySignals(negative_probability=0.0, segment="new"),
     ["+5 customer segment 'new'"]),
    ("segments: {VIP: 20}\n", PrioritySignals(negative_probability=0.0, segment="vip"),
     ["+20 customer segment 'vip'"]),
    ("segments: {gold: 7}\n", PrioritySignals(negative_probability=0.0, segment="VIP"),
     ["+10 customer segment 'VIP'"]),
    ("cluster_status: {new: 12}\n", PrioritySignals(negative_probability=0.0, cluster_status="growing"),
     ["+10 growing cluster"]),
])
def test_a_mapping_given_in_part_keeps_the_default_of_every_key_it_leaves_out(tmp_path, text, signals, reasons):
    """As the policy file says of every key (and as levels: {P1: 80} already did): raising the points of
    critical topics must not silently take those of severity 2 and 3 away."""
    result = compute_priority(signals, load_policy(policy_file(tmp_path, text)))
    assert result.reasons == reasons


def test_half_points_round_up_the_same_in_the_score_and_the_reasons(tmp_path, default_policy):
    half = PrioritySignals(negative_probability=0.5)  # 17.5 points
    assert compute_priority(half, default_policy).reasons == ["+18 negative sentiment (50%)"]
    with_detractor = compute_priority(PrioritySignals(negative_probability=0.5, nps_detractor=True), default_policy)
    assert with_detractor.score == 23  # 22.5, not taken to the even 22
    assert with_detractor.reasons == ["+18 negative sentiment (50%)", "+5 NPS detractor"]
    policy = load_policy(policy_file(tmp_path, "nps_detractor: 44.5\n"))
    assert compute_priority(PrioritySignals(negative_probability=0.0, nps_detractor=True), policy).level == "P2"


def test_reasons_add_up_to_the_score(default_policy):
    grid = product((0.3, 0.55, 0.62, 0.77, 0.93), (None, 0.0, 0.13, 0.37), (None, 2, 3), (0, 1, 2), (None, "vip"),
                   (None, "new", "growing"))
    for negative, satisfaction, severity, repeats, segment, cluster in grid:
        signals = PrioritySignals(negative_probability=negative, satisfaction=satisfaction, topic_severity=severity,
                                  repeat_contacts=repeats, segment=segment, cluster_status=cluster)
        result = compute_priority(signals, default_policy)
        assert sum(points(reason) for reason in result.reasons) == result.score, (signals, result)


def test_a_score_held_at_100_says_what_the_cap_took(default_policy):
    signals = PrioritySignals(negative_probability=1.0, satisfaction=0.0, nps_detractor=True, topic_severity=4,
                              topic_name="Двойное списание", repeat_contacts=5, segment="VIP",
                              cluster_status="growing")
    result = compute_priority(signals, default_policy)
    assert result.score == 100 and result.level == "P1"
    assert result.reasons[-1] == "-25 capped: the score is at most 100"
    assert sum(points(reason) for reason in result.reasons) == 100
    assert compute_priority(signals, default_policy) == result


@pytest.mark.parametrize(("signals", "reason"), [
    (PrioritySignals(negative_probability=1.5), "+35 negative sentiment (100%)"),
    (PrioritySignals(negative_probability=0.0, satisfaction=-3.0), "+20 low rating (0% of the scale)"),
])
def test_no_component_gives_more_than_its_weight(default_policy, signals, reason):
    assert compute_priority(signals, default_policy).reasons == [reason]


# -- erasure over the API ---------------------------------------------------------------------


@pytest.fixture
def client(tiny_settings, tmp_path):
    with open_client(tiny_settings, tmp_path) as test_client:
        yield test_client


def test_a_blank_customer_id_is_refused_not_a_server_error(client):
    ingest(client, "kept", "c-1")
    answer = client.post("/v1/admin/erase", json={"customer_id": "   "})
    assert answer.status_code == 422 and "customer_id" in answer.text, answer.text
    assert client.get("/v1/messages/kept").status_code == 200


def test_a_future_limit_is_refused_naming_before(client):
    answer = client.post("/v1/admin/erase", json={"before": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "before" and "future" in answer.json()["detail"]


def test_deleting_the_id_of_a_cluster_example_whose_message_is_gone_reports_the_example(client):
    store = client.app.state.voc.store
    cluster = {"cluster_id": "k1", "examples": ["курьер опоздал", "другой"], "example_ids": ["gone", "x"]}
    store.clusters.upsert(["r1:k1"], np.eye(store.dimension, dtype=np.float32)[:1], [cluster])
    answer = client.delete("/v1/messages/gone")
    assert answer.status_code == 200 and answer.json() == {"deleted": 0, "examples_removed": 1}, answer.text
    (cluster,) = store.clusters.all(with_vectors=False)
    assert cluster.payload["examples"] == ["другой"] and cluster.payload["example_ids"] == ["x"]
    assert client.delete("/v1/messages/gone").status_code == 404


# -- erasure on the command line --------------------------------------------------------------


def test_an_empty_before_is_refused_not_read_as_no_limit(voc, tmp_path):
    folder = filled(tmp_path / "data")
    result = voc("erase", "--customer", "c-1", "--before", "", "--yes", "--data-dir", folder)
    assert result.exit_code == 2 and "--before" in result.stderr, result.output
    assert remaining(folder) == ["m-0", "m-1", "m-2"]
