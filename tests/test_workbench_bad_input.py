"""An analyst's mistakes and crashes midway: each refused with the field named, nothing half-written."""

import json
import os
import shutil

import pytest
import yaml

from tests import test_workbench_actions as actions_tests
from tests.test_workbench_actions import promote
from tests.workbench_fixtures import write_run
from topics.taxonomy import DEFAULT_TAXONOMY, load_taxonomy
from workbench import WorkbenchError, WorkbenchPaths
from workbench.actions import WorkbenchActions

store, paths, bench = actions_tests.store, actions_tests.paths, actions_tests.bench
CRASH = "Приложение вылетает при оплате"  # a representative message of cluster c1-1


def _nothing_written(bench, paths):
    assert not paths.taxonomy.exists() and not paths.decisions.exists() and bench.actions() == []


@pytest.mark.parametrize("topic_id", ["постамат", "Parcel_Locker", "UNKNOWN", "parcel locker", "parcel\u200b",
                                      "   ", "- x", "a\nb", "x" * 65, 123])
def test_promote_refuses_a_topic_id_the_api_refuses(bench, paths, topic_id):
    with pytest.raises(WorkbenchError, match="topic_id: .* is not a topic id: use 1 … 64 lowercase") as caught:
        promote(bench, topic_id=topic_id)
    assert caught.value.status == 422
    _nothing_written(bench, paths)


def test_promote_refuses_an_id_that_differs_from_a_topic_only_in_case(bench, paths):
    data = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    data["topics"] = [{**t, "id": "Refund"} if t["id"] == "refund" else t for t in data["topics"]]
    paths.taxonomy.parent.mkdir(parents=True, exist_ok=True)
    paths.taxonomy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = paths.taxonomy.read_bytes()
    with pytest.raises(WorkbenchError, match="topic_id: 'refund' is already a topic \\(as 'Refund'"):
        promote(bench, name_en="Refund", name_ru="Возврат")
    assert paths.taxonomy.read_bytes() == before and bench.actions() == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("severity", "3", "severity: must be a whole number 1 … 4, got '3'"),
    ("severity", 2.7, "severity: must be a whole number 1 … 4, got 2.7"),
    ("severity", True, "severity: must be a whole number 1 … 4, got True"),
    ("severity", None, "severity: must be a whole number 1 … 4, got None"),
    ("owner", None, "owner: expected text, got NoneType"),
    ("description", 5, "description: expected text, got int"),
    ("name_en", ["Crash"], "name_en: expected text, got list"),
])
def test_promote_refuses_values_of_the_wrong_type_naming_the_field(bench, paths, field, value, message):
    with pytest.raises(WorkbenchError, match=message):
        promote(bench, **{field: value})
    _nothing_written(bench, paths)


def test_merge_refuses_one_string_for_the_list_of_others(bench, paths):
    with pytest.raises(WorkbenchError, match="others: give a list of cluster ids, got 'c1-2'"):
        bench.merge("c1-1", "c1-2")
    _nothing_written(bench, paths)


def test_undo_refuses_an_action_number_that_is_not_a_number(bench):
    entry = bench.rename("c1-2", "x")
    with pytest.raises(WorkbenchError, match="n: expected an action number .* got '1'"):
        bench.undo(str(entry["n"]))
    assert [a["undone"] for a in bench.actions()] == [False]


def test_mapping_a_cluster_again_moves_its_examples_out_of_the_first_topic(bench, paths):
    first = bench.map_to_topic("c1-1", "refund")
    bench.map_to_topic("c1-1", "late_delivery")
    taxonomy = load_taxonomy(paths.taxonomy)
    assert CRASH not in taxonomy.topic("refund").examples and CRASH in taxonomy.topic("late_delivery").examples
    assert taxonomy.topic("refund").examples == load_taxonomy(DEFAULT_TAXONOMY).topic("refund").examples
    bench.undo(first["n"] + 1)
    taxonomy = load_taxonomy(paths.taxonomy)
    assert CRASH in taxonomy.topic("refund").examples and CRASH not in taxonomy.topic("late_delivery").examples


def test_promoting_a_mapped_cluster_moves_its_examples_to_the_new_topic(bench, paths):
    bench.map_to_topic("c1-1", "refund")
    promote(bench)
    taxonomy = load_taxonomy(paths.taxonomy)
    assert CRASH not in taxonomy.topic("refund").examples and CRASH in taxonomy.topic("crash_at_checkout").examples


