"""docker compose and Kubernetes manifests: validated against their schemas and against the product."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from importlib.resources import files
from pathlib import Path, PurePosixPath

import jsonschema
import kubernetes_validate
import pytest
import typer.main
import yaml
from fastapi.testclient import TestClient
from qdrant_client.common.version_check import is_compatible

from cli.main import app as cli_app
from core.settings import Settings
from service.app import create_app
from tests.fixtures.dockerfile import exec_form, final_stage, stage_env

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
KUBE = ROOT / "deploy" / "kubernetes"
KUBE_VERSION = "1.30"


def _compose_validator():
    text = files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema)


def _settings_env_names() -> set[str]:
    return {f"VOC_{name.upper()}" for name in Settings.model_fields}


def _kube_docs() -> dict[str, dict]:
    docs = {}
    for path in sorted(KUBE.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            docs[doc["kind"]] = doc
    return docs


def test_compose_file_validates_against_the_compose_spec():
    errors = [e.message for e in _compose_validator().iter_errors(yaml.safe_load(COMPOSE.read_text()))]
    assert errors == []


def test_compose_validator_rejects_a_broken_file():
    broken = yaml.safe_load(COMPOSE.read_text())
    broken["services"]["voc"]["portz"] = ["8000:8000"]
    assert list(_compose_validator().iter_errors(broken))


def test_compose_runs_the_service_on_the_qdrant_server():
    compose = yaml.safe_load(COMPOSE.read_text())
    voc = compose["services"]["voc"]
    env = voc["environment"]
    assert env["VOC_STORE_BACKEND"] == "server"
    assert env["VOC_QDRANT_URL"] == "http://qdrant:6333" and "qdrant" in compose["services"]
    assert voc["depends_on"]["qdrant"]["condition"] == "service_healthy"
    assert set(env) <= _settings_env_names(), "every variable is a setting the service reads"
    for name in ("VOC_TOKENS", "VOC_QDRANT_API_KEY"):
        assert env[name].startswith("${"), f"{name} comes from the environment, not the file"
    assert voc["ports"] == ["127.0.0.1:8000:8000"]


@pytest.mark.parametrize("kind", ["ConfigMap", "Secret", "Deployment", "Service", "CronJob", "PersistentVolumeClaim"])
def test_kubernetes_manifest_is_valid(kind):
    docs = _kube_docs()
    assert kind in docs
    kubernetes_validate.validate(docs[kind], KUBE_VERSION, strict=True)


def test_kubernetes_validation_rejects_a_wrong_field():
    deployment = _kube_docs()["Deployment"]
    deployment["spec"]["replica"] = 3
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example():
    listed = set(yaml.safe_load((KUBE / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == present


def test_deployment_probes_port_and_settings_match_the_service():
    docs = _kube_docs()
    config = docs["ConfigMap"]["data"]
    assert set(config) | set(docs["Secret"]["stringData"]) <= _settings_env_names()
    assert config["VOC_STORE_BACKEND"] == "server", "replicas > 1 need the server store"
    Settings(**{k.removeprefix("VOC_").lower(): v for k, v in config.items()})  # values parse
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["voc", "serve"]
    assert container["ports"][0]["containerPort"] == int(config["VOC_PORT"])
    assert container["readinessProbe"]["httpGet"]["path"] == "/v1/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/v1/health"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    selector = docs["Service"]["spec"]["selector"]
    assert selector.items() <= docs["Deployment"]["spec"]["template"]["metadata"]["labels"].items()


def test_cronjob_runs_recluster_with_options_the_cli_accepts():
    job = _kube_docs()["CronJob"]["spec"]
    assert job["concurrencyPolicy"] == "Forbid"
    (container,) = job["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["voc", "recluster"]
    command = typer.main.get_command(cli_app).commands["recluster"]
    known = {opt for param in command.params for opt in param.opts}
    for arg in container["args"]:
        assert arg.split("=")[0] in known, f"voc recluster has no option {arg}"
    assert not any("api-key" in arg or "$(" in arg for arg in container["args"])  # secrets never on the command line
    docs = _kube_docs()
    sources = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in container["envFrom"]}
    assert sources == {docs["ConfigMap"]["metadata"]["name"], docs["Secret"]["metadata"]["name"]}
    assert docs["ConfigMap"]["data"]["VOC_STORE_BACKEND"] == "server" and "VOC_QDRANT_URL" in docs["ConfigMap"]["data"]
    assert "VOC_QDRANT_API_KEY" in docs["Secret"]["stringData"]


def _image_env() -> dict[str, str]:
    return stage_env(final_stage(ROOT / "Dockerfile"))


def _pod_specs() -> dict[str, dict]:
    docs = _kube_docs()
    return {"Deployment": docs["Deployment"]["spec"]["template"]["spec"],
            "CronJob": docs["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]}


def _settings_of(env: dict[str, str]) -> Settings:
    """The settings a process reads from this environment (values of the form ${...} are the operator's)."""
    given = {k: str(v) for k, v in env.items() if k.startswith("VOC_") and not str(v).startswith("${")}
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("VOC_")]:
            patch.delenv(name)
        for name, value in given.items():
            patch.setenv(name, value)
        return Settings(_env_file=None)


