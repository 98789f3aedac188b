"""Backups: taken by the running service (admin route) or by `voc store backup`, put back with
`voc store restore` once the service is stopped."""

import json

from fastapi.testclient import TestClient

from service.app import create_app
from store import open_store
from tests.test_api_messages import TAXONOMY, message
from tests.test_cli_erase import DIM, filled, remaining


def test_the_service_backs_up_and_a_stopped_service_restores_it(voc, tiny_settings, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    settings = tiny_settings(taxonomy=taxonomy)
    with TestClient(create_app(settings)) as client:
        for index in range(3):
            assert client.post("/v1/messages", json=message(id=f"m-{index}")).status_code == 201
        taken = client.post("/v1/admin/backups")
        assert taken.status_code == 201, taken.text
        backup = taken.json()
        assert backup["points"]["messages"] == 3 and backup["seconds"] >= 0
        assert backup["path"].startswith(str(settings.data_dir / "backups"))
        assert client.post("/v1/messages", json=message(id="later")).status_code == 201
        second = client.post("/v1/admin/backups").json()
        assert second["name"] != backup["name"] and second["points"]["messages"] == 4
        listed = client.get("/v1/admin/backups").json()
        assert [b["name"] for b in listed] == sorted([backup["name"], second["name"]], reverse=True)

        held = voc("store", "restore", backup["path"], "--yes", "--data-dir", settings.data_dir)
        assert held.exit_code == 3 and "stop the service first" in held.stderr, held.output

    restored = voc("store", "restore", backup["path"], "--yes", "--data-dir", settings.data_dir)
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout)["restored"]["messages"] == 3
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/messages/later").status_code == 404
        assert [client.get(f"/v1/messages/m-{i}").status_code for i in range(3)] == [200, 200, 200]


def test_voc_store_backup_writes_a_snapshot_and_refuses_an_existing_folder(voc, tmp_path):
    folder = filled(tmp_path / "data")
    result = voc("store", "backup", tmp_path / "b1", "--data-dir", folder)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"path": str(tmp_path / "b1"), "points": {"messages": 3, "clusters": 0,
                                                                                  "prototypes": 0}}
    again = voc("store", "backup", tmp_path / "b1", "--data-dir", folder)
    assert again.exit_code == 2 and "already exists" in again.stderr and len(again.stderr.splitlines()) == 1


def test_voc_store_backup_of_a_held_store_points_at_the_service(voc, tmp_path):
    folder = filled(tmp_path / "data")
    with open_store("embedded", path=folder / "store", dimension=DIM, create=False):
        result = voc("store", "backup", tmp_path / "b", "--data-dir", folder)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == 3 and len(errors) == 1 and "POST" in errors[0] and "/v1/admin/backups" in errors[0]
    assert not (tmp_path / "b").exists()


def test_voc_store_restore_asks_first_and_refuses_what_is_no_snapshot(voc, tmp_path, tiny_model_dir):
    from typer.testing import CliRunner

    from cli.main import app

    folder = filled(tmp_path / "data")
    assert voc("store", "backup", tmp_path / "b", "--data-dir", folder).exit_code == 0
    with open_store("embedded", path=folder / "store", dimension=DIM, create=False) as store:
        store.messages.delete(["m-0"])
    unanswered = CliRunner().invoke(app, ["store", "restore", str(tmp_path / "b"), "--data-dir", str(folder),
                                          "--model", str(tiny_model_dir)], input="")
    assert unanswered.exit_code == 2 and "no answer, nothing restored" in unanswered.stderr
    declined = CliRunner().invoke(app, ["store", "restore", str(tmp_path / "b"), "--data-dir", str(folder),
                                        "--model", str(tiny_model_dir)], input="n\n")
    assert declined.exit_code == 1 and remaining(folder) == ["m-1", "m-2"]
    (tmp_path / "junk").mkdir()
    junk = voc("store", "restore", tmp_path / "junk", "--yes", "--data-dir", folder)
    assert junk.exit_code == 2 and "is not a store snapshot" in junk.stderr
    assert remaining(folder) == ["m-1", "m-2"]
    accepted = voc("store", "restore", tmp_path / "b", "--yes", "--data-dir", folder)
    assert accepted.exit_code == 0 and remaining(folder) == ["m-0", "m-1", "m-2"]


def test_backups_are_deleted_by_their_listed_name_only(tiny_settings, tmp_path):
    settings = tiny_settings()
    with TestClient(create_app(settings)) as client:
        first = client.post("/v1/admin/backups").json()
        second = client.post("/v1/admin/backups").json()
        damaged = settings.data_dir / "backups" / "20200101T000000Z"
        damaged.mkdir()
        (damaged / "manifest.json").write_text("{not json", encoding="utf-8")
        assert [b["name"] for b in client.get("/v1/admin/backups").json()] == sorted(
            [first["name"], second["name"]], reverse=True)  # the damaged one is left out, not a 500
        assert client.delete(f"/v1/admin/backups/{first['name']}").status_code == 204
        assert [b["name"] for b in client.get("/v1/admin/backups").json()] == [second["name"]]
        assert client.delete(f"/v1/admin/backups/{first['name']}").status_code == 404
        for name in ("..", "store", "%2E%2E%2Fstore", "backups"):
            assert client.delete(f"/v1/admin/backups/{name}").status_code == 404
        assert (settings.data_dir / "store").is_dir() and (settings.data_dir / "backups" / second["name"]).is_dir()
