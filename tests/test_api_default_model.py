"""The routing API on the built-in default model: real topics, sentiment and priority."""

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from service.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(built_models_dir, tmp_path_factory):
    settings = Settings(models_dir=built_models_dir, data_dir=tmp_path_factory.mktemp("data"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_angry_late_delivery_goes_to_delivery_first(client):
    answer = client.post("/v1/messages", json={
        "id": "t-1", "channel": "chat", "rating": 1, "rating_scale": "csat_1_5",
        "text": "Курьер опоздал на три часа, продукты испорчены, это ужасно! Верните деньги!",
    }).json()
    assert answer["topic"]["owner"] in {"delivery", "warehouse", "finance"}
    assert answer["sentiment"]["label"] == "negative"
    assert answer["priority"]["level"] in {"P1", "P2"}


def test_praise_is_calm_and_positive(client):
    answer = client.post("/v1/messages", json={
        "id": "t-2", "channel": "app_review", "rating": 5, "rating_scale": "stars_1_5",
        "text": "Спасибо, всё привезли быстро, курьер очень вежливый!",
    }).json()
    assert answer["sentiment"]["label"] == "positive"
    assert answer["priority"]["level"] in {"P3", "P4"}


def test_double_charge_goes_to_finance(client):
    text = "С карты списали деньги два раза за один заказ"
    answer = client.post("/v1/messages", json={"id": "t-3", "text": text}).json()
    assert answer["topic"]["topic_id"] == "payment_problem" and answer["topic"]["queue"] == "finance-l2"


def test_english_message(client):
    text = "Where is my refund for the cancelled order?"
    answer = client.post("/v1/messages", json={"id": "t-4", "text": text}).json()
    assert answer["language"] == "en" and answer["topic"]["topic_id"] == "refund"
