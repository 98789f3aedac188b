"""The client-debt report: topics and unmapped clusters of a period, ranked with every component shown."""

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from cli.main import app as cli_app
from clustering.debt import WEIGHTS
from jobs.debt_report import debt_report, read_order_counts
from jobs.state import current_clusters, read_current
from store import MessageFilter, open_store
from tests.test_jobs_recluster import DIM, NOW, fill, messages, run

SINCE = NOW - timedelta(days=30)


@pytest.fixture
def store():
    with open_store("server", url=":memory:", dimension=DIM) as opened:
        yield opened


def seed(store):
    """Topics 0–3 with 80 neutral messages each over 35 days; topic 3 made negative and repeated by two
    customers; 40 messages of an unmapped problem (no topic on arrival) in the last 5 days."""
    fill(store, topics=(0, 1, 2), per_topic=80, days=35)
    angry, vectors = messages(3, 80, days=35, customer_pool=2, sentiment="negative")
    store.messages.upsert(angry, vectors)
    fresh, vectors = messages(4, 40, days=5)
    store.messages.upsert(fresh, vectors)


def test_every_contact_counts_once_under_its_topic_or_unmapped_cluster(store, tmp_path):
    seed(store)
    run(store, tmp_path, until=NOW)
    report = debt_report(store, tmp_path, SINCE, NOW)
    rows = {row["key"]: row for row in report["rows"]}
    in_period = store.messages.count(MessageFilter(created_from=SINCE, created_to=NOW))
    assert report["contacts"] == in_period == sum(r["contacts"] for r in rows.values())
    assert abs(sum(r["share_of_contacts"] for r in rows.values()) - 1) < 1e-3
    unmapped = [r for r in report["rows"] if r["kind"] == "unmapped"]
    assert len(unmapped) == 1 and unmapped[0]["contacts"] == 40
    assert unmapped[0]["mapping"] == "unmapped: candidate new topic" and unmapped[0]["cluster_id"]
    assert {"topic:topic-0", "topic:topic-1", "topic:topic-2", "topic:topic-3"} <= set(rows)
    angry = rows["topic:topic-3"]
    assert angry["components"]["negative"] == 1.0 and angry["components"]["repeat"] == 1.0
    assert rows["topic:topic-0"]["components"]["negative"] == 0.0
    assert angry["owner"] == "team-3" and angry["topic"] == "topic-3"
    assert set(angry["components"]) == {"volume", "share", "repeat", "negative", "rating", "complaints", "growth"}
    # the unmapped problem is all in the last week: the highest growth of all rows
    assert unmapped[0]["components"]["growth"] == max(r["components"]["growth"] for r in report["rows"])
    assert report["rows"][0]["key"] in ("topic:topic-3", unmapped[0]["key"])
    assert [r["rank"] for r in report["rows"]] == list(range(1, len(rows) + 1))
    scores = [r["score"] for r in report["rows"]]
    assert scores == sorted(scores, reverse=True)


def test_analysts_decisions_decide_where_a_cluster_counts(store, tmp_path):
    seed(store)
    run(store, tmp_path, until=NOW)
    plain = debt_report(store, tmp_path, SINCE, NOW)
    (unmapped,) = [r for r in plain["rows"] if r["kind"] == "unmapped"]
    cluster_id, before = unmapped["cluster_id"], {r["key"]: r["contacts"] for r in plain["rows"]}

    renamed = debt_report(store, tmp_path, SINCE, NOW, decisions={cluster_id: {"name": "Постамат не открывается"}})
    assert [r["name"] for r in renamed["rows"] if r["kind"] == "unmapped"] == ["Постамат не открывается"]

    mapped = debt_report(store, tmp_path, SINCE, NOW, decisions={
        cluster_id: {"topic": "topic-1", "owner": "team-9", "decision": "mapped"}})
    rows = {r["key"]: r for r in mapped["rows"]}
    assert not [r for r in mapped["rows"] if r["kind"] == "unmapped"] and mapped["unmapped_clusters"] == 0
    assert rows["topic:topic-1"]["contacts"] == before["topic:topic-1"] + unmapped["contacts"]
    assert mapped["contacts"] == plain["contacts"] == sum(r["contacts"] for r in mapped["rows"])

    noise = debt_report(store, tmp_path, SINCE, NOW, decisions={cluster_id: {"noise": True}})
    assert {r["kind"] for r in noise["rows"]} == {"topic"} and noise["contacts"] == plain["contacts"]

    other = next(c for c in read_current(tmp_path).cluster_ids if c != cluster_id)
    merged = debt_report(store, tmp_path, SINCE, NOW, decisions={other: {"merged_into": cluster_id}})
    (row,) = [r for r in merged["rows"] if r["kind"] == "unmapped"]
    assert row["cluster_id"] == cluster_id and row["contacts"] > unmapped["contacts"]
    assert merged["contacts"] == plain["contacts"]


