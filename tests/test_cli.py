import json

import numpy as np
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_embed_json_is_an_array_of_text_and_vector(tiny_model_dir):
    result = runner.invoke(app, ["embed", "--model", str(tiny_model_dir), "--json", "курьер опоздал", "refund"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [item["text"] for item in data] == ["курьер опоздал", "refund"]
    assert abs(np.linalg.norm(data[0]["vector"]) - 1) < 1e-4


def test_embed_plain_prints_dimension_and_norm(tiny_model_dir):
    result = runner.invoke(app, ["embed", "--model", str(tiny_model_dir), "курьер"])
    assert result.exit_code == 0 and "dim=16 norm=1.0000" in result.stdout


def test_embed_refuses_whitespace(tiny_model_dir):
    result = runner.invoke(app, ["embed", "--model", str(tiny_model_dir), "--json", "   "])
    assert result.exit_code == 2 and "empty" in result.output


def test_unknown_model_is_a_clear_error():
    result = runner.invoke(app, ["embed", "--model", "/no/such/model", "text"])
    assert result.exit_code == 2 and "voc models build" in result.output


def test_models_build_refuses_unknown_names():
    result = runner.invoke(app, ["models", "build", "gpt-17"])
    assert result.exit_code == 2 and "unknown model" in result.output


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    for command in ("embed", "models", "serve", "evaluate", "train"):
        assert command in result.stdout
