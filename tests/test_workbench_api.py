"""The workbench over HTTP on the default model: a promoted cluster routes the next message."""

import pytest
from fastapi.testclient import TestClient

from clustering import ClusterPipeline, HdbscanClusterer, NoReduction
from core.settings import Settings
from jobs import ReclusterSettings, run_recluster
from service.app import create_app
from topics.taxonomy import load_taxonomy
from workbench.demo_data import demo_messages
from workbench.paths import active_taxonomy

pytestmark = pytest.mark.integration
INGEST, ANALYST = {"Authorization": "Bearer ingest-secret"}, {"Authorization": "Bearer analyst-secret"}
LOCKER_TEXT = "Постамат возле дома не открывается, код из смс не подходит"


@pytest.fixture(scope="module")
def settings(built_models_dir, tmp_path_factory):
    return Settings(models_dir=built_models_dir, data_dir=tmp_path_factory.mktemp("data"),
                    tokens={"ingest-secret": ["ingest"], "analyst-secret": ["analyst"]})


@pytest.fixture(scope="module")
def client(settings):
    rows = [r for r in demo_messages() if r["id"].split("-")[1] in ("parcel_locker", "refund", "promo_codes")]
    with TestClient(create_app(settings)) as test_client:
        for start in range(0, len(rows), 64):
            answer = test_client.post("/v1/messages:batch", json={"messages": rows[start:start + 64]}, headers=INGEST)
            assert answer.status_code == 200 and answer.json()["rejected"] == 0
        times = sorted(r["created_at"] for r in rows)
        from datetime import datetime, timedelta

        run_recluster(test_client.app.state.voc.store, settings.data_dir / "clusters",
                      datetime.fromisoformat(times[0]) - timedelta(seconds=1),
                      datetime.fromisoformat(times[-1]) + timedelta(seconds=1),
                      ReclusterSettings(min_cluster_size=10),
                      pipeline=ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10)))
        yield test_client


def locker_cluster(client):
    """The largest cluster of Russian locker messages (a run may split them by language or wording)."""
    review = client.get("/v1/workbench/review", headers=ANALYST).json()
    best = max(review["clusters"], key=lambda c: (sum("остамат" in e for e in c["examples"]), c["size"]))
    assert any("остамат" in e for e in best["examples"]), review["clusters"]
    return review, best


def route(client, message_id, text=LOCKER_TEXT):
    answer = client.post("/v1/messages", json={"id": message_id, "text": text}, headers=INGEST)
    assert answer.status_code == 201, answer.text
    return answer.json()["topic"]


def test_a_promoted_cluster_routes_the_next_matching_message(client, settings):
    assert route(client, "before-1")["topic_id"] != "parcel_locker"
    review, cluster = locker_cluster(client)
    answer = client.post(f"/v1/clusters/{cluster['cluster_id']}:promote", headers=ANALYST, json={
        "owner": "delivery", "topic_id": "parcel_locker", "name_ru": "Постамат не открывается",
        "name_en": "Parcel locker does not open", "group": "delivery", "severity": 3, "who": "anna",
        "run_id": review["run_id"], "taxonomy_version": review["taxonomy_version"]})
    assert answer.status_code == 200, answer.text
    topic = route(client, "after-1")
    assert topic["topic_id"] == "parcel_locker" and topic["owner"] == "delivery" and topic["queue"] == "delivery-ops"
    assert "parcel_locker" in [t["id"] for t in client.get("/v1/topics", headers=ANALYST).json()["topics"]]

    restart_reads = active_taxonomy(settings.taxonomy, settings.data_dir)  # what the next start routes by
    assert restart_reads == settings.data_dir / "taxonomy.yaml"
    assert load_taxonomy(restart_reads).topic("parcel_locker").owner == "delivery"
    actions = client.get("/v1/workbench/actions", headers=ANALYST).json()["actions"]
    assert actions[-1]["who"] == "anna" and actions[-1]["action"] == "promote"

    stale = client.post(f"/v1/clusters/{cluster['cluster_id']}:rename", headers=ANALYST,
                        json={"name": "x", "taxonomy_version": review["taxonomy_version"]})
    assert stale.status_code == 409 and "taxonomy_version" in stale.json()["detail"]

    undone = client.post(f"/v1/workbench/actions/{actions[-1]['n']}:undo", headers=ANALYST, json={"who": "boris"})
    assert undone.status_code == 200 and undone.json()["undo_of"] == actions[-1]["n"]
    assert route(client, "after-undo-1")["topic_id"] != "parcel_locker"
    again = client.post(f"/v1/workbench/actions/{actions[-1]['n']}:undo", headers=ANALYST)
    assert again.status_code == 422 and "already been undone" in again.json()["detail"]


