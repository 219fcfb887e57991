"""The container image and what runs it, checked offline (no build: ``make image`` builds and
checks the image itself, scripts/deploy-smoke.sh runs it).

The Containerfile's runtime stage runs as the UID k8s/ runs as, with ``kino`` as the
entrypoint, OCI labels, and no build secret; the build context lets in only what the
Containerfile copies; every name of the image (Makefile, build script, k8s/, the smoke) is the
same; the wheel check fails a wheel without the web client; the podman plan of bench/kube_play.py
keeps Kubernetes' meaning (env over envFrom, one port per pod, every replica); what the smoke
plays is k8s/overlays/dev as kubectl renders it, with the host-services component."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.kube_play import DEV_OVERLAY, KINO_IMAGE, for_podman, render, write_site_overlay
from kino.cli import main
from tests.unit.test_k8s import changed_paths, host_services_changes, kino_deployments, resource_ids

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
K8S = ROOT / "k8s"


def _stages() -> dict[str, list[str]]:
    """Instructions by stage name (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text())
    stages: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if match:
            current = match.group(1)
            stages[current] = []
        elif current is not None:
            stages[current].append(line)
    return stages


def test_the_runtime_stage_is_last_and_runs_kino_as_10001() -> None:
    stages = _stages()
    assert list(stages) == ["web", "wheel", "runtime"]
    runtime = stages["runtime"]
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users == ["10001:10001"]
    assert 'ENTRYPOINT ["kino"]' in runtime
    assert any("useradd" in line and "--uid 10001" in line for line in runtime)


def test_the_uid_is_the_one_k8s_runs_as() -> None:
    for path in (K8S / "base").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] == "Deployment":
                security = doc["spec"]["template"]["spec"]["securityContext"]
                assert (security["runAsUser"], security["runAsGroup"]) == (10001, 10001), path


def test_the_runtime_stage_has_no_build_tools_or_secrets() -> None:
    runtime = " ".join(_stages()["runtime"])
    assert "--mount=type=secret" not in runtime
    assert "ca-bundle" not in runtime
    installed = re.search(r"apt-get install -y --no-install-recommends ([^&]+)", runtime)
    assert installed is not None
    packages = set(installed.group(1).split())
    assert packages == {"python3", "ffmpeg", "nginx", "libnginx-mod-rtmp", "ca-certificates"}
    copies = [line for line in _stages()["runtime"] if line.startswith("COPY")]
    assert copies == ["COPY --from=wheel /opt/kino /opt/kino"]


def test_the_ca_bundle_is_mounted_only_for_npm_and_pip() -> None:
    for stage, lines in _stages().items():
        for line in lines:
            if "ca-bundle" in line:
                assert line.startswith("RUN --mount=type=secret,id=ca-bundle"), (stage, line)
                assert ("npm ci" in line) or ("pip " in line), (stage, line)


def test_oci_labels() -> None:
    runtime = " ".join(_stages()["runtime"])
    for label in ("source", "version", "licenses", "revision", "title"):
        assert f"org.opencontainers.image.{label}=" in runtime, label
    assert 'org.opencontainers.image.version="${VERSION}"' in runtime


def test_the_build_context_lets_in_only_what_the_containerfile_copies() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "an allow-list: everything is left out unless named"
    allowed = [p[1:].rstrip("/") for p in patterns if p.startswith("!")]
    for secret_place in (".kino", ".venv", ".git", "test-artifacts", "node_modules"):
        assert not any(secret_place in entry for entry in allowed), secret_place
    sources = []
    for lines in _stages().values():
        for line in lines:
            parts = line.split()
            if parts[0] == "COPY" and not parts[1].startswith("--from"):
                sources += parts[1:-1]
    assert sources
    for source in sources:
        assert any(source == entry or source.startswith(entry + "/") for entry in allowed), source
        assert (ROOT / source).exists(), source


def test_every_name_of_the_image_is_the_same() -> None:
    makefile = re.search(r"^IMAGE \?= (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert makefile is not None
    build = re.search(r"IMAGE=\$\{1:-(\S+)\}", (ROOT / "scripts/image/build.sh").read_text())
    assert build is not None
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    assert {image["name"] for image in base["images"]} == {KINO_IMAGE}
    assert makefile.group(1) == build.group(1) == KINO_IMAGE
    for path in (K8S / "base").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] == "Deployment":
                images = {c["image"] for c in doc["spec"]["template"]["spec"]["containers"]}
                assert images == {KINO_IMAGE}, path
    # make image tags :latest (what the overlays deploy until a version is pinned) and :VERSION.
    script = (ROOT / "scripts/image/build.sh").read_text()
    assert '-t "$IMAGE:$VERSION" -t "$IMAGE:latest"' in script


