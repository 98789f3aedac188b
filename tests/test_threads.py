"""The BLAS thread limit the service applies beside the inference threads."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.threads import limit_blas_threads


def _blas_threads_after(code: str) -> str:
    script = f"import numpy\nfrom core.threads import blas_threads, limit_blas_threads\n{code}\nprint(blas_threads())"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def test_limit_sets_every_blas_pool_to_the_given_count():
    assert _blas_threads_after("limit_blas_threads(1)") == "[1]"


def test_zero_leaves_the_library_default():
    default = _blas_threads_after("")
    assert _blas_threads_after("limit_blas_threads(0)") == default


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="BLAS threads"):
        limit_blas_threads(-1)


def test_the_service_runs_blas_on_the_configured_thread_count(tiny_model_dir, tiny_sentiment_head, tmp_path):
    script = f"""
import numpy
from fastapi.testclient import TestClient
from core.settings import Settings
from core.threads import blas_threads
from service.app import create_app
before = blas_threads()
settings = Settings(model={str(tiny_model_dir)!r}, models_dir={str(tiny_model_dir.parent)!r},
                    data_dir={str(tmp_path / "data")!r}, sentiment_head={str(tiny_sentiment_head)!r}, blas_threads=1)
with TestClient(create_app(settings)) as service:
    assert service.get("/v1/ready").status_code == 200
    print(before, blas_threads())
"""
    before, during = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                    timeout=120).stdout.strip().rsplit(" ", 1)
    assert during == "[1]"
    assert before == _blas_threads_after("")  # the library's default until the service starts
