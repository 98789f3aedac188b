"""Builds the sentiment heads shipped in ``sentiment/heads/<model>/``.

    python -m training.build_sentiment_heads --sentirueval ../shared/data/sentirueval2015/sentirueval2015_tweets.csv \
        --rusentitweet ../shared/data/rusentitweet/rusentitweet.csv [--models e5-small use-multilingual]

Trains on the train splits of both sets (positive / negative / neutral only) and reports
macro-F1 and negative recall on the SentiRuEval-2015 test split.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sentiment.head import HEADS_DIR
from training.labelled import read_labelled
from training.sentiment import train_sentiment_head

KEEP = {"positive", "negative", "neutral"}
CARD = """# Sentiment head for {model}

A logistic-regression head (negative / neutral / positive, balanced class weights) on
{model} sentence vectors. Only the weights are shipped here; no text from the data.

Trained on the train splits of
- SentiRuEval-2015 tweets about banks and telecom operators (Loukachevitch et al.,
  Dialogue 2015). No licence stated; organiser data redistributed for research.
- RuSentiTweet (Smetanin, PeerJ Computer Science 2022, CC BY 4.0 paper). Tweet texts
  under Twitter's terms; treat as research use.

SentiRuEval-2015 test split: macro-F1 {macro_f1:.3f}, negative recall {negative_recall:.3f}
(n = {n_test}). Rebuild with `python -m training.build_sentiment_heads`.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentirueval", type=Path, required=True)
    parser.add_argument("--rusentitweet", type=Path, required=True)
    parser.add_argument("--models", nargs="+", default=["e5-small", "use-multilingual"])
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    args = parser.parse_args(argv)

    from sklearn.metrics import f1_score, recall_score

    from embeddings.loader import load_embedder

    sre = read_labelled(args.sentirueval, "text", "tweet_sentiment", extra_cols=("split",), keep_labels=KEEP)
    rst = read_labelled(args.rusentitweet, "text", "label", extra_cols=("split",), keep_labels=KEEP)
    train_texts = [t for t, s in zip(sre.texts, sre.extra["split"]) if s == "train"]
    train_labels = [y for y, s in zip(sre.labels, sre.extra["split"]) if s == "train"]
    train_texts += [t for t, s in zip(rst.texts, rst.extra["split"]) if s == "train"]
    train_labels += [y for y, s in zip(rst.labels, rst.extra["split"]) if s == "train"]
    test_texts = [t for t, s in zip(sre.texts, sre.extra["split"]) if s == "test"]
    test_labels = [y for y, s in zip(sre.labels, sre.extra["split"]) if s == "test"]
    for model in args.models:
        embedder = load_embedder(model, args.models_dir)
        head = train_sentiment_head(embedder.embed(train_texts), train_labels, model)
        predicted = [head.classes[i] for i in head.probabilities(embedder.embed(test_texts)).argmax(axis=1)]
        metrics = {
            "macro_f1": float(f1_score(test_labels, predicted, average="macro")),
            "negative_recall": float(recall_score(test_labels, predicted, labels=["negative"], average="macro")),
            "n_test": len(test_labels),
        }
        folder = HEADS_DIR / model
        head.save(folder, {"name": f"sentiment-{model}", "train_rows": len(train_texts),
                           "data": ["sentirueval2015 (train)", "rusentitweet (train)"], "metrics": metrics})
        (folder / "MODEL_CARD.md").write_text(CARD.format(model=model, **metrics))
        print(json.dumps({"model": model, **metrics}))


if __name__ == "__main__":
    main()
