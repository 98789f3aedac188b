"""One report format for every `voc evaluate` sub-command.

``DIR/report.json`` has ``task``, ``data``, ``metrics`` (the product), ``baseline``
(TF-IDF word + character n-grams with logistic regression, same split),
``baseline_majority``, ``plots`` (the file names of the plots beside it, e.g. ``confusion.png``)
and ``details``; ``DIR/report.md`` shows the same as tables, with the plots. Other tools read
``metrics.accuracy``, ``metrics.macro_f1``, ``metrics.owner_accuracy``,
``metrics.negative_recall``, ``metrics.roc_auc`` and the same keys under ``baseline``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def classification_metrics(truth, predicted, labels=None) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = sorted(set(truth)) if labels is None else labels
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "per_class": {
            str(label): {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                         "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
    }


def confusion_plot(truth, predicted, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(truth) | set(predicted))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    size = max(6, len(labels) * 0.22)
    figure, axis = plt.subplots(figsize=(size, size))
    axis.imshow(matrix, cmap="Blues")
    if len(labels) <= 40:
        axis.set_xticks(range(len(labels)), labels, rotation=90, fontsize=6)
        axis.set_yticks(range(len(labels)), labels, fontsize=6)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(out: Path, report: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=_plain), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    print(table(report))
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value))


def _scalars(section: dict[str, Any]) -> dict[str, float]:
    return {k: v for k, v in section.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _cells(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Per metric of the product or the baseline: its name, both values and the lift, as text."""
    metrics, baseline = report["metrics"], report.get("baseline", {})
    rows = []
    for key in sorted(set(_scalars(metrics)) | set(_scalars(baseline))):
        ours, base = metrics.get(key), baseline.get(key)
        lift = f"{ours - base:+.3f}" if isinstance(ours, int | float) and isinstance(base, int | float) else ""
        rows.append((key, _shown(ours), _shown(base), lift))
    return rows


def _shown(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else ("" if value is None else str(value))


def table(report: dict[str, Any]) -> str:
    rows = _cells(report)
    width = max([22, *(len(key) + 2 for key, *_ in rows)])
    lines = [f"{report['task']}: {report.get('data', '')}",
             f"{'metric':<{width}}{'product':>10}{'baseline':>10}{'lift':>9}"]
    lines += [f"{key:<{width}}{ours:>10}{base:>10}{lift:>9}" for key, ours, base, lift in rows]
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Evaluation: {report['task']}", "", f"Data: `{report.get('data', '')}`", "",
             "| metric | product | baseline | lift |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in _cells(report)]
    for plot in report.get("plots", []):
        lines += ["", f"![{Path(plot).stem}]({plot})"]
    for key, value in report.get("details", {}).items():
        lines += ["", f"**{key}**: {value}"]
    return "\n".join(lines) + "\n"
