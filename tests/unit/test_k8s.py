"""The Kubernetes deployment in k8s/ and its Grafana dashboards, checked offline.

No cluster is needed. Every YAML resource file the overlays reach through their
kustomizations is validated against the Kubernetes 1.32 schemas (strict: unknown fields
fail) with ``kubernetes_validate``; that part always runs. When ``kubectl`` is on PATH the
overlays are also rendered with ``kubectl kustomize`` and the rendered output is validated
and checked the same way (generators, patches and components included).

Dashboards: every PromQL expression may only name metrics that kino/infrastructure/metrics.py
defines (histograms with their ``_bucket``/``_sum``/``_count`` series).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = ("dev", "production", "host")
KUBERNETES_VERSION = "1.32"
DASHBOARDS = K8S / "components" / "monitoring" / "dashboards"
METRICS_MODULE = ROOT / "kino" / "infrastructure" / "metrics.py"
SETTINGS_PACKAGE = ROOT / "kino" / "infrastructure" / "settings"
HOST_SERVICES = K8S / "components" / "host-services"
KINO_IMAGE = "ghcr.io/kino-video/kino"
KINO_PROCESSES = ("api", "projector", "relay", "transcoder", "ingest")

# Metric names a dashboard may reference before kino/infrastructure/metrics.py defines them
# (a panel written ahead of the code it watches). Empty today: every name the dashboards use is
# defined. A name stays here only while it is missing from metrics.py; the test below fails
# once it is defined, so that the entry is removed rather than left to hide a typo later.
EXPECTED_LATER: frozenset[str] = frozenset()

# What each dashboard must show (the metrics it exists for).
REQUIRED_METRICS = {
    "overview.json": {
        "kino_http_requests_total",
        "kino_http_request_duration_seconds",
        "kino_graphql_operations_total",
        "kino_graphql_operation_duration_seconds",
        "kino_events_written_total",
        "kino_websocket_subscribers",
    },
    "projections.json": {
        "kino_projection_position",
        "kino_projection_head",
        "kino_projection_lag_events",
        "kino_projection_failures_total",
        "kino_projection_failing",
    },
    "transcoding.json": {
        "kino_transcoder_jobs_total",
        "kino_transcoder_job_duration_seconds",
        "kino_transcoder_queue_depth",
        "kino_relay_lag_events",
    },
}

_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count", "_created")
_METRIC_TOKEN = re.compile(r"\bkino_[a-z0-9_]+\b")
_GENERATED_SUFFIX = re.compile(r"-[a-z0-9]{10}$")  # the hash kustomize's generators append
_GENERATED_NAMES = frozenset({"kino-config", "kino-secrets", "kino-otel", "kino-postgres"})


# --- walking the kustomizations ----------------------------------------------------------


def _kustomization(directory: Path) -> dict[str, Any]:
    data = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert isinstance(data, dict), directory
    return data


def _kustomization_dirs() -> list[Path]:
    """Every kustomization (overlays, the base, components) reachable from the overlays."""
    seen: list[Path] = []
    pending = [K8S / "overlays" / name for name in OVERLAYS]
    while pending:
        directory = pending.pop().resolve()
        if directory in seen:
            continue
        seen.append(directory)
        data = _kustomization(directory)
        for entry in [*data.get("resources", []), *data.get("components", [])]:
            target = (directory / entry).resolve()
            if target.is_dir():
                pending.append(target)
    return sorted(seen)


def _resource_files() -> list[Path]:
    files = set()
    for directory in _kustomization_dirs():
        for entry in _kustomization(directory).get("resources", []):
            target = (directory / entry).resolve()
            if target.is_file():
                files.add(target)
    return sorted(files)


def _referenced_files() -> set[Path]:
    """Resource files plus patch and generator files: everything the kustomizations use."""
    used = set(_resource_files())
    for directory in _kustomization_dirs():
        used.add(directory / "kustomization.yaml")
        data = _kustomization(directory)
        for patch in data.get("patches", []):
            if "path" in patch:
                used.add((directory / patch["path"]).resolve())
        for generator in [*data.get("configMapGenerator", []), *data.get("secretGenerator", [])]:
            for entry in [*generator.get("files", []), *generator.get("envs", [])]:
                used.add((directory / entry.split("=", 1)[-1]).resolve())
    return used


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _source_documents() -> list[dict[str, Any]]:
    return [doc for path in _resource_files() for doc in _documents(path)]


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _render(overlay: str) -> list[dict[str, Any]]:
    return _kustomize(K8S / "overlays" / overlay)


def _kustomize(directory: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not on PATH; the source files are still validated")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _validate(doc: dict[str, Any], where: str) -> None:
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        name = doc.get("metadata", {}).get("name")
        path = "/".join(str(part) for part in error.path)
        pytest.fail(f"{where}: {doc.get('kind')} {name}: {error.message} at /{path}")


def _pod_specs(docs: list[dict[str, Any]], kinds: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    for doc in docs:
        if doc["kind"] in kinds:
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]


# --- Kubernetes resources ----------------------------------------------------------------


def test_the_overlays_reach_the_base_and_every_component() -> None:
    names = {_rel(d) for d in _kustomization_dirs()}
    assert names == {
        "k8s/base",
        "k8s/components/host-services",
        "k8s/components/minio",
        "k8s/components/monitoring",
        "k8s/components/nats",
        "k8s/components/postgres",
        "k8s/components/redis",
        "k8s/overlays/dev",
        "k8s/overlays/host",
        "k8s/overlays/production",
    }


def test_no_yaml_file_under_k8s_is_left_unused() -> None:
    used = _referenced_files()
    orphans = [
        _rel(path)
        for path in K8S.rglob("*")
        if path.suffix in (".yaml", ".yml", ".json") and path.resolve() not in used
    ]
    assert orphans == []


@pytest.mark.parametrize("path", _resource_files(), ids=_rel)
def test_resource_file_is_valid_kubernetes(path: Path) -> None:
    docs = _documents(path)
    assert docs, f"{_rel(path)} holds no resource"
    for doc in docs:
        _validate(doc, _rel(path))


def test_validation_is_strict() -> None:
    """The check above can fail: a misspelt field is refused, not ignored."""
    deployment = _documents(K8S / "base" / "api.yaml")[0]
    deployment["spec"]["replica"] = deployment["spec"].pop("replicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_overlay_is_valid_kubernetes(overlay: str) -> None:
    docs = _render(overlay)
    for doc in docs:
        _validate(doc, f"kubectl kustomize overlays/{overlay}")
    assert {doc["metadata"].get("namespace") for doc in docs if doc["kind"] != "Namespace"} == {
        "kino"
    }
    _check_workloads(docs)


def test_source_workloads_are_complete() -> None:
    _check_workloads(_source_documents())


def _check_workloads(docs: list[dict[str, Any]]) -> None:
    commands = []
    for where, template in _pod_specs(docs, ("Deployment", "StatefulSet")):
        for container in template["spec"]["containers"]:
            label = f"{where} container {container['name']}"
            assert "readinessProbe" in container, f"{label}: no readiness probe"
            assert "livenessProbe" in container, f"{label}: no liveness probe"
            limits = container.get("resources", {}).get("limits", {})
            assert {"cpu", "memory"} <= limits.keys(), f"{label}: no cpu and memory limits"
            assert container.get("resources", {}).get("requests"), f"{label}: no requests"
    for where, template in _pod_specs(docs, ("Deployment", "StatefulSet", "Job")):
        for container in template["spec"]["containers"]:
            if container["image"].split(":")[0] != KINO_IMAGE:
                continue
            command = container.get("command", [])
            assert len(command) == 2, f"{where}: {command}"
            assert command[0] == "kino", f"{where}: {command}"
            assert command[1] in KINO_PROCESSES, f"{where}: kino {command[1]} is not a process"
            commands.append(command[1])
            _check_kino_pod(where, template, container)
    assert sorted(commands) == sorted(KINO_PROCESSES)


def _check_kino_pod(where: str, template: dict[str, Any], container: dict[str, Any]) -> None:
    annotations = template["metadata"].get("annotations", {})
    assert annotations.get("prometheus.io/scrape") == "true", where
    assert annotations.get("prometheus.io/path") == "/metrics", where
    ports = {port["containerPort"] for port in container["ports"]}
    assert int(annotations["prometheus.io/port"]) in ports, where
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    liveness = container["livenessProbe"]["httpGet"]
    assert liveness["path"] == "/healthz", f"{where}: liveness must see a stalled loop"
    if container["command"][1] != "api":
        assert env.get("KINO_METRICS_PORT") == annotations["prometheus.io/port"], where
        metrics_port = next(p for p in container["ports"] if p["name"] == liveness["port"])
        assert str(metrics_port["containerPort"]) == env["KINO_METRICS_PORT"], where
    pod_security = template["spec"]["securityContext"]
    assert pod_security["runAsNonRoot"] is True, where
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True, where
    assert security["allowPrivilegeEscalation"] is False, where
    sources = {
        _GENERATED_SUFFIX.sub("", (item.get("configMapRef") or item["secretRef"])["name"])
        for item in container["envFrom"]
    }
    assert {"kino-config", "kino-secrets"} <= sources, where


def test_api_is_highly_available_in_the_base() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _source_documents()}
    api = docs["Deployment", "api"]
    assert api["spec"]["replicas"] == 2
    pod = api["spec"]["template"]["spec"]
    assert pod["topologySpreadConstraints"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert pod["terminationGracePeriodSeconds"] >= 15
    assert ("PodDisruptionBudget", "api") in docs
    assert docs["Deployment", "transcoder"]["spec"]["replicas"] == 2
    for name in ("projector", "relay"):
        assert docs["Deployment", name]["spec"]["replicas"] == 1


def test_the_ingest_takes_rtmp_from_outside() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _source_documents()}
    service = docs["Service", "ingest"]["spec"]
    assert service["type"] == "LoadBalancer"
    assert [(p["port"], p["protocol"]) for p in service["ports"]] == [(1935, "TCP")]
    pod = docs["Deployment", "ingest"]["spec"]["template"]["spec"]
    assert any(v["name"] == "data" and "emptyDir" in v for v in pod["volumes"])
    env = {item["name"]: item for item in pod["containers"][0]["env"]}
    assert env["KINO_INGEST_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


def _config_literals(directory: Path, generator_key: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for generator in _kustomization(directory).get(generator_key, []):
        literals = generator.get("literals", [])
        found[generator["name"]] = dict(literal.split("=", 1) for literal in literals)
    return found


def test_configuration_names_are_variables_kino_reads() -> None:
    source = "".join(module.read_text() for module in SETTINGS_PACKAGE.glob("*.py"))
    known = set(re.findall(r'"(KINO_[A-Z0-9_]+)"', source))
    assert "KINO_SECRET_KEY" in known
    names = set()
    for directory in _kustomization_dirs():
        for key in ("configMapGenerator", "secretGenerator"):
            for name, literals in _config_literals(directory, key).items():
                if name in ("kino-config", "kino-secrets"):
                    names |= literals.keys()
    assert names
    assert names - known == set()


def test_production_runs_in_production_mode_and_dev_generates_dev_only_secrets() -> None:
    production = K8S / "overlays" / "production"
    assert _config_literals(production, "configMapGenerator")["kino-config"]["KINO_ENV"] == (
        "production"
    )
    assert "secretGenerator" not in _kustomization(production)
    kinds = {(d["kind"], d["metadata"]["name"]) for d in _documents(production / "hpa.yaml")}
    assert kinds == {("HorizontalPodAutoscaler", "api"), ("HorizontalPodAutoscaler", "transcoder")}
    secrets = _config_literals(K8S / "overlays" / "dev", "secretGenerator")
    assert len(secrets["kino-secrets"]["KINO_SECRET_KEY"]) >= 32
    assert "dev-only" in secrets["kino-secrets"]["KINO_SECRET_KEY"]
    assert "dev-only" in secrets["kino-postgres"]["POSTGRES_PASSWORD"]
    assert (
        secrets["kino-postgres"]["POSTGRES_PASSWORD"]
        in (secrets["kino-secrets"]["KINO_DATABASE_URL"])
    )
    for directory in _kustomization_dirs():
        if directory.name not in ("dev", "host-services"):
            assert "secretGenerator" not in _kustomization(directory), directory
    # host-services merges into dev's kino-secrets (never a Secret of its own), dev-only too.
    (generator,) = _kustomization(HOST_SERVICES)["secretGenerator"]
    assert (generator["name"], generator["behavior"]) == ("kino-secrets", "merge")
    host = _config_literals(HOST_SERVICES, "secretGenerator")["kino-secrets"]
    assert host.keys() == {"KINO_DATABASE_URL"}
    assert secrets["kino-postgres"]["POSTGRES_PASSWORD"] in host["KINO_DATABASE_URL"]
    assert not [d for d in _source_documents() if d["kind"] == "Secret"]


def test_the_host_overlay_fits_one_node_and_uses_its_services() -> None:
    """k8s/overlays/host (dev with components/host-services): Kino's processes only, on the
    host network, no two containers on the same port, the services at the node's loopback."""
    docs = _render("host")
    kinds = {doc["kind"] for doc in docs}
    assert not kinds & {"StatefulSet", "Job"}, "the backing services are outside the cluster"
    ports: list[int] = []
    for where, template in _pod_specs(docs, ("Deployment",)):
        assert template["spec"]["hostNetwork"] is True, where
        assert template["spec"]["dnsPolicy"] == "ClusterFirstWithHostNet", where
        for container in template["spec"]["containers"]:
            ports += [port["containerPort"] for port in container["ports"]]
    assert len(ports) == len(set(ports)), sorted(ports)
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"]: d["spec"]["replicas"] for d in deployments} == dict.fromkeys(
        KINO_PROCESSES, 1
    )
    config = next(
        d for d in docs if d["kind"] == "ConfigMap" and "kino-config" in d["metadata"]["name"]
    )
    for key in ("KINO_REDIS_URL", "KINO_NATS_URL", "KINO_S3_ENDPOINT"):
        assert "127.0.0.1" in config["data"][key], key
    secret = next(d for d in docs if d["kind"] == "Secret")
    url = base64.b64decode(secret["data"]["KINO_DATABASE_URL"]).decode()
    assert "@127.0.0.1:5432/" in url


