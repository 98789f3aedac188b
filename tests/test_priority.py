import pytest

from priority.policy import PolicyError, PrioritySignals, compute_priority, load_policy


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_calm_positive_message_is_lowest(policy):
    result = compute_priority(PrioritySignals(negative_probability=0.05, satisfaction=1.0), policy)
    assert result.score == 0 and result.level == "P4" and result.reasons == []


def test_angry_vip_repeat_detractor_is_p1_with_reasons(policy):
    signals = PrioritySignals(
        negative_probability=0.95, satisfaction=0.0, nps_detractor=True, topic_severity=4,
        topic_name="Двойное списание", repeat_contacts=2, segment="VIP",
    )
    result = compute_priority(signals, policy)
    assert result.level == "P1" and result.score == 100
    text = " ".join(result.reasons)
    for fragment in ("negative sentiment", "low rating", "NPS detractor", "severity 4", "repeat contact",
                     "frequent contacter", "segment 'VIP'"):
        assert fragment in text


def test_more_negative_means_higher_priority(policy):
    scores = [compute_priority(PrioritySignals(negative_probability=p), policy).score for p in (0.4, 0.6, 0.9)]
    assert scores[0] < scores[1] < scores[2]


def test_growing_cluster_adds_points(policy):
    base = compute_priority(PrioritySignals(negative_probability=0.7), policy)
    growing = compute_priority(PrioritySignals(negative_probability=0.7, cluster_status="growing"), policy)
    assert growing.score > base.score and any("growing cluster" in r for r in growing.reasons)


def test_deterministic(policy):
    signals = PrioritySignals(negative_probability=0.8, satisfaction=0.25, topic_severity=3)
    assert compute_priority(signals, policy) == compute_priority(signals, policy)


def test_invalid_policy_names_the_file(tmp_path):
    bad = tmp_path / "policy.yaml"
    bad.write_text("levels: {P1: 10, P2: 45, P3: 25}\n")
    with pytest.raises(PolicyError, match="policy.yaml is invalid"):
        load_policy(bad)
