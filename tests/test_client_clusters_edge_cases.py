"""Edge cases of the Python client and the cluster routes, as an integrator meets them."""

import httpx
import pytest
from fastapi.testclient import TestClient

from client import AnalystClient, VocClient, VocClientError
from service.app import create_app
from tests.test_api_clusters import fast_pipeline, seeded_run
from tests.test_api_messages import TAXONOMY


@pytest.fixture
def taxonomy(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(TAXONOMY)
    return path


@pytest.fixture
def service(tiny_settings, taxonomy):
    with TestClient(create_app(tiny_settings(taxonomy=taxonomy))) as test_client:
        test_client.app.state.voc.clusters.pipeline_factory = fast_pipeline
        yield test_client


def forwarding(service, prefix=""):
    """A transport that hands the client's requests to the service, behind ``prefix`` as a gateway would."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii")
        if not path.startswith(f"{prefix}/"):
            return httpx.Response(404, text="no such path at the gateway")
        answer = service.request(request.method, path[len(prefix):], content=request.content,
                                 headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    return httpx.MockTransport(handle)


def owners_shown(service, cluster_id):
    listed = {c["id"]: c["owner"] for c in service.get("/v1/clusters").json()["clusters"]}
    return listed[cluster_id], service.get(f"/v1/clusters/{cluster_id}").json()["owner"]


def test_a_decision_shows_the_owner_the_taxonomy_in_force_names(service, taxonomy):
    seeded_run(service)
    mapped = service.post("/v1/clusters/c1-3:map", json={"topic_id": "late_delivery", "add_examples": False})
    assert mapped.status_code == 200, mapped.text
    assert owners_shown(service, "c1-3") == ("delivery", "delivery")

    # an analyst moves the topic to another team by editing the taxonomy file by hand
    taxonomy.write_text(TAXONOMY.replace("owner: delivery, severity", "owner: finance, severity"))
    assert "taxonomy" in service.app.state.voc.shared_state.check()
    assert {t["id"]: t["owner"] for t in service.get("/v1/topics").json()["topics"]}["late_delivery"] == "finance"
    assert owners_shown(service, "c1-3") == ("finance", "finance")

    # the topic is gone from the taxonomy: no owner, rather than one nobody routes to any more
    taxonomy.write_text(TAXONOMY.split("  - {id: late_delivery")[0]
                        + "  - {id: refund" + TAXONOMY.split("  - {id: refund")[1])
    assert "taxonomy" in service.app.state.voc.shared_state.check()
    detail = service.get("/v1/clusters/c1-3").json()
    assert (detail["topic"], detail["owner"], detail["decision"]) == ("late_delivery", None, "mapped")


def test_the_analyst_client_reads_a_cluster_under_a_gateway_prefix(service):
    seeded_run(service)
    for base in ("http://gateway/voc", "http://gateway/voc/"):
        with AnalystClient(base, transport=forwarding(service, "/voc")) as analyst:
            assert analyst.review()["run_id"] == "r1"
            with pytest.raises(VocClientError) as missing:
                analyst.map_to_topic("c9-9", "refund")
            assert missing.value.status == 404 and "c9-9" in missing.value.detail


def test_a_token_read_from_a_secret_file_is_sent_without_its_final_newline():
    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"status": "ready"})

    with VocClient("http://testserver", token="s3cret\n", transport=httpx.MockTransport(handle)) as voc:
        voc.ready()
    assert seen == ["Bearer s3cret"]


@pytest.mark.parametrize("token", ["s3c\nret", "s3c\x00ret", " \n"])
def test_a_token_that_cannot_be_a_header_is_refused_without_showing_it(token):
    with pytest.raises(ValueError, match="token") as refused:
        VocClient("http://testserver", token=token)
    assert "ret" not in str(refused.value)


def test_negative_retries_are_refused_when_the_client_is_made():
    with pytest.raises(ValueError, match="retries: must be 0 or more, got -1"):
        VocClient("http://testserver", retries=-1)


def test_an_answer_that_is_not_json_is_a_client_error_naming_what_came():
    page = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>Sign in</html>",
                                                              headers={"content-type": "text/html"}))
    with VocClient("http://intranet/voc", transport=page) as voc, pytest.raises(VocClientError) as failed:
        voc.topics()
    assert failed.value.status == 200
    assert "not JSON (text/html)" in failed.value.detail and "/voc/v1/topics" in failed.value.detail
    assert "base URL" in failed.value.detail


@pytest.mark.parametrize(("header", "waited"), [("86400", 60.0), ("inf", 60.0), ("nan", 1.0), ("-5", 0.0),
                                                ("2", 2.0)])
def test_a_retry_waits_what_retry_after_asks_within_a_minute(monkeypatch, header, waited):
    """A proxy's huge or infinite Retry-After must not block (or crash) the caller."""
    import client.http as http

    answers = iter([httpx.Response(429, headers={"retry-after": header}, json={"detail": "busy"}),
                    httpx.Response(200, json={"status": "ready"})])
    sleeps = []
    monkeypatch.setattr(http.time, "sleep", sleeps.append)
    with VocClient("http://testserver", transport=httpx.MockTransport(lambda request: next(answers))) as voc:
        assert voc.ready() == {"status": "ready"}
    assert sleeps == [waited]
