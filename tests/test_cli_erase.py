"""`voc erase`: the command line's way to erase when the service is not running."""

from datetime import UTC, datetime

import numpy as np
import pytest

from store import Message, open_store

DIM = 16  # the tiny model's


def filled(folder):
    created = [datetime(2025, 1, 10, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC),
               datetime(2026, 11, 21, tzinfo=UTC)]
    messages = [Message(id=f"m-{i}", text=f"text {i}", created_at=moment, customer_id=customer)
                for i, (moment, customer) in enumerate(zip(created, ["c-1", "c-1", "c-2"]))]
    with open_store("embedded", path=folder / "store", dimension=DIM) as store:
        store.messages.upsert(messages, np.eye(DIM, dtype=np.float32)[:3])
    return folder


def remaining(folder):
    with open_store("embedded", path=folder / "store", dimension=DIM, create=False) as store:
        return sorted(m.id for page in store.messages.iterate(with_vectors=False) for m in page.messages)


@pytest.mark.parametrize(("args", "left"), [
    (["--customer", "c-1"], ["m-2"]),
    (["--before", "2026-01-01"], ["m-1", "m-2"]),
    (["--customer", "c-1", "--before", "2026-01-01"], ["m-1", "m-2"]),
    (["--id", "m-0", "--id", "m-2"], ["m-1"]),
])
def test_erase_removes_what_it_names_and_nothing_else(voc, tmp_path, args, left):
    folder = filled(tmp_path / "data")
    result = voc("erase", *args, "--yes", "--data-dir", folder)
    assert result.exit_code == 0, result.output
    assert f'"deleted": {3 - len(left)}' in result.stdout
    assert remaining(folder) == left


@pytest.mark.parametrize(("args", "words"), [
    ([], "nothing is erased wholesale"),
    (["--id", "m-0", "--customer", "c-1"], "--id alone"),
    (["--before", "soon"], "expected an ISO date/time"),
    (["--before", "2999-01-01"], "future"),
    (["--customer", " "], "--customer is empty"),
])
def test_erase_refuses_what_says_too_little_or_too_much(voc, tmp_path, args, words):
    folder = filled(tmp_path / "data")
    result = voc("erase", *args, "--yes", "--data-dir", folder)
    assert result.exit_code == 2 and words in result.stderr, result.output
    assert remaining(folder) == ["m-0", "m-1", "m-2"]


def test_erase_asks_first_and_a_no_erases_nothing(voc, tmp_path, tiny_model_dir):
    from typer.testing import CliRunner

    from cli.main import app

    folder = filled(tmp_path / "data")
    result = CliRunner().invoke(app, ["erase", "--customer", "c-1", "--data-dir", str(folder),
                                      "--model", str(tiny_model_dir)], input="n\n")
    assert result.exit_code == 1 and "Erase every message of customer 'c-1'" in result.output
    assert remaining(folder) == ["m-0", "m-1", "m-2"]


def test_erase_on_a_store_the_service_holds_points_at_the_service(voc, tmp_path):
    folder = filled(tmp_path / "data")
    with open_store("embedded", path=folder / "store", dimension=DIM, create=False):
        result = voc("erase", "--customer", "c-1", "--yes", "--data-dir", folder)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == 3 and len(errors) == 1 and "/v1/admin/erase" in errors[0], result.output
    assert '"customer_id": "c-1"' in errors[0]


def test_erase_checks_the_store_before_it_asks(voc, tmp_path, tiny_model_dir):
    """The question came first, and a yes was answered with 'no store'."""
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["erase", "--customer", "c-1", "--data-dir", str(tmp_path / "none"),
                                      "--model", str(tiny_model_dir)], input="y\n")
    assert result.exit_code == 2 and "no store at" in result.stderr and "Erase every" not in result.output
    assert not (tmp_path / "none").exists()


def test_erase_without_an_answer_nor_yes_says_so_in_one_line(voc, tmp_path, tiny_model_dir):
    from typer.testing import CliRunner

    from cli.main import app

    folder = filled(tmp_path / "data")
    result = CliRunner().invoke(app, ["erase", "--customer", "c-1", "--data-dir", str(folder),
                                      "--model", str(tiny_model_dir)], input="")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == 2 and errors == ["error: no answer, nothing erased; give --yes to erase without "
                                                "being asked"], result.output
    assert remaining(folder) == ["m-0", "m-1", "m-2"]


def test_erase_refuses_an_empty_id_naming_the_option(voc, tmp_path):
    folder = filled(tmp_path / "data")
    result = voc("erase", "--id", " ", "--yes", "--data-dir", folder)
    assert result.exit_code == 2 and "--id is empty" in result.stderr


@pytest.mark.parametrize(("args", "request_words"), [
    (["--id", "m-0", "--id", "m-2"], ["curl -X DELETE", "/v1/messages/m-0", "/v1/messages/m-2"]),
    (["--customer", "O'Brien"], ["/v1/admin/erase"]),
])
def test_erase_on_a_held_store_gives_a_request_the_service_accepts(voc, tmp_path, args, request_words):
    """--id used to suggest POST /v1/admin/erase with '{}' (refused by the service: nothing chosen), and a
    quote in a customer id broke the suggested shell command."""
    import json
    import shlex

    folder = filled(tmp_path / "data")
    with open_store("embedded", path=folder / "store", dimension=DIM, create=False):
        result = voc("erase", *args, "--yes", "--data-dir", folder)
    error = result.stderr.strip()
    assert result.exit_code == 3 and all(word in error for word in request_words), error
    words = shlex.split(error.partition("instead: ")[2])
    if "-d" in words:
        assert json.loads(words[words.index("-d") + 1]) == {"customer_id": "O'Brien"}
    else:
        assert "admin/erase" not in error
