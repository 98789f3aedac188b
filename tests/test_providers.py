import logging

import pytest

from embeddings.providers import select_providers

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"


def test_cuda_first_when_available():
    assert select_providers(["cuda", "cpu"], [CUDA, CPU]) == [CUDA, CPU]


def test_cuda_missing_falls_back_to_cpu_with_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert select_providers(["cuda"], [CPU]) == [CPU]
    assert "CUDAExecutionProvider is not available" in caplog.text


def test_cpu_always_closes_the_list():
    assert select_providers(["cuda"], [CUDA, CPU]) == [CUDA, CPU]


def test_unknown_provider_is_an_error():
    with pytest.raises(ValueError, match="unknown execution provider"):
        select_providers(["tpu"], [CPU])
