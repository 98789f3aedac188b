"""Analyst actions: the taxonomy file gains and loses topics, versioned; decisions, audit log and undo."""

import pytest
import yaml

from store import open_store
from tests.workbench_fixtures import DIM, write_run
from topics.taxonomy import DEFAULT_TAXONOMY, TaxonomyError, load_taxonomy
from workbench import ConcurrentEditError, StaleRunError, UnknownClusterError, WorkbenchError, WorkbenchPaths
from workbench.actions import WorkbenchActions
from workbench.review import changes, review


@pytest.fixture
def store():
    with open_store("server", url=":memory:", dimension=DIM) as opened:
        yield opened


@pytest.fixture
def paths(tmp_path):
    return WorkbenchPaths.of(tmp_path / "data")


@pytest.fixture
def bench(store, paths):
    write_run(store, paths.state_dir)
    seen = []
    actions = WorkbenchActions(store, paths, on_taxonomy_change=seen.append)
    actions.seen = seen
    return actions


def promote(bench, **overrides):
    values = dict(owner="it", name_ru="Вылеты при оплате", name_en="Crash at checkout", group="app", severity=3,
                  who="anna")
    return bench.promote("c1-1", **{**values, **overrides})


def test_promote_writes_a_new_version_with_the_representatives_as_examples(bench, paths):
    entry = promote(bench)
    taxonomy = load_taxonomy(paths.taxonomy)
    topic = taxonomy.topic("crash_at_checkout")
    assert topic.owner == "it" and topic.severity == 3 and topic.names["ru"] == "Вылеты при оплате"
    assert topic.examples == ["Приложение вылетает при оплате", "Вылетает на экране оплаты"]
    assert taxonomy.version == 2 and entry["taxonomy_version"] == {"before": 1, "after": 2}
    assert (paths.taxonomy.with_name("taxonomy.history") / "0001.yaml").read_text() == DEFAULT_TAXONOMY.read_text()
    assert bench.seen and bench.seen[-1].version == 2
    assert entry["who"] == "anna" and entry["action"] == "promote" and entry["changes"][0]["before"] is None
    assert DEFAULT_TAXONOMY.read_text().count("crash_at_checkout") == 0  # the shipped file is never written


def test_undo_of_a_promotion_removes_the_topic_in_a_further_version(bench, paths):
    entry = promote(bench)
    undo = bench.undo(entry["n"], who="boris")
    taxonomy = load_taxonomy(paths.taxonomy)
    assert "crash_at_checkout" not in [t.id for t in taxonomy.topics] and taxonomy.version == 3
    assert undo["undo_of"] == entry["n"] and undo["who"] == "boris"
    assert [a["undone"] for a in bench.actions()] == [True, False]
    with pytest.raises(WorkbenchError, match="already been undone"):
        bench.undo(entry["n"])
    assert review(bench.store, paths)["clusters"][0]["decision"] is None


def test_unknown_owner_is_refused_and_nothing_is_written(bench, paths):
    with pytest.raises(WorkbenchError, match="owner: 'nobody' is not an owner"):
        promote(bench, owner="nobody")
    assert not paths.taxonomy.exists() and bench.actions() == []


def test_existing_topic_id_and_missing_names_are_refused(bench):
    with pytest.raises(WorkbenchError, match="topic_id: 'late_delivery' is already a topic"):
        promote(bench, topic_id="late_delivery")
    with pytest.raises(WorkbenchError, match="name_ru, name_en"):
        promote(bench, name_ru=" ", name_en="")


def test_map_adds_examples_to_the_existing_topic(bench, paths):
    bench.map_to_topic("c1-2", "late_delivery")
    topic = load_taxonomy(paths.taxonomy).topic("late_delivery")
    assert "Курьер опоздал на час" in topic.examples
    row = next(r for r in review(bench.store, paths)["clusters"] if r["cluster_id"] == "c1-2")
    assert row["topic"] == "late_delivery" and row["owner"] == "delivery" and row["mapping"] == "mapped"
    with pytest.raises(WorkbenchError, match="topic_id: 'nope' is not a topic"):
        bench.map_to_topic("c1-3", "nope")