def test_bad_actions_are_clear_4xx(client):
    _, cluster = locker_cluster(client)
    cid = cluster["cluster_id"]
    owner = client.post(f"/v1/clusters/{cid}:promote", headers=ANALYST, json={"owner": "nobody", "name_en": "X"})
    assert owner.status_code == 422 and "owner: 'nobody'" in owner.json()["detail"]
    itself = client.post(f"/v1/clusters/{cid}:merge", headers=ANALYST, json={"others": [cid]})
    assert itself.status_code == 422 and "with itself" in itself.json()["detail"]
    unknown = client.post("/v1/clusters/c9-9:rename", headers=ANALYST, json={"name": "x"})
    assert unknown.status_code == 404 and "c9-9" in unknown.json()["detail"]
    superseded = client.post(f"/v1/clusters/{cid}:noise", headers=ANALYST, json={"run_id": "r0"})
    assert superseded.status_code == 409 and "superseded" in superseded.json()["detail"]
    severity = client.post(f"/v1/clusters/{cid}:promote", headers=ANALYST, json={"owner": "it", "severity": 9})
    assert severity.status_code == 422 and "severity" in severity.json()["detail"]
    for value in ("3", 2.5, True):  # as the notebook's own workbench: a whole number, not converted
        typed = client.post(f"/v1/clusters/{cid}:promote", headers=ANALYST, json={"owner": "it", "severity": value})
        assert typed.status_code == 422 and "severity" in typed.json()["detail"], value
    extra = client.post(f"/v1/clusters/{cid}:rename", headers=ANALYST, json={"name": "x", "colour": "red"})
    assert extra.status_code == 422 and "colour" in extra.json()["detail"]
    assert client.post("/v1/workbench/actions/999:undo", headers=ANALYST).status_code == 404


def test_analyst_scope_is_required(client):
    _, cluster = locker_cluster(client)
    assert client.get("/v1/workbench/review").status_code == 401
    assert client.get("/v1/workbench/review", headers=INGEST).status_code == 403
    assert client.post(f"/v1/clusters/{cluster['cluster_id']}:rename", headers=INGEST,
                       json={"name": "x"}).status_code == 403


def test_changes_and_map_through_the_client(client):
    import httpx

    from client.analyst import AnalystClient

    analyst = AnalystClient("http://testserver", token="analyst-secret",
                            transport=httpx.MockTransport(lambda request: _forward(client, request)))
    assert analyst.changes()["previous_run_id"] is None
    points = analyst.message_map(limit=50)["points"]
    assert len(points) == 50 and {"x", "y", "text", "cluster_id"} <= set(points[0])
    for few in (3, 4):  # UMAP gives fewer than two dimensions on a handful of points
        tiny = client.get(f"/v1/workbench/map?limit={few}", headers=ANALYST)
        assert tiny.status_code == 200 and len(tiny.json()["points"]) == few, tiny.text
        assert all(isinstance(p["x"], float) and isinstance(p["y"], float) for p in tiny.json()["points"])
    renamed = analyst.rename(points[0]["cluster_id"], "Проверка", who="carl")
    assert analyst.actions()[-1]["n"] == renamed["n"] and analyst.undo(renamed["n"])["undo_of"] == renamed["n"]


def _forward(client, request):
    import httpx

    answer = client.request(request.method, str(request.url.path), params=dict(request.url.params),
                            content=request.content, headers=dict(request.headers))
    return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)


def test_decisions_show_in_the_cluster_listing_and_detail(client):
    review, cluster = locker_cluster(client)
    target = cluster["cluster_id"]
    others = [c["cluster_id"] for c in review["clusters"] if c["cluster_id"] != target]
    assert len(others) >= 2, review["clusters"]
    sizes = {c["id"]: c["size"] for c in client.get("/v1/clusters?limit=200", headers=ANALYST).json()["clusters"]}
    done = [client.post(f"/v1/clusters/{target}:rename", headers=ANALYST, json={"name": "Постаматы"}),
            client.post(f"/v1/clusters/{target}:merge", headers=ANALYST, json={"others": [others[0]]}),
            client.post(f"/v1/clusters/{target}:map", headers=ANALYST,
                        json={"topic_id": "courier_complaint", "add_examples": False}),
            client.post(f"/v1/clusters/{others[1]}:noise", headers=ANALYST, json={})]
    assert [a.status_code for a in done] == [200] * 4, [a.text for a in done]
    try:
        listing = {c["id"]: c for c in client.get("/v1/clusters?limit=200", headers=ANALYST).json()["clusters"]}
        assert others[0] not in listing and listing[others[1]]["noise"] is True
        row = listing[target]
        assert row["name"] == "Постаматы" and row["merged"] == [others[0]]
        assert row["size"] == sizes[target] + sizes[others[0]]
        assert (row["decision"], row["mapping"], row["topic"]) == ("mapped", "mapped", "courier_complaint")
        assert row["owner"] == "delivery"
        emerging = client.get("/v1/clusters?status=emerging&limit=200", headers=ANALYST).json()["clusters"]
        assert others[1] not in [c["id"] for c in emerging]
        detail = client.get(f"/v1/clusters/{target}", headers=ANALYST).json()
        assert detail["name"] == "Постаматы" and detail["size"] == row["size"] and detail["merged_into"] is None
        away = client.get(f"/v1/clusters/{others[0]}", headers=ANALYST).json()
        assert away["merged_into"] == target and away["size"] == sizes[others[0]]
        examples = {c["cluster_id"]: c["examples"][0] for c in review["clusters"]}
        answers = [client.post("/v1/messages", headers=INGEST, json={"id": f"decided-{i}", "text": examples[c]}).json()
                   for i, c in enumerate((target, others[0], others[1]))]
        assert [(a["cluster"] or {}).get("cluster_id") for a in answers] == [target, target, others[1]], answers
        assert answers[1]["cluster"]["name"] == "Постаматы" and answers[2]["cluster"]["status"] == "noise"
    finally:
        for entry in reversed(done):
            undone = client.post(f"/v1/workbench/actions/{entry.json()['n']}:undo", headers=ANALYST, json={})
            assert undone.status_code == 200, undone.text
