"""Kino's Kubernetes overlays, run on one machine by ``podman kube play`` (bench/deploy_smoke.py).

What podman runs is what ``kubectl kustomize`` renders from a site overlay: ``k8s/overlays/dev``
as it is, the component ``k8s/components/host-services`` (the node's own PostgreSQL, Redis, NATS
and S3 on 127.0.0.1 instead of dev's in-cluster servers and monitoring, whose images no
registry serves here; every pod on the host network) and a component of this run that sets
its image, replicas, database and addresses (``write_site_overlay``), the way any installation
sets its own. Podman 4.3 differs from a cluster in four ways, and ``for_podman`` bridges exactly those,
nothing else:

- **Secrets.** Podman stores a ``Secret`` from the YAML but then cannot read it back (it
  expects JSON of the data): each rendered Secret's ``data`` goes to ``podman secret create``
  as JSON instead, under the same name, and the YAML goes without it.
- **Ports.** Pods of the host-services component share the machine's network. Podman refuses
  port mappings there, so containers lose ``ports`` (named probe ports become numbers first);
  and since one port serves one process, every pod gets its own ports through the variables
  Kino reads (``KINO_HTTP_PORT``, ``KINO_METRICS_PORT``, ``KINO_RTMP_PORT``), chosen by the
  caller.
- **Replicas.** Replicas on one network cannot share a port: a Deployment with N > 1 replicas
  becomes N Deployments ``<name>-<i>`` of one replica each.
- **Precedence.** In Kubernetes a container's ``env`` wins over its ``envFrom``; podman 4.3 does
  the opposite. Each ConfigMap a container reads through ``envFrom`` is written into its
  ``env`` (the ConfigMap's values first, the container's own over them), so every container
  sees the values Kubernetes would give it.

Kinds podman does not run (Service, Ingress, PodDisruptionBudget, ServiceAccount, Namespace)
are left out, and so are the ConfigMaps once written into the containers' env. Nothing is
filtered by name: the render holds no other workload than Kino's (tests/unit/test_image.py).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINO_IMAGE = "ghcr.io/kino-video/kino"
K8S = Path(__file__).resolve().parents[1] / "k8s"
DEV_OVERLAY = K8S / "overlays" / "dev"
HOST_SERVICES = K8S / "components" / "host-services"
PORT_VARIABLES = {
    "http": "KINO_HTTP_PORT",
    "metrics": "KINO_METRICS_PORT",
    "rtmp": "KINO_RTMP_PORT",
}

Doc = dict[str, Any]
Allocate = Callable[[str, str], int]  # (pod name, port name) -> the port it listens on


@dataclass
class PodmanPlan:
    deployments: list[Doc] = field(default_factory=list)  # the YAML to play
    secrets: dict[str, str] = field(default_factory=dict)  # name -> JSON for podman secret create
    ports: dict[str, dict[str, int]] = field(default_factory=dict)  # pod -> port name -> port

    def yaml(self) -> str:
        return yaml.safe_dump_all(self.deployments, sort_keys=False)


def write_site_overlay(
    site: Path,
    *,
    tag: str,
    config: Mapping[str, str],
    secrets: Mapping[str, str],
    replicas: Mapping[str, int],
) -> None:
    """Write the site overlay into the directory ``site``: a kustomization of three references,
    the dev overlay and the components host-services and ``run`` (``site/run``: this run's
    image tag, never pulled, replicas, settings merged into kino-config and secrets merged
    into kino-secrets).

    The run's settings are a component, listed after host-services, because kustomize (5.1
    and later) applies a kustomization's components after its own generators: settings in
    the site's own configMapGenerator would lose to host-services' 127.0.0.1 addresses."""

    def relative(path: Path) -> str:
        return os.path.relpath(path.resolve(), site.resolve())

    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [relative(DEV_OVERLAY)],
        "components": [relative(HOST_SERVICES), "run"],
    }
    run = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "images": [{"name": KINO_IMAGE, "newTag": tag}],
        "replicas": [{"name": name, "count": count} for name, count in replicas.items()],
        "configMapGenerator": [
            {
                "name": "kino-config",
                "behavior": "merge",
                "literals": [f"{k}={v}" for k, v in config.items()],
            }
        ],
        "secretGenerator": [
            {
                "name": "kino-secrets",
                "behavior": "merge",
                "literals": [f"{k}={v}" for k, v in secrets.items()],
            }
        ],
        "patches": [
            {
                "target": {"kind": "Deployment", "labelSelector": "app.kubernetes.io/name=kino"},
                "patch": yaml.safe_dump(
                    [
                        {
                            "op": "replace",
                            "path": "/spec/template/spec/containers/0/imagePullPolicy",
                            "value": "Never",
                        }
                    ]
                ),
            }
        ],
    }
    (site / "run").mkdir(parents=True, exist_ok=True)
    (site / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    (site / "run" / "kustomization.yaml").write_text(yaml.safe_dump(run, sort_keys=False))


def render(directory: Path) -> list[Doc]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is not on PATH (Debian: apt-get install kubectl)")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"kubectl kustomize {directory}: {result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def for_podman(docs: list[Doc], allocate: Allocate) -> PodmanPlan:
    plan = PodmanPlan()
    config_maps = {
        d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"
    }
    for doc in docs:
        if doc["kind"] == "Secret":
            data = {key: "".join(value.split()) for key, value in doc.get("data", {}).items()}
            plan.secrets[doc["metadata"]["name"]] = json.dumps(data)
        elif doc["kind"] == "Deployment":
            count = doc["spec"].get("replicas", 1)
            for index in range(count):
                name = doc["metadata"]["name"]
                name = name if count == 1 else f"{name}-{index}"
                plan.deployments.append(_one_pod(doc, name, allocate, plan.ports, config_maps))
    return plan


def _one_pod(
    deployment: Doc,
    name: str,
    allocate: Allocate,
    ports: dict[str, dict[str, int]],
    config_maps: dict[str, dict[str, str]],
) -> Doc:
    doc = copy.deepcopy(deployment)
    doc["metadata"]["name"] = name
    doc["spec"]["replicas"] = 1
    assigned = ports.setdefault(name, {})
    for container in doc["spec"]["template"]["spec"]["containers"]:
        declared = {port["name"]: port["containerPort"] for port in container.pop("ports", [])}
        for port_name in declared:
            assigned[port_name] = allocate(name, port_name)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            action = container.get(probe, {})
            for kind in ("httpGet", "tcpSocket"):
                port = action.get(kind, {}).get("port")
                if isinstance(port, str):
                    action[kind]["port"] = assigned[port]
                elif port in declared.values():
                    action[kind]["port"] = assigned[_name_of(declared, port)]
        env = _inline_config_maps(container, config_maps)
        for port_name, port in assigned.items():
            if port_name in PORT_VARIABLES:
                variable = PORT_VARIABLES[port_name]
                env[variable] = {"name": variable, "value": str(port)}
        container["env"] = list(env.values())
    annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
    if "prometheus.io/port" in annotations:
        annotations["prometheus.io/port"] = str(assigned.get("metrics") or assigned["http"])
    return doc


def _inline_config_maps(container: Doc, config_maps: dict[str, dict[str, str]]) -> dict[str, Doc]:
    """The container's env by name: its envFrom ConfigMaps' values, then its own entries over
    them (Kubernetes' precedence); only Secret references stay in envFrom."""
    env: dict[str, Doc] = {}
    sources = []
    for source in container.get("envFrom", []):
        reference = source.get("configMapRef")
        if reference is None:
            sources.append(source)
            continue
        for key, value in config_maps[reference["name"]].items():
            env[key] = {"name": key, "value": value}
    for item in container.get("env", []):
        env[item["name"]] = item
    container["envFrom"] = sources
    return env


def _name_of(declared: dict[str, int], port: int) -> str:
    return next(name for name, number in declared.items() if number == port)