def test_kino_kino_is_kino(capsys: pytest.CaptureFixture[str]) -> None:
    """`podman run IMAGE kino --help` runs `kino kino --help` (the entrypoint is kino)."""
    for argv in (["kino", "--help"], ["--help"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 0
        assert capsys.readouterr().out.startswith("usage: kino")


def _wheel(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as wheel:
        for name in names:
            wheel.writestr(name, "x")
    return path


def _source(root: Path) -> Path:
    build = root / "kino/web/static/build"
    build.mkdir(parents=True)
    (build / "manifest.json").write_text(json.dumps({"scripts": {"watch": "/static/build/w-1.js"}}))
    (root / "kino/web/templates").mkdir(parents=True)
    (root / "kino/web/templates/base.html").write_text("")
    return root


@pytest.mark.parametrize(
    "missing", [None, "kino/web/static/build/w-1.js", "kino/web/templates/base.html"]
)
def test_the_wheel_check_needs_the_web_client(tmp_path: Path, missing: str | None) -> None:
    names = [
        "kino/web/static/build/manifest.json",
        "kino/web/static/build/w-1.js",
        "kino/web/static/kino.css",
        "kino/web/templates/base.html",
    ]
    wheel = _wheel(tmp_path / "kino-0-py3-none-any.whl", [n for n in names if n != missing])
    source = _source(tmp_path / "src")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/image/check_wheel.py"), str(wheel), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) == (missing is None), result.stderr
    if missing:
        assert missing in result.stderr


def _container(env: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "name": "api",
        "image": f"{KINO_IMAGE}:1",
        "command": ["kino", "api"],
        "ports": [{"name": "http", "containerPort": 8000}],
        "envFrom": [{"configMapRef": {"name": "kino-config-x"}}, {"secretRef": {"name": "s-x"}}],
        "env": env or [],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8000}},
    }


def _deployment(name: str, replicas: int, container: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "kino"}},
        "spec": {
            "replicas": replicas,
            "template": {
                "metadata": {"annotations": {"prometheus.io/port": "8000"}},
                "spec": {"containers": [container]},
            },
        },
    }


