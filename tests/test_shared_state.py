"""A clustering run or a taxonomy edit written by another process is picked up by the service."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import yaml
from fastapi.testclient import TestClient

from clustering import ClusterPipeline, HdbscanClusterer, NoReduction
from jobs import ReclusterSettings, run_recluster
from service.app import create_app
from service.shared_state import SharedStateWatcher
from topics.taxonomy import DEFAULT_TAXONOMY


def wait_for(condition, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError("the service did not pick up the change in time")


def test_a_changed_file_is_reloaded_once_and_a_failing_reload_keeps_watching(tmp_path):
    watched, calls = tmp_path / "current.json", []
    broken = tmp_path / "taxonomy.yaml"

    def fail():
        raise ValueError("half-written file")

    watcher = SharedStateWatcher({"run": (lambda: watched, lambda: calls.append("run")),
                                  "taxonomy": (lambda: broken, fail)}, poll_s=0)
    assert watcher.check() == []
    watched.write_text("{}")
    broken.write_text("x")
    assert watcher.check() == ["run"] and calls == ["run"]  # the taxonomy failed to load: not reloaded
    assert list(watcher.problems) == ["taxonomy"] and "half-written file" in watcher.problems["taxonomy"]
    assert watcher.check() == []  # seen once, not tried again
    watched.write_text('{"run_id": "r2"}')
    assert watcher.check() == ["run"] and calls == ["run", "run"]
    assert "taxonomy" in watcher.problems  # still the broken file

    def load():
        calls.append("taxonomy")

    watcher.watched["taxonomy"] = (lambda: broken, load)
    broken.write_text("fixed")
    assert watcher.check() == ["taxonomy"] and watcher.problems == {}


def test_readiness_names_a_taxonomy_left_broken_on_disk_and_routing_keeps_the_last_good_one(tiny_settings):
    settings = tiny_settings(shared_state_poll_s=0)
    with TestClient(create_app(settings)) as client:
        before = [t["id"] for t in client.get("/v1/topics").json()["topics"]]
        ready = client.get("/v1/ready").json()
        assert ready["status"] == "ready" and "warnings" not in ready
        taxonomy = settings.data_dir / "taxonomy.yaml"
        taxonomy.write_text("owners: []\ntopics:\n  - id: x\n", encoding="utf-8")
        client.app.state.voc.shared_state.check()
        ready = client.get("/v1/ready")
        assert ready.status_code == 200
        warnings = ready.json()["warnings"]
        assert len(warnings) == 1 and "taxonomy" in warnings[0] and "previous one is still in use" in warnings[0]
        assert [t["id"] for t in client.get("/v1/topics").json()["topics"]] == before
        taxonomy.write_text(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), encoding="utf-8")
        client.app.state.voc.shared_state.check()
        assert "warnings" not in client.get("/v1/ready").json()


def test_a_run_of_an_outside_job_and_an_outside_taxonomy_edit_reach_the_service(tiny_settings):
    settings = tiny_settings(shared_state_poll_s=0.05)
    now = datetime.now(UTC)
    problems = ["курьер опоздал на час", "верните деньги за отменённый заказ"]
    messages = [{"id": f"m{i}", "text": f"{problems[i % 2]} w{i % 7}", "created_at": (now - timedelta(hours=i))
                 .isoformat()} for i in range(40)]
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/messages:batch", json={"messages": messages}).status_code == 200
        first = client.post("/v1/messages", json={"id": "before", "text": "курьер опоздал на час"}).json()
        assert first["cluster"] is None  # no run yet

        # the nightly job in another process: the same store and data folder, not the service's API
        run_recluster(client.app.state.voc.store, settings.data_dir / "clusters", now - timedelta(days=3),
                      now + timedelta(minutes=1), ReclusterSettings(min_cluster_size=5),
                      pipeline=ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=5)))
        answer = wait_for(lambda: client.post("/v1/messages", json={
            "id": f"after-{time.monotonic_ns()}", "text": "курьер опоздал на час"}).json()["cluster"])
        assert answer["cluster_id"].startswith("c1-")

        # another replica's workbench edit on the shared folder
        taxonomy = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
        owner = taxonomy["owners"][0]["id"]
        taxonomy["topics"].append({"id": "parcel_locker", "names": {"ru": "Постамат", "en": "Parcel locker"},
                                   "owner": owner, "severity": 2, "examples": ["постамат не открывается"] * 3})
        (settings.data_dir / "taxonomy.yaml").write_text(yaml.safe_dump(taxonomy, allow_unicode=True),
                                                         encoding="utf-8")
        wait_for(lambda: "parcel_locker" in [t["id"] for t in client.get("/v1/topics").json()["topics"]])
