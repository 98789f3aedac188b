"""Cluster routes on a tiny model: runs on demand, the registry, client debt, and new messages joining a cluster."""

import json
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient

from clustering import CentroidModel, ClusterPipeline, HdbscanClusterer, NoReduction
from jobs.state import read_current, run_dir
from service.app import create_app
from tests.test_api_messages import TAXONOMY

NOW = datetime.now(UTC)
GROUPS = {"a": [f"w{i}" for i in range(0, 9)], "b": [f"w{i}" for i in range(20, 29)],
          "c": [f"w{i}" for i in range(40, 49)]}


def text(group: str, i: int) -> str:
    """Three words every message of the group shares, and one of six others."""
    words = GROUPS[group]
    return " ".join([*words[:3], words[3 + i % 6]])


def batch(group: str, count: int, days: float, start: int = 0, **fields) -> list[dict]:
    return [{"id": f"{group}-{start + i}", "text": text(group, i), "channel": "chat" if i % 2 else "email",
             "created_at": (NOW - timedelta(days=days * (i + 0.5) / count)).isoformat(),
             "customer": {"id": f"cust-{group}-{i % 4}"}, **fields} for i in range(count)]


def fast_pipeline(settings):
    return ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=settings.min_cluster_size))


@pytest.fixture
def app_settings(tiny_settings, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    return lambda **extra: tiny_settings(taxonomy=taxonomy, **extra)


@pytest.fixture
def client(app_settings):
    with TestClient(create_app(app_settings())) as test_client:
        test_client.app.state.voc.clusters.pipeline_factory = fast_pipeline
        yield test_client


def ingest(client, messages):
    for start in range(0, len(messages), 50):
        response = client.post("/v1/messages:batch", json={"messages": messages[start:start + 50]})
        assert response.status_code == 200 and response.json()["rejected"] == 0, response.text


def seeded_run(client):
    ingest(client, batch("a", 40, days=25) + batch("b", 30, days=25) + batch("c", 20, days=4))
    response = client.post("/v1/admin/recluster", json={"since": "30d", "min_cluster_size": 10})
    assert response.status_code == 200, response.text
    return response.json()["report"]


def test_before_any_run_the_list_is_empty_and_a_cluster_is_a_clear_404(client):
    listed = client.get("/v1/clusters?status=emerging")
    assert listed.status_code == 200
    assert listed.json()["clusters"] == [] and listed.json()["run_id"] is None
    assert "no clustering run yet" in listed.json()["detail"]
    missing = client.get("/v1/clusters/c1-1")
    assert missing.status_code == 404 and "no clustering run yet" in missing.json()["detail"]
    assert client.get("/v1/admin/recluster").json()["state"] == "idle"
    assert client.get("/v1/report/debt").json()["rows"] == []


def test_a_run_fills_the_registry_and_new_messages_get_its_centroid_rule(client):
    report = seeded_run(client)
    assert report["clusters"] == 3 and report["messages"] == 90 and report["run_id"] == "r1"
    assert client.get("/v1/admin/recluster").json()["report"]["run_id"] == "r1"

    listed = client.get("/v1/clusters").json()
    assert listed["run_id"] == "r1" and listed["total"] == 3 and listed["rank_by"] == "size"
    assert [c["size"] for c in listed["clusters"]] == sorted((c["size"] for c in listed["clusters"]), reverse=True)
    page = client.get("/v1/clusters?limit=1&offset=1").json()
    assert page["total"] == 3 and [c["id"] for c in page["clusters"]] == [listed["clusters"][1]["id"]]

    emerging = client.get("/v1/clusters?status=emerging").json()
    assert emerging["rank_by"] == "growth" and len(emerging["clusters"]) == 1
    fresh = emerging["clusters"][0]
    assert fresh["status"] == "new" and fresh["emerging"] and fresh["size"] == 20
    assert client.get("/v1/clusters?status=stable").json()["total"] == 2

    detail = client.get(f"/v1/clusters/{fresh['id']}").json()
    assert detail["examples"] and all(e.startswith("w40 w41 w42") for e in detail["examples"])
    assert all(i.startswith("c-") for i in detail["example_ids"]) and isinstance(detail["keywords"], list)
    assert sum(detail["daily_counts"].values()) == 20 and detail["channels"] == {"chat": 10, "email": 10}
    assert detail["mapping"] in ("mapped", "unmapped: candidate new topic") and detail["first_seen"]
    assert abs(sum(detail["sentiment_mix"].values()) - 1) < 1e-3 and "z" in detail["sentiment_trend"]

    answer = client.post("/v1/messages", json={"id": "new-a", "text": text("a", 3)}).json()
    state_dir = client.app.state.voc.clusters.state_dir
    run = read_current(state_dir)
    model = CentroidModel.load(run_dir(state_dir, run.run_id))
    vector = client.app.state.voc.store.messages.get("new-a", with_vector=True)[1]
    scores = model.centroids @ (vector / np.linalg.norm(vector))
    expected = run.cluster_ids[int(np.argmax(scores))]
    assert answer["cluster"]["cluster_id"] == expected and scores.max() >= run.threshold
    assert expected == client.app.state.voc.store.messages.get("a-3")[0].cluster_id


def test_the_matcher_follows_the_next_run(client):
    seeded_run(client)
    ingest(client, batch("c", 20, days=3, start=100))
    assert client.post("/v1/admin/recluster", json={"min_cluster_size": 10}).json()["report"]["run_id"] == "r2"
    answer = client.post("/v1/messages", json={"id": "new-c", "text": text("c", 1)}).json()
    assert answer["cluster"]["cluster_id"] in read_current(client.app.state.voc.clusters.state_dir).cluster_ids


def test_a_second_run_while_one_is_going_on_is_409(client):
    ingest(client, batch("a", 30, days=10) + batch("b", 30, days=10))
    release = threading.Event()
    runs = client.app.state.voc.clusters

    def held(settings):
        release.wait(30)
        return fast_pipeline(settings)

    runs.pipeline_factory = held
    first = client.post("/v1/admin/recluster?wait_s=0", json={"min_cluster_size": 10})
    assert first.status_code == 202 and first.json()["state"] == "running"
    second = client.post("/v1/admin/recluster", json={"min_cluster_size": 10})
    assert second.status_code == 409 and "still going on" in second.json()["detail"]
    assert client.get("/v1/admin/recluster").json()["state"] == "running"
    release.set()
    assert runs.wait(30)
    status = client.get("/v1/admin/recluster").json()
    assert status["state"] == "finished" and status["report"]["clusters"] == 2


def test_a_run_while_another_process_runs_on_the_folder_is_409(client):
    from jobs.state import run_lock

    ingest(client, batch("a", 30, days=10) + batch("b", 30, days=10))
    with run_lock(client.app.state.voc.clusters.state_dir):  # e.g. the nightly CronJob on the shared folder
        refused = client.post("/v1/admin/recluster", json={"min_cluster_size": 10})
    assert refused.status_code == 409 and "already re-clustering" in refused.json()["detail"]
    assert client.get("/v1/clusters").json()["run_id"] is None
    assert client.post("/v1/admin/recluster", json={"min_cluster_size": 10}).status_code == 200


def test_debt_report_ranks_the_period_with_components(client):
    seeded_run(client)
    report = client.get("/v1/report/debt?period=30d&orders=9000").json()
    assert report["contacts"] == 90 and report["run_id"] == "r1"
    assert sum(r["contacts"] for r in report["rows"]) == 90
    first = report["rows"][0]
    assert set(first["components"]) == {"volume", "share", "repeat", "negative", "rating", "complaints", "growth"}
    assert first["contacts_per_1000_orders"] == round(1000 * first["contacts"] / 9000, 3)
    since = (NOW - timedelta(days=2)).isoformat()
    recent = client.get("/v1/report/debt", params={"since": since}).json()
    assert 0 < recent["contacts"] < 90 and recent["growth"]["measured"] is False


@pytest.mark.parametrize("path, field", [
    ("/v1/clusters?status=exploding", "status"), ("/v1/clusters?limit=0", "limit"),
    ("/v1/report/debt?period=30x", "period"), ("/v1/report/debt?orders=0", "orders"),
    ("/v1/report/debt?since=yesterday", "since"), ("/v1/report/debt?period=7d&since=2024-01-01", "period"),
    ("/v1/report/debt?since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z", "since"),
    ("/v1/report/debt?period=985366690H", "period"), ("/v1/report/debt?period=03820226954d", "period"),
    ("/v1/report/debt?until=0661-04-26T23:07:33-21:28&period=83193148886H", "period"),
    ("/v1/report/debt?until=0001-01-02T00:00:00Z", "period"),
])
def test_bad_queries_are_422_naming_the_field(client, path, field):
    response = client.get(path)
    assert response.status_code == 422 and field in json.dumps(response.json()), response.text


def test_bad_runs_are_4xx_and_leave_nothing_in_force(client):
    bad = client.post("/v1/admin/recluster", json={"since": "yesterday"})
    assert bad.status_code == 422 and "since" in bad.json()["detail"]
    assert client.post("/v1/admin/recluster", json={"min_cluster_size": 1}).status_code == 422
    empty = client.post("/v1/admin/recluster", json={})
    assert empty.status_code == 422 and "0 messages" in empty.json()["detail"]
    assert client.get("/v1/admin/recluster").json()["state"] == "failed"
    assert client.get("/v1/clusters").json()["run_id"] is None


def test_reading_needs_analyst_and_running_needs_admin(app_settings):
    tokens = {"tok-analyst": ["analyst"], "tok-ingest": ["ingest"], "tok-admin": ["admin"]}
    with TestClient(create_app(app_settings(tokens=tokens))) as secured:
        def get(path, token):
            return secured.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
        assert get("/v1/clusters", "tok-analyst") == 200 and get("/v1/report/debt", "tok-analyst") == 200
        assert get("/v1/clusters", "tok-ingest") == 403
        assert secured.post("/v1/admin/recluster", json={},
                            headers={"Authorization": "Bearer tok-analyst"}).status_code == 403
        assert get("/v1/admin/recluster", "tok-admin") == 200


def test_a_cluster_asked_for_while_a_new_run_is_put_in_force_is_a_404_not_a_crash(client, monkeypatch):
    """The route reads the run in force, then its clusters: when another run is put in force between
    the two reads, the cluster may be gone from the registry it reads."""
    import service.routes.clusters as routes

    seeded_run(client)
    cluster_id = client.get("/v1/clusters").json()["clusters"][0]["id"]
    assert client.get(f"/v1/clusters/{cluster_id}").status_code == 200
    monkeypatch.setattr(routes, "current_clusters", lambda *args, **kwargs: [])  # the newer run's registry lacks it
    response = client.get(f"/v1/clusters/{cluster_id}")
    assert response.status_code == 404 and "a new run has just been put in force" in response.json()["detail"]
