"""Careless and hostile use of the workbench: hand edits, undo chains, the shipped taxonomy."""

import shutil

import pytest
import yaml

from core.settings import Settings
from tests import test_workbench_actions as actions_tests
from tests import test_workbench_api as api_tests
from tests.test_workbench_actions import promote
from tests.test_workbench_api import ANALYST, locker_cluster, route
from topics.taxonomy import DEFAULT_TAXONOMY, TaxonomyError, load_taxonomy
from workbench import ConcurrentEditError, WorkbenchError, WorkbenchPaths
from workbench.review import review

store, paths, bench, client = actions_tests.store, actions_tests.paths, actions_tests.bench, api_tests.client


@pytest.fixture(scope="module")
def settings(built_models_dir, tmp_path_factory):
    """The service configured with the shipped taxonomy itself (VOC_TAXONOMY=topics/default_taxonomy.yaml)."""
    return Settings(models_dir=built_models_dir, data_dir=tmp_path_factory.mktemp("data"), taxonomy=DEFAULT_TAXONOMY,
                    tokens={"ingest-secret": ["ingest"], "analyst-secret": ["analyst"]})


@pytest.fixture
def shipped_guard():
    """Puts the shipped taxonomy back whatever a test did to it."""
    shipped = DEFAULT_TAXONOMY.read_bytes()
    yield shipped
    if DEFAULT_TAXONOMY.read_bytes() != shipped:
        DEFAULT_TAXONOMY.write_bytes(shipped)
    shutil.rmtree(DEFAULT_TAXONOMY.with_name("default_taxonomy.history"), ignore_errors=True)
    DEFAULT_TAXONOMY.with_name(".default_taxonomy.yaml.lock").unlink(missing_ok=True)


@pytest.mark.integration
def test_a_configured_shipped_taxonomy_is_copied_not_written(client, settings, shipped_guard):
    review_, cluster = locker_cluster(client)
    answer = client.post(f"/v1/clusters/{cluster['cluster_id']}:promote", headers=ANALYST, json={
        "owner": "delivery", "topic_id": "parcel_locker", "name_ru": "Постамат не открывается",
        "taxonomy_version": review_["taxonomy_version"]})
    assert answer.status_code == 200, answer.text
    try:
        assert DEFAULT_TAXONOMY.read_bytes() == shipped_guard
        assert load_taxonomy(settings.data_dir / "taxonomy.yaml").topic("parcel_locker").owner == "delivery"
        topic = route(client, "probe-after-promote")
        assert (topic["topic_id"], topic["owner"]) == ("parcel_locker", "delivery")
        assert "parcel_locker" in [t["id"] for t in client.get("/v1/topics", headers=ANALYST).json()["topics"]]
    finally:
        undone = client.post(f"/v1/workbench/actions/{answer.json()['n']}:undo", headers=ANALYST, json={})
        assert undone.status_code == 200, undone.text


def test_reviewing_before_any_run_is_not_found(tmp_path):
    with pytest.raises(WorkbenchError, match="no clustering run yet") as caught:
        review(None, WorkbenchPaths.of(tmp_path))
    assert caught.value.status == 404


def test_a_taxonomy_broken_by_hand_is_a_conflict_pointing_at_the_history(bench, paths):
    promote(bench)
    paths.taxonomy.write_text(paths.taxonomy.read_text() + "\n  - broken: [yes\n")
    for act in (lambda: bench.rename("c1-2", "x"), lambda: review(bench.store, paths), lambda: bench.undo(1)):
        with pytest.raises(TaxonomyError, match="not valid YAML") as caught:
            act()
        assert caught.value.status == 409 and "taxonomy.history" in str(caught.value)


def test_redoing_a_merge_cannot_merge_two_clusters_into_each_other(bench, paths):
    first = bench.merge("c1-1", ["c1-2"])
    undo = bench.undo(first["n"])
    bench.merge("c1-2", ["c1-1"])
    with pytest.raises(ConcurrentEditError, match="'c1-2' into 'c1-1', which has been merged into 'c1-2'"):
        bench.undo(undo["n"])
    rows = {r["cluster_id"]: r for r in review(bench.store, paths)["clusters"]}
    assert rows["c1-2"]["merged"] == ["c1-1"]
    assert bench.rename("c1-2", "still usable")["clusters"] == ["c1-2"]


