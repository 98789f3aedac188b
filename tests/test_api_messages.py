"""The routing API on a tiny model: analysis shape, idempotency, conflicts, batches, reads."""

import json

import pytest
from fastapi.testclient import TestClient

from service.app import create_app

TAXONOMY = """
owners:
  - {id: delivery, name: Delivery, queue: delivery-ops}
  - {id: finance, name: Finance, queue: finance-l2}
topics:
  - {id: late_delivery, names: {ru: Опоздание}, owner: delivery, severity: 3,
     examples: ["курьер опоздал", "курьер опоздал w1", "курьер опоздал w2"]}
  - {id: refund, names: {ru: Возврат}, owner: finance, severity: 3,
     examples: ["where is my refund", "refund w5", "my refund w6"]}
"""


def open_client(tiny_settings, tmp_path) -> TestClient:
    """A client of the service on the tiny model with this file's taxonomy, at most 5 messages a batch."""
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    return TestClient(create_app(tiny_settings(max_batch=5, taxonomy=taxonomy)))


@pytest.fixture
def client(tiny_settings, tmp_path):
    with open_client(tiny_settings, tmp_path) as test_client:
        yield test_client


def post_json(client, path, body):
    """POST ``body`` as JSON, writing NaN and Infinity as some senders do (httpx refuses them)."""
    return client.post(path, content=json.dumps(body, allow_nan=True), headers={"content-type": "application/json"})


def message(**fields):
    base = {"id": "m-1", "text": "курьер опоздал w1 w2", "channel": "chat", "source": "support_chat",
            "created_at": "2026-11-20T09:15:00+03:00"}
    return {**base, **fields}


def test_one_call_returns_the_whole_analysis(client):
    response = client.post("/v1/messages", json=message(rating=1, rating_scale="csat_1_5",
                                                        customer={"id": "c-1", "segment": "vip"}))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] == "m-1" and body["channel"] == "chat"
    assert body["topic"]["topic_id"] == "late_delivery" and body["topic"]["owner"] == "delivery"
    assert body["topic"]["queue"] == "delivery-ops" and body["topic"]["top"][0]["topic_id"] == "late_delivery"
    sentiment = body["sentiment"]
    assert sentiment["label"] in {"negative", "neutral", "positive"}
    assert -1 <= sentiment["score"] <= 1 and sentiment["confidence"] == sentiment["probabilities"][sentiment["label"]]
    # the lowest CSAT reads as negative: a negative label follows the rating, with the text or alone
    expected = {"rating", "both"} if sentiment["label"] == "negative" else {"text", "both"}
    assert sentiment["decided_by"] in expected
    assert body["priority"]["level"] in {"P1", "P2", "P3", "P4"} and 0 <= body["priority"]["score"] <= 100
    assert any("low rating" in r for r in body["priority"]["reasons"])
    assert any("segment 'vip'" in r for r in body["priority"]["reasons"])
    assert body["versions"]["model"] == "tiny" and body["versions"]["taxonomy"]
    assert body["language"] == "ru"


def test_pii_is_redacted_before_storage(client):
    body = client.post("/v1/messages", json=message(text="позвоните +7 916 123-45-67 курьер")).json()
    assert "916" not in body["text"] and body["pii_found"] == ["phone"]
    stored = client.get("/v1/messages/m-1")
    assert "916" not in stored.json()["text"]
    assert not any(piece in stored.text for piece in ("+7 916", "916 123", "123-45-67"))


def test_resending_returns_the_stored_analysis_once(client):
    first = client.post("/v1/messages", json=message())
    again = client.post("/v1/messages", json=message())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.headers["Idempotent-Replay"] == "true"
    metrics = client.get("/metrics").text
    counted = [line for line in metrics.splitlines() if line.startswith("voc_messages_total{")]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in counted) == 1.0


def test_other_text_under_a_known_id_is_409_unless_replaced(client):
    client.post("/v1/messages", json=message())
    conflict = client.post("/v1/messages", json=message(text="другой текст w3"))
    assert conflict.status_code == 409 and "replace" in conflict.json()["detail"]
    replaced = client.post("/v1/messages?replace=true", json=message(text="другой текст w3"))
    assert replaced.status_code == 201 and replaced.json()["text"] == "другой текст w3"
    assert client.get("/v1/messages/m-1").json()["text"] == "другой текст w3"