def test_merge_folds_counts_and_refuses_itself(bench, paths):
    with pytest.raises(WorkbenchError, match="cannot merge cluster 'c1-1' with itself"):
        bench.merge("c1-1", ["c1-1"])
    bench.merge("c1-1", ["c1-3"])
    rows = {r["cluster_id"]: r for r in review(bench.store, paths)["clusters"]}
    assert "c1-3" not in rows and rows["c1-1"]["size"] == 40 and rows["c1-1"]["merged"] == ["c1-3"]
    assert rows["c1-1"]["sentiment_mix"] == {"negative": 0.5, "neutral": 0.5} and rows["c1-1"]["mean_rating"] == 0.3
    assert rows["c1-1"]["daily_counts"] == {"2024-05-01": 40}
    with pytest.raises(WorkbenchError, match="was merged into 'c1-1'"):
        bench.rename("c1-3", "x")
    entry = promote(bench)
    assert "Промокод не применяется" in load_taxonomy(paths.taxonomy).topic("crash_at_checkout").examples
    assert entry["clusters"] == ["c1-1"]


def test_rename_and_noise_change_the_review_and_undo_restores(bench, paths):
    bench.rename("c1-2", "Опоздания курьеров")
    noise = bench.mark_noise("c1-1")
    rows = review(bench.store, paths)["clusters"]
    assert rows[-1]["cluster_id"] == "c1-1" and rows[-1]["noise"]
    assert next(r for r in rows if r["cluster_id"] == "c1-2")["name"] == "Опоздания курьеров"
    bench.undo(noise["n"])
    assert not any(r["noise"] for r in review(bench.store, paths)["clusters"])


def test_undo_is_refused_when_a_later_action_changed_the_same_cluster(bench):
    first = bench.rename("c1-2", "first")
    bench.rename("c1-2", "second")
    with pytest.raises(ConcurrentEditError, match="undo the later actions first"):
        bench.undo(first["n"])


def test_cluster_ids_of_a_superseded_run_and_unknown_ids(bench, paths, store):
    write_run(store, paths.state_dir, sequence=2, cluster_ids=("c1-1", "c1-2"))
    with pytest.raises(StaleRunError, match="'c1-3' belongs to run 'r1', superseded by 'r2'"):
        bench.rename("c1-3", "x")
    with pytest.raises(StaleRunError, match="run_id: run 'r1' has been superseded"):
        bench.rename("c1-1", "x", run_id="r1")
    with pytest.raises(UnknownClusterError, match="'c9-9' is not in the run in force"):
        bench.rename("c9-9", "x")
    with pytest.raises(StaleRunError, match="others: cluster 'c1-3'"):
        bench.merge("c1-1", ["c1-3"])


def test_a_stale_taxonomy_version_is_a_concurrent_edit(bench, paths):
    promote(bench, expected_version=1)
    with pytest.raises(ConcurrentEditError, match="at version 2, not 1"):
        bench.map_to_topic("c1-2", "late_delivery", expected_version=1)
    assert load_taxonomy(paths.taxonomy).version == 2


def test_an_edit_lock_held_elsewhere_is_a_concurrent_edit(bench, paths):
    bench.taxonomy_file.lock_wait_s = 0.2
    other = WorkbenchActions(bench.store, paths).taxonomy_file
    with other.locked(), pytest.raises(ConcurrentEditError, match="being edited by another process"):
        promote(bench)


