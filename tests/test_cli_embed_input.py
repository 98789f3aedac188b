"""`voc embed` as a pipe: texts from standard input, input it must refuse in one line, and output that
stays machine-readable (the formats themselves are the contract of test_cli.py and contract.sh)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def embed(tiny_model_dir):
    def run(*args, stdin=None):
        return CliRunner().invoke(app, ["embed", "--model", str(tiny_model_dir), *args], input=stdin)

    return run


def error_line(result) -> str:
    assert result.exit_code == 2 and "Traceback" not in result.output and result.stdout == "", result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("args", [["--json"], ["--json", "-"]])
def test_embed_reads_one_text_a_line_from_stdin(embed, args):
    """`echo текст | voc embed`: a BOM (as Notepad writes it) and CRLF line ends are not part of the texts."""
    result = embed(*args, stdin="\ufeffкурьер опоздал\r\nrefund\r\n".encode())
    assert result.exit_code == 0, result.output
    assert [item["text"] for item in json.loads(result.stdout)] == ["курьер опоздал", "refund"]


@pytest.mark.parametrize(("stdin", "said"), [
    (b"first\n\nthird\n", "stdin line 2 is empty"),
    ("ok\nКурьер опоздал\n".encode("cp1251"), "stdin line 2: not UTF-8 (byte 0xca at byte offset 3)"),
    (b"", "stdin: no text"),
])
def test_embed_refuses_bad_stdin_naming_the_line(embed, stdin, said):
    assert said in error_line(embed("-", stdin=stdin))


def test_embed_refuses_an_argument_that_is_not_utf8(embed):
    """What a cp1251 terminal passes arrives as lone surrogates; it was embedded as garbage."""
    argument = "Курьер".encode("cp1251").decode("utf-8", "surrogateescape")
    assert "TEXT 2 is not UTF-8" in error_line(embed("ok", argument))


def test_embed_plain_output_is_one_line_a_text(embed):
    result = embed("курьер\nопоздал", "refund")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].endswith("  курьер опоздал") and lines[1].startswith("dim=16 norm=1.0000")


def test_embed_progress_goes_to_stderr_and_stdout_stays_json(embed):
    result = embed("--json", "-", stdin="".join(f"w{i % 60} курьер\n" for i in range(300)).encode())
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 300 and "embed: 300/300 (100%)" in result.stderr


def test_embed_into_a_full_disk_is_one_error_line(tiny_model_dir):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-c", "from cli.main import main; main()", "embed", "--json",
                               "--model", str(tiny_model_dir), "refund"],
                              cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.strip() == "error: cannot write the output: No space left on device", (
        done.stderr)
