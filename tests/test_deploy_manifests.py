"""docker compose and Kubernetes manifests: validated against their schemas and against the product."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import typer.main
import yaml

from cli.main import app as cli_app
from core.settings import Settings

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
