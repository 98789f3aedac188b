"""Builds the sentiment heads shipped in ``sentiment/heads/<model>/``.

    python -m training.build_sentiment_heads --sentirueval ../shared/data/sentirueval2015/sentirueval2015_tweets.csv \\
        --rusentitweet ../shared/data/rusentitweet/rusentitweet.csv [--models e5-small use-multilingual] [--cache DIR]

Each head is one logistic regression on the message vectors and hashed word / character
n-grams of the text (positive / negative / neutral only). Its settings (C, the weight of
the vectors against the n-grams, how the classes are weighted) and the training mix
(SentiRuEval-2015 alone, or with RuSentiTweet) are chosen on a validation set carved
from the SentiRuEval-2015 train split: its latest rows by date (the test split comes
from another period, so a later slice of train is the closer stand-in). The chosen
recipe is then refitted on the whole train split and measured once on the test split.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from sentiment.head import HEADS_DIR
from training.labelled import read_labelled
from training.sentiment import CLASS_WEIGHTINGS, train_sentiment_head

KEEP = {"positive", "negative", "neutral"}
MIXES = {"sentirueval": ["sentirueval2015 (train)"],
         "sentirueval+rusentitweet": ["sentirueval2015 (train)", "rusentitweet (train)"]}
WEIGHTING_WORDS = {"balanced": "each class weighted by the inverse of its share",
                   "sqrt-balanced": "each class weighted by the square root of the inverse of its share",
                   "none": "the classes as the data mixes them"}
SOURCES = {
    "sentirueval2015": "SentiRuEval-2015 tweets about banks and telecom operators (Loukachevitch et al., Dialogue "
                       "2015). No licence stated; organiser data redistributed for research. Tweet texts under "
                       "Twitter's terms.",
    "rusentitweet": "RuSentiTweet, general-domain tweets (Smetanin, PeerJ Computer Science 2022, CC BY 4.0 paper; "
                    "no licence file for the data). Tweet texts under Twitter's terms; treat as research use.",
}


def render_card(manifest: dict) -> str:
    """The model card of a shipped head, written from its manifest."""
    training, metrics, ngrams = manifest["training"], manifest["metrics"], manifest["ngrams"]
    baseline = manifest["baseline_tfidf_lr"]
    used = [name for name in SOURCES if any(item.startswith(name) for item in manifest["data"])]
    considered = {item.split(" ")[0] for c in training["candidates"] for item in MIXES[c["mix"]]}
    lines = [
        f"# Sentiment head for {manifest['model']}", "",
        f"One logistic regression (negative / neutral / positive, {training['class_weight']} class weights: "
        f"{WEIGHTING_WORDS[training['class_weight']]}) on "
        f"{manifest['model']} sentence vectors together with word 1–2-grams and character 2–5-grams of the "
        "message. Texts are normalised for tweets first (lower case, ё→е, links and @mentions as placeholders, "
        "hashtags as words, a letter repeated 3+ times kept twice); the n-grams are hashed into "
        f"{ngrams['word_columns']} word and {ngrams['char_columns']} character columns with sublinear TF-IDF, and "
        f"only the {manifest['ngram_columns']} columns seen in at least {ngrams['min_df']} training messages are kept.",
        "",
        "Format version 2: `weights.npz` holds the coefficients, the kept column numbers and their IDF (no pickles, "
        "no vocabulary, no text from the data); `manifest.json` holds the settings, the choice and the scores.", "",
        f"## Data ({manifest['train_rows']} training messages)", "",
        *[f"- {SOURCES[name]}{'' if name in used else ' Considered, not used (lower on validation).'}"
          for name in SOURCES if name in used or name in considered],
        "", "Only positive, negative and neutral messages are used. The licence of the data is unclear: research use.",
        "", "## How it was chosen", "",
        f"On a validation set carved from the SentiRuEval-2015 train split: {training['validation']} "
        f"(n = {training['n_validation']}); the test split was not used for any choice. Chosen: "
        f"{', '.join(manifest['data'])}, C {training['c']}, vector weight {training['vector_scale']}, "
        f"{training['class_weight']} class weights "
        f"(validation macro-F1 {training['validation_macro_f1']:.3f}). The chosen recipe was then refitted on "
        "the whole train split.", "",
        "| training mix | C | vector weight | class weights | validation macro-F1 |", "|---|---|---|---|---|",
        *[f"| {c['mix']} | {c['c']} | {c['vector_scale']} | {c.get('class_weight', 'balanced')} | "
          f"{c['validation_macro_f1']:.3f} |"
          for c in training["candidates"]],
        "", f"## SentiRuEval-2015 test split (n = {metrics['n_test']}), measured once", "",
        "| | macro-F1 | negative recall | negative F1 |", "|---|---|---|---|",
        f"| this head | {metrics['macro_f1']:.3f} | {metrics['negative_recall']:.3f} | {metrics['negative_f1']:.3f} |",
        f"| TF-IDF + logistic regression, same train split | {baseline['macro_f1']:.3f} | "
        f"{baseline['negative_recall']:.3f} | {baseline['negative_f1']:.3f} |",
        "", f"Rebuild with `{manifest['command']}`.", "",
    ]
    return "\n".join(lines)


def _scores(truth, predicted) -> dict[str, float]:
    from sklearn.metrics import f1_score, recall_score

    return {"macro_f1": float(f1_score(truth, predicted, average="macro")),
            "negative_recall": float(recall_score(truth, predicted, labels=["negative"], average="macro")),
            "negative_f1": float(f1_score(truth, predicted, labels=["negative"], average="macro"))}


def validation_start(dates: list[str], share: float) -> str:
    """The date from which the latest ``share`` of the rows lie."""
    ordered = sorted(dates)
    return ordered[int(len(ordered) * (1 - share))][:10]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentirueval", type=Path, required=True)
    parser.add_argument("--rusentitweet", type=Path, help="Adds RuSentiTweet as a candidate training mix.")
    parser.add_argument("--models", nargs="+", default=["e5-small", "use-multilingual"])
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    parser.add_argument("--heads-dir", type=Path, default=HEADS_DIR, help="Where the head folders are written.")
    parser.add_argument("--cache", type=Path, help="Keep message vectors here and reuse them in later runs.")
    parser.add_argument("--validation-share", type=float, default=0.25,
                        help="Latest share of the train split (by date) used for validation.")
    parser.add_argument("--c", type=float, nargs="+", default=[1.0, 3.0],
                        help="Candidate inverse regularisation strengths.")
    parser.add_argument("--vector-scale", type=float, nargs="+", default=[1.0, 2.0, 4.0],
                        help="Candidate weights of the vectors against the n-grams.")
    parser.add_argument("--class-weight", nargs="+", default=["balanced", "sqrt-balanced"], choices=CLASS_WEIGHTINGS,
                        help="Candidate class weightings.")
    parser.add_argument("--min-df", type=int, default=2)
    args = parser.parse_args(argv)

    from evaluation.common import embed_all, tfidf_baseline

    sre = read_labelled(args.sentirueval, "text", "tweet_sentiment", extra_cols=("split", "date_utc"), keep_labels=KEEP)
    rst = (read_labelled(args.rusentitweet, "text", "label", extra_cols=("split",), keep_labels=KEEP)
           if args.rusentitweet else None)
    split = np.asarray(sre.extra["split"])
    train_rows, test_rows = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    since = validation_start([sre.extra["date_utc"][i] for i in train_rows], args.validation_share)
    later = np.asarray([d[:10] >= since for d in sre.extra["date_utc"]])
    fit_rows, validation_rows = train_rows[~later[train_rows]], train_rows[later[train_rows]]
    extra_rows = np.flatnonzero(np.asarray(rst.extra["split"]) == "train") if rst else np.asarray([], dtype=int)
    labels, texts = np.asarray(sre.labels, dtype=object), sre.texts
    baseline = _scores(labels[test_rows], tfidf_baseline([texts[i] for i in train_rows], labels[train_rows],
                                                          [texts[i] for i in test_rows]))
    mixes = list(MIXES) if rst else ["sentirueval"]

    for model in args.models:
        vectors, _, model = embed_all(texts, model, args.models_dir, args.cache)
        extra_vectors = embed_all(rst.texts, model, args.models_dir, args.cache)[0] if rst else None

        def training_set(rows, mix, vectors=vectors, extra_vectors=extra_vectors):
            part_texts, part_labels, part_vectors = [texts[i] for i in rows], list(labels[rows]), vectors[rows]
            if mix == "sentirueval+rusentitweet":
                part_texts += [rst.texts[i] for i in extra_rows]
                part_labels += [rst.labels[i] for i in extra_rows]
                part_vectors = np.vstack([part_vectors, extra_vectors[extra_rows]])
            return part_vectors, part_labels, part_texts

        candidates = []
        for mix, c, scale, weighting in itertools.product(mixes, args.c, args.vector_scale, args.class_weight):
            started = time.perf_counter()
            fit_vectors, fit_labels, fit_texts = training_set(fit_rows, mix)
            head = train_sentiment_head(fit_vectors, fit_labels, model, texts=fit_texts, c=c, vector_scale=scale,
                                        class_weight=weighting, min_df=args.min_df)
            predicted = head.predict(vectors[validation_rows], [texts[i] for i in validation_rows])
            score = _scores(labels[validation_rows], predicted)["macro_f1"]
            candidates.append({"mix": mix, "c": c, "vector_scale": scale, "class_weight": weighting,
                               "validation_macro_f1": round(score, 4)})
            print(json.dumps({"model": model, **candidates[-1], "seconds": round(time.perf_counter() - started)}),
                  flush=True)
        best = max(candidates, key=lambda item: item["validation_macro_f1"])
        part_vectors, part_labels, part_texts = training_set(train_rows, best["mix"])
        head = train_sentiment_head(part_vectors, part_labels, model, texts=part_texts, c=best["c"],
                                    vector_scale=best["vector_scale"], class_weight=best["class_weight"],
                                    min_df=args.min_df)
        metrics = {**_scores(labels[test_rows], head.predict(vectors[test_rows], [texts[i] for i in test_rows])),
                   "n_test": len(test_rows)}
        command = ("python -m training.build_sentiment_heads --sentirueval <sentirueval2015_tweets.csv>"
                   + (" --rusentitweet <rusentitweet.csv>" if rst else "") + f" --models {model}"
                   + f" --validation-share {args.validation_share} --c {' '.join(map(str, args.c))}"
                   + f" --vector-scale {' '.join(map(str, args.vector_scale))}"
                   + f" --class-weight {' '.join(args.class_weight)} --min-df {args.min_df}")
        folder = args.heads_dir / model
        head.manifest = {
            "name": f"sentiment-{model}", "train_rows": len(part_labels), "data": MIXES[best["mix"]],
            "ngram_columns": head.ngrams.kept_count,
            "training": {"c": best["c"], "vector_scale": best["vector_scale"], "class_weight": best["class_weight"],
                         "validation": f"sentirueval2015 train rows dated {since} or later",
                         "n_validation": len(validation_rows), "validation_macro_f1": best["validation_macro_f1"],
                         "candidates": candidates},
            "metrics": metrics, "baseline_tfidf_lr": baseline, "command": command}
        head.save(folder, head.manifest)
        saved = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        (folder / "MODEL_CARD.md").write_text(render_card(saved), encoding="utf-8")
        print(json.dumps({"model": model, "chosen": best, **metrics, "baseline": baseline}), flush=True)


if __name__ == "__main__":
    main()