def test_get_returns_exactly_what_ingest_returned(client):
    created = client.post("/v1/messages", json=message()).json()
    assert client.get("/v1/messages/m-1").json() == created
    assert client.get("/v1/messages/nope").status_code == 404


def test_batch_stores_valid_messages_and_reports_invalid_ones_by_index(client):
    batch = [message(id="b-1"), message(id="b-2", text="  "), message(id="b-3", channel="pigeon"),
             message(id="b-1", text="дубль"), message(id="b-5", rating=7, rating_scale="stars_1_5")]
    response = client.post("/v1/messages:batch", json={"messages": batch})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] == 1 and [e["index"] for e in body["errors"]] == [1, 2, 3, 4]
    assert "text" in body["errors"][0]["detail"] and "channel" in body["errors"][1]["detail"]
    assert "duplicate" in body["errors"][2]["detail"] and "outside" in body["errors"][3]["detail"]
    assert client.get("/v1/messages/b-1").status_code == 200
    assert client.get("/v1/messages/b-2").status_code == 404


def test_batch_entries_that_are_not_objects_are_reported_by_index(client):
    batch = [message(id="v-1"), "oops", None, [message(id="v-2")], message(id="v-3", text="\u200b")]
    response = client.post("/v1/messages:batch", json={"messages": batch})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] == 1 and [e["index"] for e in body["errors"]] == [1, 2, 3, 4]
    assert "a string" in body["errors"][0]["detail"] and "null" in body["errors"][1]["detail"]
    assert "an array" in body["errors"][2]["detail"] and "text" in body["errors"][3]["detail"]
    assert client.get("/v1/messages/v-1").status_code == 200
    assert client.get("/v1/messages/v-3").status_code == 404


def test_batch_replaces_texts_when_asked(client):
    client.post("/v1/messages:batch", json={"messages": [message(id="r-1")]})
    conflict = client.post("/v1/messages:batch", json={"messages": [message(id="r-1", text="другой текст")]}).json()
    assert conflict["errors"][0]["status"] == 409
    again = {"messages": [message(id="r-1", text="другой текст")]}
    replaced = client.post("/v1/messages:batch?replace=true", json=again)
    assert replaced.json()["stored"] == 1 and replaced.json()["results"][0]["created"] is True
    assert client.get("/v1/messages/r-1").json()["text"] == "другой текст"


def test_unknown_fields_around_a_batch_are_refused(client):
    response = client.post("/v1/messages:batch", json={"messages": [message()], "foo": 1})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "foo"
    assert client.get("/v1/messages/m-1").status_code == 404


def test_batch_limits(client):
    too_many = {"messages": [message(id=f"x-{i}") for i in range(6)]}
    assert client.post("/v1/messages:batch", json=too_many).status_code == 422
    nothing_valid = client.post("/v1/messages:batch", json={"messages": [{"id": "z"}]})
    assert nothing_valid.status_code == 422


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "\u200b\ufeff\u00ad"}, "text"),
        ({"channel": "fax"}, "channel"),
        ({"rating": 11, "rating_scale": "nps_0_10"}, "rating"),
        ({"rating": 3}, "rating"),
        ({"rating_scale": "csat_1_5"}, "rating"),
        ({"rating": True, "rating_scale": "nps_0_10"}, "rating"),
        ({"rating": "3", "rating_scale": "nps_0_10"}, "rating"),
        ({"rating_scale": "ces_9"}, "rating_scale"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"created_at": 1700000000}, "created_at"),
        ({"created_at": "9999-12-31T23:59:59-12:00"}, "created_at"),
        ({"created_at": "0001-01-01T00:00:00+14:00"}, "created_at"),
        ({"created_at": "1900-01-01T00:00:00Z"}, "created_at"),
        ({"created_at": "3000-01-01T00:00:00Z"}, "created_at"),
        ({"metadata": {"x": float("nan")}}, "metadata"),
        ({"metadata": {"a": [1, {"b": float("inf")}]}}, "metadata"),
        ({"metadata": {"a": ["ok", "lone \ud800 surrogate"]}}, "metadata"),  # sent as the JSON escape
        ({"metadata": {"key \udfff": 1}}, "metadata"),
        ({"customer": {"id": "c-\ud800"}}, "customer.id"),
        ({"id": "a/b"}, "id"),
        ({"customer": {"segment": "vip"}}, "customer.id"),
        ({"unexpected": 1}, "unexpected"),
        ({"text": "\ufe0f\ufe0f"}, "text"),
    ],
)
def test_bad_messages_are_4xx_naming_the_field_and_store_nothing(client, fields, fragment):
    response = post_json(client, "/v1/messages", message(**fields))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [fragment]
    assert client.get("/v1/messages/m-1").status_code == 404
    assert client.get("/v1/messages/a").status_code == 404


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"rating": 3}, ["rating_scale", "required"]),
        ({"rating_scale": "csat_1_5"}, ["without a rating"]),
        ({"rating": 11, "rating_scale": "nps_0_10"}, ["outside"]),
        ({"metadata": {"a": [1, {"b": float("inf")}]}}, ["metadata.a[1].b", "infinity"]),
        ({"created_at": "1900-01-01T00:00:00Z"}, ["1970", "a day ahead"]),
        ({"id": "a/b"}, ["'/'"]),
        ({"text": "\u200b"}, ["invisible"]),
        ({"text": "\ufe0f \u0301"}, ["invisible"]),
        ({"metadata": {"a": ["ok", "\ud800"]}}, ["metadata.a[1]", "lone surrogate"]),
    ],
)
def test_messages_of_refusals_say_what_is_wrong(client, fields, words):
    detail = post_json(client, "/v1/messages", message(**fields)).json()["detail"]
    assert all(word in detail for word in words), detail