def test_mapping_a_promoted_cluster_to_another_topic_is_refused(bench, paths):
    promote(bench)
    with pytest.raises(WorkbenchError, match="was promoted to topic 'crash_at_checkout'.*undo that promotion"):
        bench.map_to_topic("c1-1", "refund")
    assert CRASH not in load_taxonomy(paths.taxonomy).topic("refund").examples and len(bench.actions()) == 1


def test_a_decisions_write_that_fails_puts_the_taxonomy_back(bench, paths, monkeypatch):
    real_replace = os.replace

    def replace(source, target):
        if str(target).endswith("decisions.json"):
            raise OSError("disk full")
        return real_replace(source, target)

    monkeypatch.setattr("workbench.atomic.os.replace", replace)
    with pytest.raises(OSError, match="disk full"):
        promote(bench)
    assert not paths.taxonomy.exists() and bench.actions() == [] and not bench.seen
    assert not list(paths.taxonomy.with_name("taxonomy.history").glob("*.yaml"))
    monkeypatch.undo()
    assert promote(bench)["params"]["topic_id"] == "crash_at_checkout"  # not "already a topic"


def test_an_audit_entry_that_cannot_be_written_undoes_the_whole_action(bench, paths, monkeypatch):
    promote(bench)
    taxonomy, decisions, log = (p.read_bytes() for p in (paths.taxonomy, paths.decisions, paths.actions))

    real_fsync = os.fsync

    def fsync(fd):  # the audit entry's line reached the file, but cannot be made durable
        if os.readlink(f"/proc/self/fd/{fd}").endswith("actions.jsonl"):
            raise OSError("disk full")
        return real_fsync(fd)

    monkeypatch.setattr("workbench.audit.os.fsync", fsync)
    with pytest.raises(OSError, match="disk full"):
        bench.map_to_topic("c1-2", "late_delivery")
    assert (paths.taxonomy.read_bytes(), paths.decisions.read_bytes(), paths.actions.read_bytes()) == (
        taxonomy, decisions, log)
    assert sorted(p.stem for p in paths.taxonomy.with_name("taxonomy.history").glob("*.yaml")) == ["0001"]


def test_an_audit_line_cut_short_by_a_crash_does_not_swallow_the_next_entry(bench, paths):
    bench.rename("c1-1", "first")
    with paths.actions.open("a", encoding="utf-8") as handle:
        handle.write('{"n": 2, "at": "2024-05-01T00:00:00+00:00", "who": "an')  # the process died here
    second = bench.rename("c1-2", "second")
    third = bench.rename("c1-3", "third")
    assert [(a["n"], a["params"]["name"]) for a in bench.actions()] == [(1, "first"), (2, "second"), (3, "third")]
    assert (second["n"], third["n"]) == (2, 3)
    assert all(json.loads(line) for line in paths.actions.read_text(encoding="utf-8").splitlines())


def test_a_whole_last_entry_without_its_line_break_is_kept(bench, paths):
    bench.rename("c1-1", "first")
    paths.actions.write_bytes(paths.actions.read_bytes().rstrip(b"\n"))  # an editor that drops the last newline
    bench.rename("c1-2", "second")
    assert [a["params"]["name"] for a in bench.actions()] == ["first", "second"]


def test_a_version_copied_back_from_the_history_does_not_reuse_later_version_numbers(bench, paths):
    promote(bench)                                          # version 2
    bench.map_to_topic("c1-2", "late_delivery")             # version 3; the history keeps 0001 and 0002
    history = paths.taxonomy.with_name("taxonomy.history")
    second = (history / "0002.yaml").read_bytes()
    shutil.copy(history / "0001.yaml", paths.taxonomy)      # the documented way back to a good version
    entry = promote(bench, topic_id="crash_again")
    assert entry["taxonomy_version"] == {"before": 1, "after": 3}
    assert (history / "0002.yaml").read_bytes() == second


def test_a_taxonomy_configured_through_a_symbolic_link_is_edited_where_it_lives(store, tmp_path):
    company = tmp_path / "company" / "taxonomy.yaml"
    company.parent.mkdir()
    shutil.copy(DEFAULT_TAXONOMY, company)
    link = tmp_path / "taxonomy-link.yaml"
    link.symlink_to(company)
    linked = WorkbenchPaths.of(tmp_path / "data", link)
    write_run(store, linked.state_dir)
    promote(WorkbenchActions(store, linked))
    assert link.is_symlink() and load_taxonomy(company).topic("crash_at_checkout").owner == "it"
