"""Deploy smoke: the image ``make image`` builds, the k8s overlay run by ``podman kube play``.

    bash scripts/deploy-smoke.sh [--no-build]     (--no-build: the image make image built last)

Builds the image, renders ``k8s/overlays/dev`` with the component
``k8s/components/host-services`` under a site overlay of this run (image tag, api x2, a scratch
database, its own Redis namespace and NATS stream, an S3 endpoint) with ``kubectl kustomize``,
runs every Deployment of the result with ``podman kube play`` (what podman needs beyond the
rendered YAML is bench/kube_play.py's, documented there) against the machine's PostgreSQL,
Redis and NATS and a moto S3 server, then drives it as a person would (bench/deploy_drive.py):
register, upload a clip until READY, play its master playlist, publish a live stream with
ffmpeg until LIVE, send a chat message through one api replica and receive it on the other.
It prints each step with its time, the image size and each pod's start-up time (container
start -> /readyz or /healthz 200), and tears everything down by name at the end, also on
failure. Files (the site overlay, the rendered and the played YAML, the pods' logs) go to
test-artifacts/deploy-smoke/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
import redis
import yaml

from bench.common import ADMIN_URL, NATS_URL, REDIS_URL
from bench.deploy_drive import Api, drive, say, step, wait
from bench.kube_play import KINO_IMAGE, PodmanPlan, for_podman, render, write_site_overlay
from kino.infrastructure.embedded import free_port

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "deploy-smoke"
CONTAINERS_CONF = ROOT / "scripts" / "image" / "containers.conf"


def podman(*args: str, check: bool = True, timeout: float = 300) -> str:
    env = {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(CONTAINERS_CONF))}
    result = subprocess.run(
        ["podman", *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if check and result.returncode:
        raise RuntimeError(f"podman {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def pyproject_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def started_at(container: str) -> float:
    """The container's start as a time.time() value (podman prints nanoseconds and a zone)."""
    text = podman("inspect", "--format", "{{.State.StartedAt}}", container)
    match = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)? ([+-]\d{4})", text)
    if not match:
        raise RuntimeError(f"cannot read the start time of {container}: {text!r}")
    fraction = (match.group(2) or ".0")[:7]
    when = datetime.strptime(
        f"{match.group(1)}{fraction} {match.group(3)}", "%Y-%m-%d %H:%M:%S.%f %z"
    )
    return when.timestamp()


