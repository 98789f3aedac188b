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


def test_settings_choose_cuda_and_a_cpu_only_runtime_falls_back_with_a_warning(tiny_model_dir, caplog, monkeypatch):
    """The whole path: VOC_PROVIDERS → Settings → load_embedder → the session's providers."""
    from core.settings import Settings
    from embeddings.loader import load_embedder

    monkeypatch.setenv("VOC_PROVIDERS", '["cuda", "cpu"]')
    settings = Settings(_env_file=None)
    assert settings.providers == ["cuda", "cpu"]
    with caplog.at_level(logging.WARNING, logger="embeddings.providers"):
        model = load_embedder(tiny_model_dir, providers=settings.providers)
    assert model.session.get_providers() == [CPU]
    assert "CUDAExecutionProvider is not available" in caplog.text and "'gpu' extra" in caplog.text
    assert model.embed(["курьер опоздал"]).shape == (1, model.dimension)


def test_cuda_is_passed_to_the_runtime_when_it_has_it(tiny_model_dir, monkeypatch):
    import onnxruntime as ort

    from embeddings.loader import load_embedder

    seen = {}

    def fake_session(path, sess_options=None, providers=None):
        seen["providers"] = providers
        raise RuntimeError("stop after provider selection")

    monkeypatch.setattr(ort, "get_available_providers", lambda: [CUDA, CPU])
    monkeypatch.setattr(ort, "InferenceSession", fake_session)
    with pytest.raises(RuntimeError, match="stop after provider selection"):
        load_embedder(tiny_model_dir, providers=["cuda", "cpu"])
    assert seen["providers"] == [CUDA, CPU]
