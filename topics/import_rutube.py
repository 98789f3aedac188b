"""Writes a company's two-level taxonomy in our format from the RUTUBE support data set.

    python -m topics.import_rutube --data ../shared/data/rutube_support --out var/rutube_taxonomy.yaml [--level 1|2]

Level-1 topics (default) or level-2 topics (grouped by level 1); the FAQ questions of the
knowledge base become each topic's examples, the level-2 names its description. Owners
are one team per level-1 direction, so every topic has an owner. The knowledge base's
questions labelled ОТСУТСТВУЕТ (no category) are no topic: they become the taxonomy's
``outside`` examples (messages no topic covers). The output is generated from the path given
and is not part of the project.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import defaultdict
from pathlib import Path

import yaml

NO_CATEGORY = "ОТСУТСТВУЕТ"  # the level-1 label of questions outside every category


def slug(text: str) -> str:
    return re.sub(r"\W+", "_", text.strip().lower()).strip("_") or "topic"


def build(data: Path, level: int) -> dict:
    with (data / "taxonomy_l1_l2_from_cases.csv").open(encoding="utf-8") as handle:
        pairs = [(row["label_l1"], row["label_l2"]) for row in csv.DictReader(handle)
                 if row["label_l1"].strip() != NO_CATEGORY]
    with (data / "rutube_knowledge_base.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    faq = [row for row in rows if row["label_l1"].strip() != NO_CATEGORY]
    outside = [q for q in dict.fromkeys(row["kb_question"].strip() for row in rows
                                        if row["label_l1"].strip() == NO_CATEGORY) if q]
    examples: dict[str, list[str]] = defaultdict(list)
    for row in faq:
        key = row["label_l1"] if level == 1 else row["label_l2"]
        examples[key].append(row["kb_question"].strip())
    owners = sorted({l1 for l1, _ in pairs} | {row["label_l1"] for row in faq})
    topics = []
    names = sorted({l1 for l1, _ in pairs}) if level == 1 else sorted({l2 for _, l2 in pairs})
    for name in names:
        l1 = name if level == 1 else next(a for a, b in pairs if b == name)
        children = sorted({b for a, b in pairs if a == name}) if level == 1 else []
        topics.append({
            "id": name, "names": {"ru": name}, "group": l1, "owner": slug(l1), "severity": 2,
            "description": "; ".join(children) if children else name,
            "examples": [e for e in dict.fromkeys(examples.get(name, [])) if e][:40],
        })
    return {"name": f"rutube-level{level}", "version": 1,
            "owners": [{"id": slug(o), "name": o, "queue": f"rutube-{slug(o)}"} for o in owners],
            "topics": topics, **({"outside": outside} if outside else {})}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--level", type=int, choices=(1, 2), default=1)
    args = parser.parse_args(argv)
    taxonomy = build(args.data, args.level)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(yaml.safe_dump(taxonomy, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from topics.taxonomy import load_taxonomy

    loaded = load_taxonomy(args.out)
    print(f"{args.out}: {len(loaded.topics)} topics, {len(loaded.owners)} owners, "
          f"{sum(len(t.examples) for t in loaded.topics)} examples, {len(loaded.outside)} outside examples")


if __name__ == "__main__":
    main()
