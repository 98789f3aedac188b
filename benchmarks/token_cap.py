"""What a token cap costs in quality and gains in speed, on long labelled texts.

    python -m benchmarks.token_cap --data ../shared/data/sentirueval2015_aspects/sentirueval2015_aspects.jsonl \
        --text-col text --label-col whole_sentiment [--caps 512 256 128] [--json PATH]

For each cap the texts are embedded with that window (the long-text rule averages
windows, so a lower cap means more, shorter windows — or truncation with
``--truncate``), then a logistic-regression probe is scored by 5-fold macro-F1.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path


def read_rows(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    else:
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
    pairs = [(str(r[text_col]), str(r[label_col])) for r in rows if r.get(text_col) and r.get(label_col)]
    return [t for t, _ in pairs], [label for _, label in pairs]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="label")
    parser.add_argument("--caps", type=int, nargs="+", default=[512, 256, 128])
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--models-dir", default="var/models")
    parser.add_argument("--truncate", action="store_true", help="keep only the first window instead of averaging")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from embeddings.loader import load_embedder

    texts, labels = read_rows(args.data, args.text_col, args.label_col)
    rows = []
    for cap in args.caps:
        embedder = load_embedder(args.model, Path(args.models_dir), max_tokens=cap)
        if args.truncate:
            embedder.max_windows = 1
        start = time.perf_counter()
        vectors = embedder.embed(texts)
        seconds = time.perf_counter() - start
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        predicted = cross_val_predict(LogisticRegression(max_iter=2000, C=10), vectors, labels, cv=folds)
        rows.append({"cap": cap, "texts_per_s": round(len(texts) / seconds, 1),
                     "macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4)})
        print(rows[-1], flush=True)
    base = rows[0]
    for row in rows:
        row["speedup"] = round(row["texts_per_s"] / base["texts_per_s"], 2)
        row["f1_change"] = round(row["macro_f1"] - base["macro_f1"], 4)
    print(f"{'cap':>5} {'texts/s':>8} {'speed-up':>8} {'macro-F1':>9} {'change':>7}")
    for row in rows:
        print(f"{row['cap']:>5} {row['texts_per_s']:>8} {row['speedup']:>8} {row['macro_f1']:>9} {row['f1_change']:>7}")
    report = {"benchmark": "token_cap", "data": str(args.data), "n": len(texts), "truncate": args.truncate,
              "results": rows}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