def test_a_cluster_merged_into_a_mapped_one_counts_under_its_topic(store, tmp_path):
    seed(store)
    run(store, tmp_path, until=NOW)
    plain = debt_report(store, tmp_path, SINCE, NOW)
    mapped = {item.payload["topic"]: item.payload["cluster_id"]
              for item in current_clusters(store, tmp_path, with_vectors=False) if item.payload.get("topic")}
    assert {"topic-0", "topic-1"} <= set(mapped), mapped
    merged = debt_report(store, tmp_path, SINCE, NOW, decisions={mapped["topic-0"]: {"merged_into": mapped["topic-1"]}})
    before = {r["key"]: r["contacts"] for r in plain["rows"]}
    after = {r["key"]: r["contacts"] for r in merged["rows"]}
    moved = store.messages.count(MessageFilter(created_from=SINCE, created_to=NOW, cluster_id=mapped["topic-0"]))
    assert moved > 0 and after["topic:topic-1"] == before["topic:topic-1"] + moved
    assert after.get("topic:topic-0", 0) == before["topic:topic-0"] - moved


def test_before_any_run_every_message_counts_under_its_topic(store, tmp_path):
    seed(store)
    report = debt_report(store, tmp_path, SINCE, NOW)
    assert report["run_id"] is None and {r["kind"] for r in report["rows"]} == {"topic"}
    assert "topic:unknown" in {r["key"] for r in report["rows"]}  # topic 4 was given none


def test_orders_add_contacts_per_thousand(store, tmp_path):
    seed(store)
    report = debt_report(store, tmp_path, SINCE, NOW, orders=20_000)
    row = report["rows"][0]
    assert row["contacts_per_1000_orders"] == round(1000 * row["contacts"] / 20_000, 3)
    with pytest.raises(ValueError, match="orders"):
        debt_report(store, tmp_path, SINCE, NOW, orders=0)