class Deployment:
    """One run: the backing services of this run, the pods, and their removal by name."""

    def __init__(self) -> None:
        self.run = secrets.token_hex(3)
        self.database = f"kino_smoke_{self.run}"
        self.namespace = f"kinosmoke{self.run}"
        self.ports: dict[tuple[str, str], int] = {}
        self.moto: subprocess.Popen[bytes] | None = None
        self.plan: PodmanPlan | None = None
        self.played = ARTIFACTS / "podman.yaml"
        self.created_database = False
        self.publishers: list[subprocess.Popen[bytes]] = []

    # -- up --

    def image(self) -> str:
        with step("make image"):
            subprocess.run(["make", "--no-print-directory", "image"], cwd=ROOT, check=True)
        version = pyproject_version()
        size = int(podman("image", "inspect", "--format", "{{.Size}}", f"{KINO_IMAGE}:{version}"))
        say(f"image {KINO_IMAGE}:{version}: {size / 1e6:.0f} MB")
        return version

    def services(self) -> None:
        with step(
            f"backing services: database {self.database}, Redis namespace and NATS "
            f"stream {self.namespace}, moto S3"
        ):
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {self.database}")
            self.created_database = True
            port = free_port()
            self.moto = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.s3_endpoint = f"127.0.0.1:{port}"
            wait("moto S3", lambda: httpx.get(f"http://{self.s3_endpoint}/").status_code < 500, 30)

    def allocate(self, pod: str, port: str) -> int:
        return self.ports.setdefault((pod, port), free_port())

    def render(self, tag: str) -> PodmanPlan:
        with step("kubectl kustomize (k8s/overlays/dev + components/host-services + this run)"):
            api_port, rtmp_port = self.allocate("api-0", "http"), self.allocate("ingest", "rtmp")
            database_url = ADMIN_URL.rpartition("/")[0] + "/" + self.database
            site = ARTIFACTS / "site"
            write_site_overlay(
                site,
                tag=tag,
                replicas={"api": 2, "transcoder": 1, "ingest": 1},
                config={
                    "KINO_HTTP_HOST": "127.0.0.1",  # the host network: this machine's loopback
                    "KINO_METRICS_HOST": "127.0.0.1",
                    "KINO_HTTP_PORT": str(api_port),
                    "KINO_PUBLIC_URL": f"http://127.0.0.1:{api_port}",
                    "KINO_RTMP_PORT": str(rtmp_port),
                    "KINO_REDIS_URL": REDIS_URL,
                    "KINO_NATS_URL": NATS_URL,
                    "KINO_REDIS_NAMESPACE": self.namespace,
                    "KINO_S3_ENDPOINT": self.s3_endpoint,
                    "KINO_S3_BUCKET": f"kino-{self.run}",
                    "KINO_TRANSCODE_PRESET": "ultrafast",
                    "KINO_LOG_LEVEL": "INFO",
                },
                secrets={"KINO_DATABASE_URL": database_url},
            )
            docs = render(site)
            (ARTIFACTS / "rendered.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
            self.plan = for_podman(docs, self.allocate)
            self.played.write_text(self.plan.yaml())
        pods = ", ".join(d["metadata"]["name"] for d in self.plan.deployments)
        say(f"pods to play: {pods}")
        return self.plan

    def play(self) -> None:
        assert self.plan is not None
        with step("podman kube play"):
            for name, data in self.plan.secrets.items():
                secret_file = ARTIFACTS / f"{name}.json"
                secret_file.write_text(data)
                podman("secret", "create", name, str(secret_file))
                secret_file.unlink()
            podman("kube", "play", str(self.played), timeout=600)

    def ready(self) -> list[Api]:
        """Wait for every pod: the apis' /readyz, the workers' /healthz (metrics port)."""
        assert self.plan is not None
        apis = []
        for doc in self.plan.deployments:
            pod = doc["metadata"]["name"]
            container = f"{pod}-pod-0-{doc['spec']['template']['spec']['containers'][0]['name']}"
            ports = self.plan.ports[pod]
            if "http" in ports:
                url = f"http://127.0.0.1:{ports['http']}"
                probe, what = f"{url}/readyz", "/readyz"
                apis.append(Api(url))
            else:
                probe, what = f"http://127.0.0.1:{ports['metrics']}/healthz", "/healthz"
            wait(f"{pod} {what}", lambda u=probe: httpx.get(u, timeout=2).status_code == 200, 180)
            say(
                f"{pod}: container start -> {what} 200 in {time.time() - started_at(container):.1f} s"
            )
        return apis

    def connections(self) -> int:
        with psycopg.connect(ADMIN_URL) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.database,)
            ).fetchone()
        return int(row[0]) if row else 0

    def events(self) -> str:
        """Events in each application's table (``<name>_events``) of this run's database."""
        database_url = ADMIN_URL.rpartition("/")[0] + "/" + self.database
        with psycopg.connect(database_url) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE tablename LIKE '%\\_events' "
                    "ORDER BY tablename"
                )
            ]
            counts = [
                (table, conn.execute(f"SELECT count(*) FROM {table}").fetchone())
                for table in tables
            ]
        return ", ".join(
            f"{table.removesuffix('_events')} {row[0]}" for table, row in counts if row
        )

    # -- down --

    def down(self) -> None:
        began = time.monotonic()
        for publisher in self.publishers:
            if publisher.poll() is None:
                publisher.terminate()
                publisher.wait(10)
        if self.plan is not None:
            ARTIFACTS.joinpath("logs").mkdir(exist_ok=True)
            for doc in self.plan.deployments:
                pod = doc["metadata"]["name"]
                name = doc["spec"]["template"]["spec"]["containers"][0]["name"]
                logs = subprocess.run(
                    ["podman", "logs", f"{pod}-pod-0-{name}"],
                    capture_output=True,
                    text=True,
                    env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)},
                    check=False,
                )
                (ARTIFACTS / "logs" / f"{pod}.log").write_text(logs.stdout + logs.stderr)
            podman("kube", "down", str(self.played), check=False)
            for name in self.plan.secrets:
                podman("secret", "rm", name, check=False)
        if self.moto is not None:
            self.moto.send_signal(signal.SIGTERM)
            self.moto.wait(10)
        if self.created_database:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{self.namespace}:*", count=1000))
        if keys:
            client.unlink(*keys)
        asyncio.run(_delete_stream(f"{self.namespace.upper()}_VIDEOS"))
        left = podman("pod", "ps", "--format", "{{.Name}}", check=False).split()
        mine = [
            p
            for p in left
            if any(
                p.startswith(f"{d['metadata']['name']}-pod-")
                for d in (self.plan.deployments if self.plan else [])
            )
        ]
        say(
            f"torn down: pods, secrets, moto, database {self.database}, Redis keys, NATS stream"
            + (f" (still there: {mine})" if mine else ""),
            time.monotonic() - began,
        )


async def _delete_stream(name: str) -> None:
    import nats
    from nats.js.errors import NotFoundError

    client = await nats.connect(NATS_URL)
    try:
        with contextlib.suppress(NotFoundError):
            await client.jetstream().delete_stream(name)
    finally:
        await client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-build", action="store_true", help="use the image already built")
    args = parser.parse_args()
    if shutil.which("podman") is None:
        print("podman is missing: make image installs it", file=sys.stderr)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    deployment = Deployment()
    try:
        tag = pyproject_version() if args.no_build else deployment.image()
        deployment.services()
        deployment.render(tag)
        deployment.play()
        apis = deployment.ready()
        say(f"PostgreSQL connections held by the six pods: {deployment.connections()}")
        drive(apis, ARTIFACTS, deployment.publishers)
        say(f"events written: {deployment.events()}")
        say("deploy smoke passed")
        return 0
    except Exception as error:
        say(f"FAILED: {error}")
        say(f"pod logs: {ARTIFACTS / 'logs'}")
        return 1
    finally:
        deployment.down()


if __name__ == "__main__":
    raise SystemExit(main())
