from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core.errors import InvalidTextError
from embeddings.batcher import BatchingEmbedder
from embeddings.loader import load_embedder


class CountingEmbedder:
    def __init__(self, inner):
        self.inner, self.name, self.dimension, self.calls = inner, inner.name, inner.dimension, []

    def embed(self, texts):
        self.calls.append(len(texts))
        return self.inner.embed(texts)


@pytest.fixture
def counted(tiny_model_dir):
    return CountingEmbedder(load_embedder(tiny_model_dir))


def test_concurrent_callers_share_batches_and_get_their_own_vectors(counted):
    batcher = BatchingEmbedder(counted, max_batch=16, max_wait_s=0.02)
    texts = [f"w{i} w{i + 1} курьер" for i in range(48)]
    expected = counted.inner.embed(texts)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda t: batcher.embed([t])[0], texts))
    batcher.close()
    np.testing.assert_allclose(np.stack(results), expected, atol=1e-6)
    assert len(counted.calls) < len(texts)  # requests were merged
    assert max(counted.calls) > 1


def test_bad_text_fails_only_its_caller(counted):
    batcher = BatchingEmbedder(counted)
    with pytest.raises(InvalidTextError):
        batcher.embed(["  "])
    assert batcher.embed(["курьер"]).shape == (1, counted.dimension)
    batcher.close()


def test_inner_failure_reaches_the_caller(tiny_model_dir):
    class Broken:
        name, dimension = "broken", 4

        def embed(self, texts):
            raise RuntimeError("engine failed")

    batcher = BatchingEmbedder(Broken())
    with pytest.raises(RuntimeError, match="engine failed"):
        batcher.embed(["text"])
    batcher.close()