def test_redoing_a_map_onto_a_topic_undone_since_is_refused(bench, paths):
    created = promote(bench)
    mapped = bench.map_to_topic("c1-2", "crash_at_checkout", add_examples=False)
    unmapped = bench.undo(mapped["n"])
    bench.undo(created["n"])
    with pytest.raises(ConcurrentEditError, match="topic 'crash_at_checkout', which is no longer in the taxonomy"):
        bench.undo(unmapped["n"])
    row = next(r for r in review(bench.store, paths)["clusters"] if r["cluster_id"] == "c1-2")
    assert row["topic"] is None


def test_undoing_a_merge_whose_examples_a_later_promotion_took_is_refused(bench, paths):
    merged = bench.merge("c1-1", ["c1-3"])
    promoted = promote(bench)
    assert "Промокод не применяется" in load_taxonomy(paths.taxonomy).topic("crash_at_checkout").examples
    with pytest.raises(ConcurrentEditError, match=f"went into topic 'crash_at_checkout' by action {promoted['n']}"):
        bench.undo(merged["n"])
    bench.undo(promoted["n"])
    bench.map_to_topic("c1-1", "late_delivery", add_examples=False)
    assert bench.undo(merged["n"])["undo_of"] == merged["n"]


def _edit_topics(paths, edit):
    data = yaml.safe_load(paths.taxonomy.read_text())
    data["topics"] = [t for t in (edit(t) for t in data["topics"]) if t]
    paths.taxonomy.write_text(yaml.safe_dump(data, allow_unicode=True))


def test_the_review_shows_the_owner_the_taxonomy_names_now(bench, paths):
    promote(bench)
    _edit_topics(paths, lambda t: {**t, "owner": "support"} if t["id"] == "crash_at_checkout" else t)
    row = next(r for r in review(bench.store, paths)["clusters"] if r["cluster_id"] == "c1-1")
    assert (row["topic"], row["owner"], row["topic_missing"]) == ("crash_at_checkout", "support", False)
    _edit_topics(paths, lambda t: None if t["id"] == "crash_at_checkout" else t)
    row = next(r for r in review(bench.store, paths)["clusters"] if r["cluster_id"] == "c1-1")
    assert row["owner"] is None and row["topic_missing"] is True


def test_a_cluster_whose_topic_was_removed_by_hand_can_be_promoted_again(bench, paths):
    first = promote(bench)
    _edit_topics(paths, lambda t: None if t["id"] == "crash_at_checkout" else t)
    with pytest.raises(ConcurrentEditError, match="changed outside the workbench after action 1"):
        bench.undo(first["n"])
    promote(bench, topic_id="crash_again")
    assert load_taxonomy(paths.taxonomy).topic("crash_again").owner == "it"


def test_undo_blocked_by_a_later_action_names_it(bench):
    first = bench.rename("c1-2", "first")
    second = bench.rename("c1-2", "second")
    with pytest.raises(ConcurrentEditError, match=f"by action {second['n']}\\); undo the later actions first"):
        bench.undo(first["n"])


def test_names_and_who_are_kept_on_one_line(bench, paths):
    entry = promote(bench, name_ru="Вылеты\nпри\t\tоплате", group="app\n", who=" \u200b ")
    topic = load_taxonomy(paths.taxonomy).topic("crash_at_checkout")
    assert topic.names["ru"] == "Вылеты при оплате" and topic.group == "app" and entry["params"]["group"] == "app"
    assert entry["who"] == "analyst"
    assert bench.rename("c1-2", "Курьер\r\nопоздал")["params"]["name"] == "Курьер опоздал"


def test_a_very_long_topic_name_is_refused_locally_as_over_http(bench, paths):
    with pytest.raises(WorkbenchError, match="at most 200 characters"):
        promote(bench, name_en="x" * 201)
    assert bench.actions() == []