def test_every_voc_variable_named_in_the_deployment_files_is_a_setting():
    files = [ROOT / "Dockerfile", COMPOSE, *sorted(KUBE.glob("*.yaml"))]
    named = {name: path.name for path in files for name in re.findall(r"\bVOC_[A-Z0-9_]+", path.read_text())}
    assert {"VOC_DATA_DIR", "VOC_STORE_BACKEND", "VOC_QDRANT_API_KEY"} <= set(named)
    unknown = {name: where for name, where in named.items() if name not in _settings_env_names()}
    assert unknown == {}, "not a setting in core/settings.py: the service would ignore it"
    # and the values parse, per process: the image's defaults under each environment that overrides them
    compose = yaml.safe_load(COMPOSE.read_text())
    for service in compose["services"].values():
        _settings_of({**_image_env(), **service.get("environment", {})})
    docs = _kube_docs()
    for pod in _pod_specs().values():
        for container in pod["containers"]:
            inline = {item["name"]: item["value"] for item in container.get("env", []) if "value" in item}
            _settings_of({**_image_env(), **docs["ConfigMap"]["data"], **docs["Secret"]["stringData"], **inline})


def test_probes_health_check_and_scrape_path_answer_on_a_ready_service(tiny_settings):
    template = _kube_docs()["Deployment"]["spec"]["template"]
    (container,) = template["spec"]["containers"]
    paths = {name: container[name]["httpGet"]["path"] for name in ("startupProbe", "readinessProbe", "livenessProbe")}
    paths["prometheus.io/path"] = template["metadata"]["annotations"]["prometheus.io/path"]
    check = exec_form(final_stage(ROOT / "Dockerfile"), "HEALTHCHECK")[-1]
    paths["HEALTHCHECK"] = re.search(r"'(/[\w/]+)'", check).group(1)
    assert set(paths.values()) == {"/v1/ready", "/v1/health", "/metrics"}
    with TestClient(create_app(tiny_settings())) as client:
        answers = {name: client.get(path).status_code for name, path in paths.items()}
        assert client.get("/v1/not-a-route").status_code == 404
    assert answers == dict.fromkeys(paths, 200)


def _under(path: str, mounts: set[str]) -> bool:
    return any(PurePosixPath(path).is_relative_to(mount) for mount in mounts)


def test_read_only_containers_mount_every_path_the_app_writes():
    """With a read-only root filesystem only mounts are writable: the data folder (store, clusters,
    taxonomy), /tmp (temporary files) and numba's cache (the clustering run) must each be on one."""
    def written(env: dict[str, str]) -> set[str]:
        return {str(_settings_of(env).data_dir), env.get("NUMBA_CACHE_DIR", "unset: numba caches under $HOME"), "/tmp"}

    compose = yaml.safe_load(COMPOSE.read_text())
    for name, service in compose["services"].items():
        if not service.get("read_only") or not str(service.get("image", "")).startswith("voc-radar"):
            continue
        mounts = {volume.split(":")[1] for volume in service.get("volumes", [])} | set(service.get("tmpfs", []))
        paths = written({**_image_env(), **service.get("environment", {})})
        assert {path for path in paths if not _under(path, mounts)} == set(), f"compose service {name}"
    config = _kube_docs()["ConfigMap"]["data"]
    for kind, pod in _pod_specs().items():
        (container,) = pod["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        mounts = {mount["mountPath"] for mount in container["volumeMounts"] if not mount.get("readOnly")}
        paths = written({**_image_env(), **config})
        assert {path for path in paths if not _under(path, mounts)} == set(), kind


def test_compose_qdrant_server_is_compatible_with_the_client_the_image_installs():
    image = yaml.safe_load(COMPOSE.read_text())["services"]["qdrant"]["image"]
    server = image.rpartition(":v")[2]
    client = importlib.metadata.version("qdrant-client")
    # the client's own rule (it warns on every connection otherwise): same major, minor at most one apart
    assert is_compatible(client, server), f"{image} vs qdrant-client {client}"
    assert not is_compatible(client, "1.0.0")