# What components/host-services changes in each of dev's Kino Deployments (JSON pointers; the
# component's kustomization.yaml and k8s/README.md list the same). Index of the metrics port:
_METRICS_PORT_INDEX = {"projector": 0, "relay": 0, "transcoder": 0, "ingest": 1}
_MISSING = object()


def host_services_changes(name: str) -> set[str]:
    pod = "/spec/template/spec"
    changes = {
        f"{pod}/hostNetwork",  # added
        f"{pod}/dnsPolicy",  # added
        f"{pod}/containers/0/envFrom/2",  # kino-otel removed with the monitoring stack
    }
    if name in _METRICS_PORT_INDEX:  # a metrics port of its own
        changes |= {
            f"{pod}/containers/0/ports/{_METRICS_PORT_INDEX[name]}/containerPort",
            f"{pod}/containers/0/env/0/value",
            "/spec/template/metadata/annotations/prometheus.io~1port",
        }
    return changes


def changed_paths(before: Any, after: Any, path: str = "") -> set[str]:
    """JSON pointers where two documents differ: a value changed, added or removed."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {
            changed
            for key in before.keys() | after.keys()
            for changed in changed_paths(
                before.get(key, _MISSING),
                after.get(key, _MISSING),
                f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}",
            )
        }
    if isinstance(before, list) and isinstance(after, list):
        return {
            changed
            for index in range(max(len(before), len(after)))
            for changed in changed_paths(
                before[index] if index < len(before) else _MISSING,
                after[index] if index < len(after) else _MISSING,
                f"{path}/{index}",
            )
        }
    return set() if before == after else {path}


def without_hashes(value: Any) -> Any:
    """``value`` with the hash suffix of generated names removed (kino-config-5b972g25t6 ->
    kino-config): a changed setting changes the name, not the Deployment."""
    if isinstance(value, dict):
        return {key: without_hashes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_hashes(item) for item in value]
    if isinstance(value, str) and _GENERATED_SUFFIX.sub("", value) in _GENERATED_NAMES:
        return _GENERATED_SUFFIX.sub("", value)
    return value


def kino_deployments(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        d["metadata"]["name"]: without_hashes(d)
        for d in docs
        if d["kind"] == "Deployment"
        and d["metadata"]["labels"].get("app.kubernetes.io/name") == "kino"
    }


def resource_ids(docs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(d["kind"], _GENERATED_SUFFIX.sub("", d["metadata"]["name"])) for d in docs}


def test_the_host_overlay_is_dev_with_the_host_services_component() -> None:
    """Dev's Kino Deployments, changed only where the component says; nothing left of dev's
    in-cluster servers or monitoring: Kino's own resources (the base) and dev's Secret."""
    host = _kustomization(K8S / "overlays" / "host")
    assert host["resources"] == ["../dev"]
    assert host["components"] == ["../../components/host-services"]
    dev, rendered = kino_deployments(_render("dev")), kino_deployments(_render("host"))
    assert dev.keys() == rendered.keys() == set(KINO_PROCESSES)
    for name in KINO_PROCESSES:
        expected = host_services_changes(name) | ({"/spec/replicas"} if name == "ingest" else set())
        assert changed_paths(dev[name], rendered[name]) == expected, name
    docs = _render("host")
    assert resource_ids(docs) == resource_ids(_kustomize(K8S / "base")) | {
        ("Secret", "kino-secrets")
    }
    assert {
        container["image"].split(":")[0]
        for _, template in _pod_specs(docs, ("Deployment", "StatefulSet", "Job"))
        for container in template["spec"]["containers"]
    } == {KINO_IMAGE}


def test_changed_paths_sees_every_kind_of_change() -> None:
    before = {"a": 1, "b": [1, 2, 3], "c/d": {"e": "x"}}
    after = {"a": 2, "b": [1, 2], "c/d": {"e": "x", "f": True}, "g": None}
    assert changed_paths(before, after) == {"/a", "/b/2", "/c~1d/f", "/g"}
    assert changed_paths(before, before) == set()


# --- Grafana dashboards ------------------------------------------------------------------


def _defined_metrics() -> set[str]:
    return set(re.findall(r'"(kino_[a-z0-9_]+)"', METRICS_MODULE.read_text()))


def _base_name(series: str, known: set[str]) -> str:
    if series in known:
        return series
    for suffix in _HISTOGRAM_SUFFIXES:
        if series.endswith(suffix) and series.removesuffix(suffix) in known:
            return series.removesuffix(suffix)
    return series


def _panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def _dashboard_files() -> list[Path]:
    return sorted(DASHBOARDS.glob("*.json"))


def test_every_dashboard_is_provisioned() -> None:
    monitoring = _kustomization(K8S / "components" / "monitoring")
    generators = {g["name"]: g for g in monitoring["configMapGenerator"]}
    files = {Path(entry).name for entry in generators["lgtm-dashboards"]["files"]}
    assert files == {path.name for path in _dashboard_files()} == REQUIRED_METRICS.keys()


def test_expected_later_names_are_not_defined_yet() -> None:
    assert EXPECTED_LATER & _defined_metrics() == set(), "remove them from EXPECTED_LATER"


@pytest.mark.parametrize("path", _dashboard_files(), ids=lambda p: p.name)
def test_dashboard_queries_only_metrics_kino_defines(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    defined = _defined_metrics()
    assert "kino_http_requests_total" in defined  # the parse found the module's names
    allowed = defined | EXPECTED_LATER
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["schemaVersion"] >= 36
    assert dashboard["uid"]
    assert dashboard["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [panel["id"] for panel in _panels(dashboard)]
    assert len(ids) == len(set(ids))
    used = set()
    for panel in _panels(dashboard):
        if panel["type"] == "row":
            continue
        where = f"{path.name} panel {panel['title']!r}"
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
        assert {"x", "y", "w", "h"} <= panel["gridPos"].keys(), where
        assert panel["targets"], where
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), where
        for target in panel["targets"]:
            series = set(_METRIC_TOKEN.findall(target["expr"]))
            assert series, f"{where}: {target['expr']} queries no Kino metric"
            names = {_base_name(s, allowed) for s in series}
            assert names <= allowed, f"{where}: unknown metrics {sorted(names - allowed)}"
            used |= names
    assert REQUIRED_METRICS[path.name] <= used