def test_text_over_the_limit_is_refused_alone(tiny_settings, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    with TestClient(create_app(tiny_settings(max_text_chars=50, taxonomy=taxonomy))) as limited:
        single = limited.post("/v1/messages", json=message(text="курьер " * 10))
        assert single.status_code == 422 and single.json()["detail"].startswith("text: longer than 50")
        assert limited.get("/v1/messages/m-1").status_code == 404
        two = {"messages": [message(id="ok"), message(id="long", text="а" * 51)]}
        batch = limited.post("/v1/messages:batch", json=two)
        assert batch.status_code == 200 and batch.json()["stored"] == 1
        assert [(e["index"], e["id"]) for e in batch.json()["errors"]] == [(1, "long")]
        assert limited.get("/v1/messages/ok").status_code == 200
        assert limited.get("/v1/messages/long").status_code == 404


def test_a_body_that_is_not_json_is_named_as_such(client):
    broken = client.post("/v1/messages", content=b'{"id": "a", "text": "hi"',
                         headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "body"
    assert "not valid JSON at character" in broken.json()["detail"]
    form = client.post("/v1/messages", content=b'{"id": "a", "text": "hi"}',
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415 and "application/json" in form.json()["detail"]
    assert client.get("/v1/messages/a").status_code == 404


def test_replacing_a_text_is_not_a_repeat_contact_of_itself(client):
    fields = {"customer": {"id": "c-rep"}}
    first = client.post("/v1/messages", json=message(text="курьер опоздал", **fields)).json()
    an_hour_later = {"created_at": "2026-11-20T10:15:00+03:00"}
    replaced = client.post("/v1/messages?replace=true",
                           json=message(text="курьер опоздал w1", **fields, **an_hour_later)).json()
    assert first["topic"]["topic_id"] == replaced["topic"]["topic_id"] == "late_delivery"
    assert first["priority"]["repeat_contacts"] == replaced["priority"]["repeat_contacts"] == 0
    later = {"created_at": "2026-11-21T09:15:00+03:00"}
    other = client.post("/v1/messages", json=message(id="m-2", text="курьер опоздал w2", **fields, **later)).json()
    assert other["priority"]["repeat_contacts"] == 1


def test_similar_messages_and_filters(client):
    for i in range(4):
        client.post("/v1/messages", json=message(id=f"s-{i}", text=f"курьер опоздал w{i}",
                                                  customer={"id": "c-1" if i % 2 else "c-2"}))
    similar = client.get("/v1/messages/s-0/similar?limit=2").json()
    assert len(similar["similar"]) == 2 and all(s["id"] != "s-0" for s in similar["similar"])
    mine = client.get("/v1/messages/s-0/similar?customer_id=c-1").json()["similar"]
    assert {s["customer_id"] for s in mine} == {"c-1"}


def test_repeat_contact_raises_priority(client):
    late = {"text": "курьер опоздал w1", "customer": {"id": "c-9"}}
    first = client.post("/v1/messages", json=message(id="r-1", **late)).json()
    second = client.post("/v1/messages", json=message(id="r-2", created_at="2026-11-21T09:15:00+03:00", **late)).json()
    assert first["topic"]["topic_id"] == second["topic"]["topic_id"] == "late_delivery"
    assert (first["priority"]["repeat_contacts"], second["priority"]["repeat_contacts"]) == (0, 1)
    assert second["priority"]["score"] > first["priority"]["score"]
    assert any("repeat contact" in reason for reason in second["priority"]["reasons"])


def test_two_contacts_at_the_same_moment_make_the_later_one_a_repeat(client):
    """Exports that date contacts by the day put a customer's contacts of one day at midnight."""
    late = {"text": "курьер опоздал w1", "customer": {"id": "c-7"}, "created_at": "2026-11-20T00:00:00+00:00"}
    first = client.post("/v1/messages", json=message(id="d-1", **late)).json()
    second = client.post("/v1/messages", json=message(id="d-2", **late)).json()
    assert (first["priority"]["repeat_contacts"], second["priority"]["repeat_contacts"]) == (0, 1)
    replaced = client.post("/v1/messages?replace=true", json=message(id="d-2", **{**late, "text": "курьер опоздал w2"}))
    assert replaced.json()["priority"]["repeat_contacts"] == 1  # d-1 still, not itself


def test_topics_list_owners_and_queues(client):
    body = client.get("/v1/topics").json()
    assert body["taxonomy"] and all(t["owner"] and t["queue"] for t in body["topics"])


def test_overload_stores_or_refuses_every_request_and_never_fails(tiny_settings):
    from concurrent.futures import ThreadPoolExecutor

    with TestClient(create_app(tiny_settings(max_in_flight=2, batch_wait_ms=20))) as overloaded:
        def send(i):
            return i, overloaded.post("/v1/messages", json=message(id=f"o-{i}", text=f"курьер опоздал w{i % 50}"))

        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(send, range(60)))
        statuses = [response.status_code for _, response in results]
        assert set(statuses) <= {201, 429} and 429 in statuses and 201 in statuses
        for i, response in results:
            stored = overloaded.get(f"/v1/messages/o-{i}")
            if response.status_code == 201:
                assert stored.json() == response.json()
            else:
                assert response.headers["retry-after"] and stored.status_code == 404


def test_concurrent_calls_with_one_id_store_it_once_and_replay_the_rest(tiny_settings):
    from concurrent.futures import ThreadPoolExecutor

    with TestClient(create_app(tiny_settings())) as service:
        def send(i):
            same = message(id="same-id", text="курьер опоздал на час")
            return service.post("/v1/messages", json=same if i % 2 else message(id=f"other-{i}", text=f"где заказ {i}"))

        with ThreadPoolExecutor(max_workers=16) as pool:
            responses = list(pool.map(send, range(32)))
        same = [r for i, r in enumerate(responses) if i % 2]
        assert sorted(r.status_code for r in same) == [200] * 15 + [201]
        assert all(r.json() == same[0].json() for r in same)  # every replay is the stored analysis
        assert all(r.status_code == 201 for i, r in enumerate(responses) if not i % 2)
        metrics = service.get("/metrics").text
        counted = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                      if line.startswith("voc_messages_total{"))
        assert counted == 17  # the id once, plus the sixteen others


def test_a_conflict_does_not_echo_personal_data_in_the_id(client):
    client.post("/v1/messages", json=message(id="ivan.petrov@example.com"))
    single = client.post("/v1/messages", json=message(id="ivan.petrov@example.com", text="другой текст"))
    batch = client.post("/v1/messages:batch", json={"messages": [message(id="ivan.petrov@example.com", text="ещё")]})
    assert single.status_code == 409 and "replace=true" in single.json()["detail"]
    assert batch.json()["errors"][0]["status"] == 409
    assert "ivan.petrov" not in single.json()["detail"] and "ivan.petrov" not in batch.json()["errors"][0]["detail"]


@pytest.mark.parametrize("text", ["message 'no+such' is not stored", "period: expected \\d+[dDhH] or an ISO date",
                                  "x%25y", "rating 1.23457e+29 is outside the scale"])
def test_error_messages_keep_their_characters(text):
    from service.log_privacy import redact

    assert redact(text) == text


@pytest.mark.parametrize("hidden", ["ivan.petrov%40example.com", "ivan.petrov%40example.com+tail"])
def test_personal_data_hidden_by_url_encoding_is_still_redacted(hidden):
    from service.log_privacy import redact

    assert "ivan.petrov" not in redact(f"message {hidden!r} is not stored")


def test_similar_refuses_an_inverted_window_and_an_unknown_channel(client):
    client.post("/v1/messages", json=message())
    inverted = client.get("/v1/messages/m-1/similar", params={"since": "2027-01-01T00:00:00Z", "until": "2020-01-01"})
    assert inverted.status_code == 422 and "since" in inverted.json()["detail"]
    assert client.get("/v1/messages/m-1/similar", params={"channel": "fax"}).status_code == 422
    mixed = client.get("/v1/messages/m-1/similar",
                       params={"since": "2026-01-01T00:00:00", "until": "2027-01-01T00:00:00Z"})
    assert mixed.status_code == 200


def test_health_answers_head_requests(client):
    assert client.head("/v1/health").status_code == 200
    assert client.head("/v1/ready").status_code == 200


def test_unknown_fields_are_refused_on_the_other_json_routes(client):
    embed = client.post("/v1/embed", json={"texts": ["курьер опоздал"], "normalize": True})
    assert embed.status_code == 422 and embed.json()["errors"][0]["field"] == "normalize"
    recluster = client.post("/v1/admin/recluster", json={"foo": 1})
    assert recluster.status_code == 422 and recluster.json()["errors"][0]["field"] == "foo"
    assert client.get("/v1/admin/recluster").json()["state"] == "idle"


def test_a_report_that_ends_in_the_future_is_refused(client):
    answer = client.get("/v1/report/debt", params={"until": "2100-01-01T00:00:00Z"})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("until: ")


def test_a_language_hint_is_answered_among_the_configured_languages(tiny_settings, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    with TestClient(create_app(tiny_settings(taxonomy=taxonomy, languages=["ru", "en"]))) as limited:
        answers = {hint: limited.post("/v1/messages", json=message(id=f"m-{hint}", language=hint))
                   for hint in ("ru-RU", "EN", "uk", "de")}
        assert {hint: r.json()["language"] for hint, r in answers.items()} == {
            "ru-RU": "ru", "EN": "en", "uk": "other", "de": "other"}
        assert limited.get("/v1/messages/m-uk").json()["language"] == "other"
        for bad in ("русский", "r", "ru RU", "12"):
            refused = limited.post("/v1/messages", json=message(id="m-bad", language=bad))
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "language"
            assert "ISO 639-1" in refused.text
        assert limited.get("/v1/messages/m-bad").status_code == 404


def test_a_ukrainian_text_is_other_when_ukrainian_is_not_configured(tiny_settings, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    text = "Доброго дня, де моє замовлення? Кур'єр так і не приїхав"
    for languages, expected in ((["ru", "en", "uk"], "uk"), (["ru", "en"], "other")):
        with TestClient(create_app(tiny_settings(taxonomy=taxonomy, languages=languages,
                                                 data_dir=tmp_path / "-".join(languages)))) as client:
            assert client.post("/v1/messages", json=message(text=text)).json()["language"] == expected


def test_a_query_parameter_a_route_does_not_take_is_refused_naming_it(client):
    assert client.post("/v1/messages", json=message(id="q-1", customer={"id": "c-1"})).status_code == 201
    typo = client.get("/v1/messages/q-1/similar?custmer_id=c-1")
    assert typo.status_code == 422
    body = typo.json()
    assert body["errors"][0]["field"] == "query.custmer_id" and "customer_id" in body["errors"][0]["message"]
    assert client.get("/v1/messages/q-1/similar?customer_id=c-1&limit=3").status_code == 200
    assert client.post("/v1/messages?replace=true&dry=1", json=message(id="q-1")).status_code == 422
    assert client.get("/v1/topics?x=1").status_code == 422
