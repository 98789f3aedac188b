"""The review notebook runs top to bottom on the built-in demo (local mode) and is stored without outputs."""

import html
import json
import os
from pathlib import Path

import pytest

from workbench.demo_data import demo_messages
from workbench.demo_loader import load_demo

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "review_clusters.ipynb"
HOSTILE = "<img src=x onerror=alert(1)>"


def test_the_notebook_is_stored_without_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(not cell["outputs"] and cell["execution_count"] is None for cell in code)


def test_the_notebook_runs_on_the_demo(built_models_dir, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    data_dir = tmp_path / "demo"
    rows = demo_messages()
    for row in rows:  # customers' texts reach the analyst's notebook: they must be shown as text, never run
        if row["id"].startswith("demo-parcel_locker-"):  # the emerging cluster, so among the five shown
            row["text"] += f" {HOSTILE}"
    load_demo(data_dir, rows, models_dir=built_models_dir)
    monkeypatch.setenv("VOC_DEMO_DIR", str(data_dir))
    monkeypatch.setenv("VOC_MODELS_DIR", str(built_models_dir))
    monkeypatch.delenv("VOC_URL", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parents[1])}}).execute(env=dict(os.environ))
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    rendered = [str(o.get("data", {}).get(kind, "")) for o in outputs for kind in ("text/html", "text/markdown")]
    assert not [page for page in rendered if "<img" in page]  # JupyterLab runs markup in trusted outputs
    assert any(html.escape(HOSTILE) in page for page in rendered)  # the texts are shown, escaped
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "run r1" in text and "undid" in text
    plots = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(plots) >= 2  # the daily volumes and the map
    actions = [json.loads(line) for line in (data_dir / "workbench" / "actions.jsonl").read_text().splitlines()]
    assert [a["action"] for a in actions] == ["promote", "rename", "undo", "undo"]