def test_order_counts_are_summed_over_the_days_of_the_period(tmp_path):
    path = tmp_path / "orders.csv"
    days = [(NOW - timedelta(days=d)).date().isoformat() for d in range(1, 41)]
    path.write_text("date,orders,shop\n" + "".join(f"{d},100,main\n" for d in days), encoding="utf-8")
    assert read_order_counts(path, SINCE, NOW) == 30 * 100
    bad = tmp_path / "bad.csv"
    bad.write_text("day,count\n2024-05-01,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'date' and 'orders'"):
        read_order_counts(bad, SINCE, NOW)
    bad.write_text("date,orders\nyesterday,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        read_order_counts(bad, SINCE, NOW)


@pytest.fixture
def data_dir(tmp_path):
    """An embedded store with a run in force, closed again (as when no service runs)."""
    folder = tmp_path / "data"
    with open_store("embedded", path=folder / "store", dimension=DIM) as embedded:
        seed(embedded)
        run(embedded, folder / "clusters", until=NOW)
    return folder


def cli(data_dir, tiny_model_dir, *args):
    return CliRunner().invoke(cli_app, ["report", "debt", "--data-dir", str(data_dir), "--model", str(tiny_model_dir),
                                        "--models-dir", str(tiny_model_dir.parent), "--until", NOW.isoformat(),
                                        *args])


def test_cli_reads_the_embedded_store_when_no_service_runs(data_dir, tiny_model_dir, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("date,orders\n" + "".join(f"{(NOW - timedelta(days=d)).date()},50\n" for d in range(1, 31)),
                      encoding="utf-8")
    result = cli(data_dir, tiny_model_dir, "--period", "30d", "--orders", str(orders), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["orders"] == 1500 and report["run_id"] == "r1"
    assert {r["kind"] for r in report["rows"]} == {"topic", "unmapped"}
    assert all("contacts_per_1000_orders" in r for r in report["rows"])
    table = cli(data_dir, tiny_model_dir, "--since", SINCE.isoformat())
    assert table.exit_code == 0, table.output
    assert "unmapped" in table.stdout and "per 1k orders" not in table.stdout and "negative" in table.stdout


def test_cli_says_when_the_service_holds_the_store(data_dir, tiny_model_dir):
    with open_store("embedded", path=data_dir / "store", dimension=DIM):
        result = cli(data_dir, tiny_model_dir)
    assert result.exit_code == 3
    assert "already open" in result.stderr and "/v1/report/debt" in result.stderr


@pytest.mark.parametrize("args, field", [(["--period", "30x"], "--period"),
                                         (["--period", "7d", "--since", "2024-05-01"], "--period or --since"),
                                         (["--orders", "missing.csv"], "--orders"),
                                         (["--since", "yesterday"], "ISO date")])
def test_cli_bad_input_names_the_option(data_dir, tiny_model_dir, args, field):
    result = cli(data_dir, tiny_model_dir, *args)
    assert result.exit_code == 2 and field in result.stderr and "Traceback" not in result.output


def test_sentiment_and_rating_come_from_the_messages(store, tmp_path):
    batch, vectors = messages(0, 30, days=20)
    rated = [replace(m, rating=1.0, extra={"rating_scale": "stars_1_5"}) for m in batch]
    store.messages.upsert(rated, vectors)
    (row,) = debt_report(store, tmp_path, SINCE, NOW)["rows"]
    assert row["components"]["rating"] == 1.0 and row["contacts"] == 30  # every customer gave the lowest score


def test_complaints_count_when_marked_and_stay_out_of_the_score_when_nothing_is(store, tmp_path):
    plain, vectors = messages(0, 30, days=20)
    store.messages.upsert(plain, vectors)
    other, other_vectors = messages(1, 30, days=20)
    store.messages.upsert(other, other_vectors)
    unmarked = {r["key"]: r for r in debt_report(store, tmp_path, SINCE, NOW)["rows"]}
    assert {r["components"]["complaints"] for r in unmarked.values()} == {0.0}

    def score(row, weights):
        return 100 * sum(weights[k] * row["components"][k] for k in weights) / sum(weights.values())

    without = {k: v for k, v in WEIGHTS.items() if k != "complaints"}
    # ranked as if there were no such component
    assert all(abs(r["score"] - score(r, without)) < 0.01 for r in unmarked.values())

    flagged = [replace(m, extra={"analysis": {"metadata": {"complaint": "да" if i % 2 else True}}})
               for i, m in enumerate(other[:10])]
    sourced = [replace(m, source="complaint_form") for m in other[10:15]]
    not_flagged = [replace(m, extra={"analysis": {"metadata": {"complaint": False}}}) for m in other[15:20]]
    store.messages.upsert(flagged + sourced + not_flagged, other_vectors[:20])
    marked = {r["key"]: r for r in debt_report(store, tmp_path, SINCE, NOW)["rows"]}
    assert marked["topic:topic-1"]["components"]["complaints"] == round(15 / 30, 4)
    assert marked["topic:topic-0"]["components"]["complaints"] == 0.0
    assert all(abs(r["score"] - score(r, WEIGHTS)) < 0.01 for r in marked.values())
    assert unmarked["topic:topic-1"]["score"] == unmarked["topic:topic-0"]["score"]  # alike but for the marks
    assert marked["topic:topic-1"]["score"] > marked["topic:topic-0"]["score"]
    assert [r["key"] for r in marked.values()][0] == "topic:topic-1"


def test_a_topics_owner_is_the_one_the_taxonomy_in_force_names(store, tmp_path):
    """A topic's owner may change after its messages were routed or a cluster was mapped to it: the
    ranking shows the owner the taxonomy names now; topics it lacks keep their messages' owner."""
    seed(store)
    run(store, tmp_path, until=NOW)
    plain = debt_report(store, tmp_path, SINCE, NOW)
    (unmapped,) = [r for r in plain["rows"] if r["kind"] == "unmapped"]
    decisions = {unmapped["cluster_id"]: {"topic": "topic-1", "owner": "team-9", "decision": "mapped"}}
    decided = {r["key"]: r["owner"] for r in debt_report(store, tmp_path, SINCE, NOW, decisions=decisions)["rows"]}
    assert decided["topic:topic-1"] == "team-1" and decided["topic:topic-0"] == "team-0"  # what the messages say
    rows = debt_report(store, tmp_path, SINCE, NOW, decisions=decisions,
                       topic_owners={"topic-1": "finance", "topic-0": None})["rows"]
    owners = {r["key"]: r["owner"] for r in rows}
    assert owners["topic:topic-1"] == "finance" and owners["topic:topic-0"] is None
    untouched = [key for key in owners if key.startswith("topic:") and key not in ("topic:topic-1", "topic:topic-0")]
    assert untouched and all(owners[key] == decided[key] for key in untouched)
