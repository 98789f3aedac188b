"""Candidate ONNX variants of the e5 graph, written for comparison (see ``models.compare_variants``).

``fp32``: dequantised float32, fused kernels. ``int8-dynamic``: ONNX Runtime's dynamic
int8 (per-channel weights, activation scales computed per batch). ``int8-static``: QDQ int8
(uint8 activations, per-channel int8 weights) calibrated on generated ru/en texts at the
99.99th percentile, so activation scales are fixed. ``q4-nbits`` / ``q4-nbits-acc4``:
the fp32 weights requantised by ONNX Runtime's ``MatMulNBitsQuantizer`` (block 32, symmetric).
``q4`` / ``q4-acc4``: the shipped Q4_0 blocks repacked into ``MatMulNBits`` as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from models.e5_format import E5File

VARIANTS = ("fp32", "fp32-plain", "int8-dynamic", "int8-static", "q4-nbits", "q4-nbits-acc4", "q4", "q4-acc4")


class _Calibration:
    """Feeds tokenised texts one at a time to the static-quantisation calibrator."""

    def __init__(self, batches: list[dict[str, np.ndarray]]) -> None:
        self._batches: Iterator[dict[str, np.ndarray]] = iter(batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)


def feeds(
    tokenize: Callable[[list[str]], list[list[int]]], texts: list[str], length: int = 96
) -> list[dict[str, np.ndarray]]:
    """One ``{input_ids, attention_mask}`` feed per text, padded (id 1, mask 0) or cut to ``length``
    so that every calibration batch has the same shape."""
    out = []
    for ids in tokenize(texts):
        ids = ids[:length]
        array = np.ones((1, length), dtype=np.int64)
        mask = np.zeros_like(array)
        array[0, : len(ids)], mask[0, : len(ids)] = ids, 1
        out.append({"input_ids": array, "attention_mask": mask})
    return out


def write_variant(
    name: str,
    source: E5File,
    out_dir: Path,
    *,
    calibration: list[dict[str, np.ndarray]] | None = None,
) -> Path:
    """Write variant ``name`` to ``out_dir/name.onnx`` (reusing an existing file) and return it."""
    import onnx

    from models.e5_graph import build_e5_graph

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.onnx"
    if path.is_file():
        return path
    if name in ("q4", "q4-acc4"):
        onnx.save(build_e5_graph(source, weights="q4", accuracy_level=4 if name == "q4-acc4" else 0), str(path))
    elif name == "fp32":
        onnx.save(build_e5_graph(source, weights="fp32"), str(path))
    elif name == "fp32-plain":
        onnx.save(build_e5_graph(source, weights="fp32", fused=False), str(path))
    elif name == "int8-dynamic":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(write_variant("fp32-plain", source, out_dir), path, per_channel=True,
                         weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    elif name == "int8-static":
        from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

        if not calibration:
            raise ValueError("int8-static needs calibration feeds")
        quantize_static(write_variant("fp32-plain", source, out_dir), path, _Calibration(calibration),
                        quant_format=QuantFormat.QDQ, op_types_to_quantize=["MatMul"], per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.Percentile,
                        extra_options={"CalibPercentile": 99.99, "WeightSymmetric": True})
    elif name in ("q4-nbits", "q4-nbits-acc4"):
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        model = onnx.load(str(write_variant("fp32", source, out_dir)))
        quantizer = MatMulNBitsQuantizer(model, block_size=32, is_symmetric=True,
                                         accuracy_level=4 if name.endswith("acc4") else None)
        quantizer.process()
        quantizer.model.save_model_to_file(str(path), use_external_data_format=False)
    else:
        raise ValueError(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}")
    return path
