"""How well the outside-example rule's flag rate holds on messages it was not fitted on.

The rule (``topics.outside.OutsideRule``) picks its margin so that at most ``max_flag_rate`` of
the known-topic references would be flagged, leave-one-out. This check holds some classes of a
labelled file out as "outside the taxonomy": one training message of each becomes an outside
example, the other classes' training messages are the references, and on the test split it
measures the share of held-out messages flagged (unknown recall) and the share of known
messages flagged (their cost), for several rates and random draws of the held-out classes.

    python -m evaluation.outside_rate --data ../shared/data/banking77/banking77.csv \
        --text-col text --label-col label --split-col split --cache var/cache
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from topics.outside import OutsideRule


def held_out_draw(vectors: np.ndarray, labels: np.ndarray, train: np.ndarray, *, held_out: int, rates: list[float],
                  seed: int) -> dict[float, tuple[float, float]]:
    """For one random draw of ``held_out`` classes: rate → (unknown recall, known flagged share) on
    the rows not in ``train``."""
    rng = np.random.default_rng(seed)
    outside_classes = rng.choice(np.unique(labels[train]), held_out, replace=False)
    outside = np.isin(labels, outside_classes)
    examples = [rng.choice(np.flatnonzero(train & (labels == name))) for name in outside_classes]
    unknown_rows, known_rows = ~train & outside, ~train & ~outside
    results = {}
    for rate in rates:
        rule = OutsideRule(max_flag_rate=rate, random_state=seed).fit(vectors[examples], vectors[train & ~outside])
        results[rate] = (float(rule.flags(vectors[unknown_rows]).mean()),
                         float(rule.flags(vectors[known_rows]).mean()))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="label")
    parser.add_argument("--split-col", default="split", help="Rows whose value is 'train' fit the rule.")
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    parser.add_argument("--cache", type=Path, help="Keep message vectors here and reuse them in later runs.")
    parser.add_argument("--held-out", type=int, default=8, help="Classes held out as outside the taxonomy.")
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.01, 0.02, 0.03])
    parser.add_argument("--json", type=Path, help="Also write the table here.")
    args = parser.parse_args(argv)

    from evaluation.common import embed_all
    from training.labelled import read_labelled

    data = read_labelled(args.data, args.text_col, args.label_col, extra_cols=(args.split_col,))
    labels = np.asarray(data.labels, dtype=object)
    train = np.asarray(data.extra[args.split_col]) == "train"
    vectors = embed_all(data.texts, args.model, args.models_dir, args.cache)[0]
    draws = [held_out_draw(vectors, labels, train, held_out=args.held_out, rates=args.rates, seed=seed)
             for seed in range(args.draws)]
    rows = [{"max_flag_rate": rate,
             "unknown_recall": round(float(np.mean([draw[rate][0] for draw in draws])), 4),
             "known_flagged": round(float(np.mean([draw[rate][1] for draw in draws])), 4)} for rate in args.rates]
    print(f"{args.held_out} classes held out, one example each, {args.draws} draws ({args.model})")
    print(f"{'max_flag_rate':>14} {'unknown recall':>15} {'known flagged':>14}")
    for row in rows:
        print(f"{row['max_flag_rate']:>14.3f} {row['unknown_recall']:>15.3f} {row['known_flagged']:>14.4f}")
    if args.json:
        args.json.write_text(json.dumps({"data": str(args.data), "held_out": args.held_out, "draws": args.draws,
                                         "model": args.model, "rows": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
