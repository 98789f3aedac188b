"""The HTTP service on a tiny model: health, readiness, embed and clear 4xx errors."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from service.app import create_app


@pytest.fixture
def client(tiny_settings):
    with TestClient(create_app(tiny_settings(max_batch=4, max_text_chars=50))) as test_client:
        yield test_client


def test_health_and_ready(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/v1/ready").json()
    assert ready["status"] == "ready" and ready["dimension"] == 16


def test_embed_returns_unit_vectors(client):
    response = client.post("/v1/embed", json={"texts": ["курьер опоздал", "where is my refund"]})
    assert response.status_code == 200
    body = response.json()
    vectors = np.array(body["vectors"])
    assert vectors.shape == (2, body["dimension"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"texts": ["ok", "   "]}, "texts[1]"),
        ({"texts": []}, "texts"),
        ({"texts": [5]}, "texts"),
        ({"texts": ["a"] * 5}, "at most 4"),
        ({"texts": ["x" * 51]}, "longer than 50"),
        ({}, "texts"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(client, payload, fragment):
    response = client.post("/v1/embed", json=payload)
    assert response.status_code == 422
    assert fragment in response.text


def test_malformed_json_is_a_4xx(client):
    response = client.post("/v1/embed", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_start_up_state_is_frozen_while_the_service_runs_and_handed_back_after(tiny_settings):
    import gc

    assert gc.get_freeze_count() == 0
    app = create_app(tiny_settings())
    with TestClient(app) as test_client:
        assert test_client.get("/v1/ready").status_code == 200
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the models and libraries loaded at start-up
        assert test_client.post("/v1/messages", json={"id": "gc-1", "text": "Курьер опоздал"}).status_code == 201
        assert gc.get_freeze_count() <= frozen  # what requests create is not frozen
    assert gc.get_freeze_count() == 0