def test_a_failed_write_leaves_the_previous_version_whole(bench, paths, monkeypatch):
    promote(bench)
    before = paths.taxonomy.read_text()

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("workbench.atomic.os.replace", broken)
    with pytest.raises(OSError):
        bench.map_to_topic("c1-2", "late_delivery")
    assert paths.taxonomy.read_text() == before
    assert not [p for p in paths.taxonomy.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(bench.actions()) == 1


def test_an_invalid_hand_edit_is_refused_naming_the_file(bench, paths):
    promote(bench)
    data = yaml.safe_load(paths.taxonomy.read_text())
    data["topics"][0]["owner"] = "ghost"
    paths.taxonomy.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(TaxonomyError, match="taxonomy.yaml: topic 'damaged_item' has owner 'ghost'"):
        bench.rename("c1-1", "x")


def test_changes_since_the_previous_run(bench, paths, store):
    write_run(store, paths.state_dir, sequence=2, sizes={"c1-1": 40, "c1-2": 20, "c1-3": 20})
    report = changes(paths)
    assert report["previous_run_id"] == "r1"
    assert report["grown"] == [{"cluster_id": "c1-1", "before": 20, "after": 40}]


def test_review_ranks_emerging_first_with_a_debt_score(bench, paths):
    rows = review(bench.store, paths)["clusters"]
    assert rows[0]["cluster_id"] == "c1-3" and rows[0]["emerging"]
    assert all(0 <= r["debt"] <= 100 for r in rows) and [r["rank"] for r in rows] == [1, 2, 3]


def test_a_chain_of_merges_keeps_every_message_in_the_review(bench, paths):
    total = sum(r["size"] for r in review(bench.store, paths)["clusters"])
    bench.merge("c1-3", ["c1-2"])
    bench.merge("c1-1", ["c1-3"])
    rows = {r["cluster_id"]: r for r in review(bench.store, paths)["clusters"]}
    assert list(rows) == ["c1-1"] and rows["c1-1"]["size"] == total
    assert rows["c1-1"]["merged"] == ["c1-2", "c1-3"]
    entry = promote(bench)
    examples = load_taxonomy(paths.taxonomy).topic("crash_at_checkout").examples
    assert "Курьер опоздал на час" in examples and "Промокод не применяется" in examples
    assert entry["clusters"] == ["c1-1"]


def test_a_cluster_is_promoted_once(bench, paths):
    promote(bench)
    with pytest.raises(WorkbenchError, match="already promoted to topic 'crash_at_checkout'"):
        promote(bench, topic_id="crash_again")
    assert "crash_again" not in [t.id for t in load_taxonomy(paths.taxonomy).topics]


def test_undoing_a_promotion_is_refused_while_another_cluster_is_mapped_to_its_topic(bench, paths):
    created = promote(bench)
    bench.map_to_topic("c1-2", "crash_at_checkout", add_examples=False)
    with pytest.raises(ConcurrentEditError, match="cluster 'c1-2' was mapped to topic 'crash_at_checkout'"):
        bench.undo(created["n"])
    assert "crash_at_checkout" in [t.id for t in load_taxonomy(paths.taxonomy).topics]


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad\u200e", "\x00", " \ufeff "])
def test_names_of_only_invisible_characters_are_refused(bench, paths, invisible):
    with pytest.raises(WorkbenchError, match="name_ru, name_en"):
        promote(bench, name_ru=invisible, name_en=invisible)
    with pytest.raises(WorkbenchError, match="name: give a name"):
        bench.rename("c1-2", invisible)
    assert bench.actions() == []


def test_a_group_of_only_invisible_characters_becomes_other(bench, paths):
    promote(bench, group="\u200b")
    assert load_taxonomy(paths.taxonomy).topic("crash_at_checkout").group == "other"


def test_a_name_without_letters_or_digits_still_gives_a_valid_topic_id(bench, paths):
    entry = promote(bench, name_ru="!!!", name_en="???")
    assert entry["params"]["topic_id"] == "topic_c1_1"
    assert load_taxonomy(paths.taxonomy).topic("topic_c1_1").names == {"ru": "!!!", "en": "???"}


def test_a_russian_name_alone_gives_an_id_spelt_in_latin_letters(bench, paths):
    entry = promote(bench, name_ru="Постамат не открывается, ячейка №5", name_en="")
    assert entry["params"]["topic_id"] == "postamat_ne_otkryvaetsya_yachejka_5"
    assert load_taxonomy(paths.taxonomy).topic("postamat_ne_otkryvaetsya_yachejka_5").names["ru"].startswith("Постамат")


def test_undoing_an_undo_puts_the_action_back_in_force(bench, paths):
    entry = promote(bench)
    undo = bench.undo(entry["n"])
    redo = bench.undo(undo["n"])
    assert "crash_at_checkout" in [t.id for t in load_taxonomy(paths.taxonomy).topics]
    assert {a["n"]: a["undone"] for a in bench.actions()} == {entry["n"]: False, undo["n"]: True, redo["n"]: False}
    again = bench.undo(entry["n"])
    assert "crash_at_checkout" not in [t.id for t in load_taxonomy(paths.taxonomy).topics]
    assert {a["n"]: a["undone"] for a in bench.actions()}[entry["n"]] is True and again["undo_of"] == entry["n"]