def test_the_podman_plan_keeps_kubernetes_meaning() -> None:
    config = {"kind": "ConfigMap", "metadata": {"name": "kino-config-x"},
              "data": {"KINO_HTTP_PORT": "8000", "KINO_LOG_LEVEL": "INFO", "KINO_ENV": "development"}}  # fmt: skip
    secret = {"kind": "Secret", "metadata": {"name": "s-x"},
              "data": {"KINO_SECRET_KEY": "c2VjcmV0LXZhbHVl\n  YWJj"}}  # fmt: skip
    own = [{"name": "KINO_LOG_LEVEL", "value": "DEBUG"}]
    docs = [config, secret, _deployment("api", 2, _container(own))]
    ports = iter([41000, 41001])
    plan = for_podman(docs, lambda pod, name: next(ports))

    assert [d["metadata"]["name"] for d in plan.deployments] == ["api-0", "api-1"]
    assert plan.ports == {"api-0": {"http": 41000}, "api-1": {"http": 41001}}
    for pod, port in (("api-0", 41000), ("api-1", 41001)):
        doc = next(d for d in plan.deployments if d["metadata"]["name"] == pod)
        assert doc["spec"]["replicas"] == 1
        (container,) = doc["spec"]["template"]["spec"]["containers"]
        env = {item["name"]: item["value"] for item in container["env"]}
        # The pod's own port, the container's own value over the ConfigMap's, the rest kept.
        assert env == {"KINO_HTTP_PORT": str(port), "KINO_LOG_LEVEL": "DEBUG", "KINO_ENV": "development"}  # fmt: skip
        assert container["envFrom"] == [{"secretRef": {"name": "s-x"}}]
        assert "ports" not in container
        assert container["readinessProbe"]["httpGet"]["port"] == port
        assert container["livenessProbe"]["httpGet"]["port"] == port
        assert doc["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    data = json.loads(plan.secrets["s-x"])
    assert base64.b64decode(data["KINO_SECRET_KEY"]) == b"secret-valueabc"
    assert "Secret" not in plan.yaml() and "ConfigMap" not in plan.yaml()


def test_the_smoke_runs_what_the_dev_overlay_renders(tmp_path: Path) -> None:
    """The site overlay of scripts/deploy-smoke.sh is k8s/overlays/dev with the host-services
    component and this run's settings: kubectl renders dev's Kino Deployments, changed only by
    the component's documented patches and the run's tag (never pulled) and replicas, and no
    other workload (dev's in-cluster servers and monitoring are gone)."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on PATH")
    site = tmp_path / "site"
    replicas = {"api": 2, "transcoder": 1, "ingest": 1}  # as bench/deploy_smoke.py asks
    write_site_overlay(
        site,
        tag="9.9.9",
        config={"KINO_REDIS_NAMESPACE": "smoketest", "KINO_REDIS_URL": "redis://127.0.0.1:1/2"},
        secrets={"KINO_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/smoketest"},
        replicas=replicas,
    )
    kustomization = yaml.safe_load((site / "kustomization.yaml").read_text())
    assert kustomization.keys() == {"apiVersion", "kind", "resources", "components"}
    assert [(site / p).resolve() for p in kustomization["resources"]] == [K8S / "overlays" / "dev"]
    assert [(site / p).resolve() for p in kustomization["components"]] == [
        K8S / "components" / "host-services",
        site / "run",
    ]
    docs = render(site)

    dev = kino_deployments(render(DEV_OVERLAY))
    rendered = kino_deployments(docs)
    assert rendered.keys() == dev.keys()
    container = "/spec/template/spec/containers/0"
    for name, doc in rendered.items():
        expected = host_services_changes(name) | {
            f"{container}/image",
            f"{container}/imagePullPolicy",
        }
        if replicas.get(name, dev[name]["spec"]["replicas"]) != dev[name]["spec"]["replicas"]:
            expected.add("/spec/replicas")
        assert changed_paths(dev[name], doc) == expected, name
        (kino,) = doc["spec"]["template"]["spec"]["containers"]
        assert kino["image"] == f"{KINO_IMAGE}:9.9.9"
        assert kino["imagePullPolicy"] == "Never"
        assert doc["spec"]["replicas"] == replicas.get(name, 1)
    # Kino's own resources (the base's) and the Secret dev generates: no backing service.
    assert resource_ids(docs) == resource_ids(render(K8S / "base")) | {("Secret", "kino-secrets")}

    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert config["data"]["KINO_REDIS_NAMESPACE"] == "smoketest"
    # The run's settings win over host-services', which win over dev's.
    assert config["data"]["KINO_REDIS_URL"] == "redis://127.0.0.1:1/2"
    assert config["data"]["KINO_NATS_URL"] == "nats://127.0.0.1:4222"  # from host-services
    assert config["data"]["KINO_ENV"] == "development"  # from dev
    secret = next(d for d in docs if d["kind"] == "Secret")
    url = base64.b64decode("".join(secret["data"]["KINO_DATABASE_URL"].split())).decode()
    assert url.endswith("/smoketest")
    assert len(secret["data"]) == 4  # merged into dev's, not replacing them
    free = iter(range(42000, 42100))
    plan = for_podman(docs, lambda pod, name: next(free))
    assert sorted(plan.ports) == ["api-0", "api-1", "ingest", "projector", "relay", "transcoder"]
    # Two apis, the ingest's RTMP and metrics, three workers' metrics: seven ports, all distinct.
    assert len({p for pod in plan.ports.values() for p in pod.values()}) == 7
    # Every played container reads only what the render holds (kino-otel went with lgtm).
    names = {d["metadata"]["name"] for d in docs}
    for deployment in plan.deployments:
        for kino in deployment["spec"]["template"]["spec"]["containers"]:
            for source in kino["envFrom"]:
                assert (source.get("secretRef") or source["configMapRef"])["name"] in names


def test_without_the_embedded_extra_kino_dev_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image installs Kino without the `embedded` extra (no PostgreSQL, Redis or NATS
    binaries): `kino dev` there stops with the way out instead of an ImportError."""
    import importlib.util

    from kino.infrastructure import embedded

    real = importlib.util.find_spec
    monkeypatch.setattr(
        embedded.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pgserver" else real(name, *a),
    )
    with pytest.raises(
        RuntimeError, match=r"pgserver not installed: pip install 'kino\[embedded\]'"
    ):
        embedded.EmbeddedServers(tmp_path).start()
    assert not (tmp_path / embedded.STATE_FILE).exists()
