"""The chaos campaign: Kino under load while its processes and servers are killed.

    python -m bench.chaos [--duration 600] [--fault-every 17] [--subscribers 200]
                          [--drop-one-write] [--drop-one-row]

Starts private PostgreSQL, Redis and NATS (``kino dev``'s embedded servers, under a temporary
folder: the machine's shared servers are never touched), two apis, projector, relay, two
transcoders and the ingest; a live stream published by ffmpeg; chat subscribers; and the
load. Faults (bench/chaos/faults.py) run one at a time until the duration is over; then the
load stops and every invariant is checked (docs/reliability.md). ``--drop-one-write`` deletes
one acknowledged chat message from the event store and ``--drop-one-row`` one row of the
comments read model before the checks: the table must then say FAIL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import httpx

from bench.chaos import checks, faults, invariants, losses, readmodels
from bench.chaos.client import gql
from bench.chaos.devmode import DevFleet, DevServers
from bench.chaos.fleet import Fleet
from bench.chaos.load import Load, make_clip, publish
from bench.chaos.record import Record
from bench.chaos.report import Row, show
from bench.chaos.servers import PrivateServers
from bench.chaos.subscribers import HISTORY, Subscriber, run_subscribers
from kino.bootstrap import APPLICATIONS, READ_MODELS, projection_tools
from kino.bootstrap.endpoints import Endpoints
from kino.infrastructure.embedded import EmbeddedState, free_port
from kino.infrastructure.settings import Settings
from kino.projections.postgres_view import PostgresView

SETTLE_SECONDS = 300.0
STREAM_END_SECONDS = 300  # the reconnect grace (30 s), then the recording's transcode


def kino_env(data: Path) -> dict[str, str]:
    """Settings for every Kino process of the campaign (no server addresses)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINO_")}
    return env | {
        "KINO_DATA_DIR": str(data),
        "KINO_HTTP_PORT": str(free_port()),
        "KINO_REDIS_NAMESPACE": "chaos",
        "KINO_SECRET_KEY": "c" * 40,
        "KINO_LOG_LEVEL": "INFO",
        "KINO_LOG_FORMAT": "json",
        "KINO_RTMP_PORT": str(free_port()),
        "KINO_LIVE_LADDER": "240",
        "KINO_CHAT_RATE_LIMIT": "100000",
        "KINO_COMMENTS_PER_MINUTE": "10000",
        "KINO_LOGIN_FAILURES_PER_MINUTE": "10000",
        "CHAOS_API_PORT_1": str(free_port()),
        "CHAOS_API_PORT_2": str(free_port()),
    }


def with_servers(env: dict[str, str], state: EmbeddedState) -> dict[str, str]:
    return env | {
        "KINO_DATABASE_URL": state.database_url,
        "KINO_REDIS_URL": state.redis_url,
        "KINO_NATS_URL": state.nats_url,
    }


def supervise(fleet: Fleet, servers: PrivateServers, stop: threading.Event) -> threading.Thread:
    """Restart what died, every 0.3 s (its own thread: children die with the thread that
    started them)."""

    def loop() -> None:
        while not stop.wait(0.3):
            for name in servers.revive() + fleet.revive():
                print(f"            supervisor: {name} started again", flush=True)

    thread = threading.Thread(target=loop, name="supervisor", daemon=True)
    thread.start()
    return thread


async def wait_ready(urls: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        for url in urls:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not become ready")
                await asyncio.sleep(0.2)


def rss_now(fleet: Any, servers: Any) -> dict[str, tuple[int, float]]:
    pids = {m.name: m.pid for m in fleet.members} | servers.pids()
    return {name: (pid, checks.rss_mib(pid)) for name, pid in pids.items()}


def drop_one_write(state: EmbeddedState, record: Record) -> None:
    """Lose an acknowledged chat message: its event leaves the event store."""
    import psycopg

    from kino.infrastructure.eventstore import psycopg_conninfo

    victim = record.of("chat")[len(record.of("chat")) // 2].id
    with psycopg.connect(psycopg_conninfo(state.database_url), autocommit=True) as conn:
        conn.execute("DELETE FROM chat_events WHERE originator_id = %s", (victim,))
    print(f"--drop-one-write: deleted chat message {victim} from the event store")


def drop_one_row(tools: object) -> None:
    from kino.bootstrap import ProjectionTools

    assert isinstance(tools, ProjectionTools)
    spec = next(s for s in READ_MODELS if s.name == "comments")
    view = tools.view(spec, tools.live_name(spec))
    assert isinstance(view, PostgresView)
    suffix = next(iter(view.tables))
    with view.datastore.transaction(commit=True) as curs:
        curs.execute(f"DELETE FROM {view.table_name(suffix)} WHERE ctid IN "
                     f"(SELECT ctid FROM {view.table_name(suffix)} LIMIT 1)")  # fmt: skip
    print(f"--drop-one-row: deleted one row of {view.table_name(suffix)}")


def start_processes(work: Path) -> tuple[Fleet, PrivateServers, EmbeddedState, threading.Event]:
    """Mode "processes": private servers, each Kino process on its own, our supervisor."""
    servers = PrivateServers(work / "servers")
    state = servers.start()
    fleet = Fleet(with_servers(kino_env(work / "data"), state), work / "logs")
    fleet.start()
    stop = threading.Event()
    supervise(fleet, servers, stop)
    return fleet, servers, state, stop


def start_dev(work: Path) -> tuple[DevFleet, DevServers, EmbeddedState, threading.Event]:
    """Mode "dev": one `kino dev`, its own embedded servers and supervisor."""
    fleet = DevFleet(kino_env(work / "data"), work / "logs")
    state = fleet.state()
    fleet.start()
    return fleet, DevServers(fleet), state, threading.Event()


def strays_after_stop(markers: list[str], keep: set[int], wait: float = 15) -> list[Any]:
    """Processes still running ``wait`` s after Kino was asked to stop (other than ``keep``)."""
    deadline = time.monotonic() + wait
    while True:
        found = [p for p in checks.stray_processes(markers) if p.pid not in keep]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


async def campaign(args: argparse.Namespace, work: Path) -> list[Row]:
    (work / "logs").mkdir(parents=True)
    fleet, servers, state, stop_supervisor = (
        start_dev(work) if args.mode == "dev" else start_processes(work)
    )
    env = fleet.members[0].env
    settings = Settings.from_env({k: v for k, v in env.items() if k.startswith("KINO_")})
    endpoints = Endpoints(state.database_url, state.redis_url, state.nats_url)
    tools = projection_tools(settings, endpoints)
    rows: list[Row] = []
    try:
        rows = await under_load(args, work, fleet, servers, state, tools)
    except Exception as error:  # the table still says what happened (logs: --keep)
        traceback.print_exc()
        rows = [Row("campaign ran to the end", f"stopped by {error!r}"[:300], False)]
    finally:
        fleet.stop()
        # The servers stop after this check in mode "processes" (kino dev stops its own).
        keep = set(servers.pids().values()) if args.mode == "processes" else set()
        markers = [str(work), f"127.0.0.1:{env['KINO_RTMP_PORT']}"]
        strays = strays_after_stop(markers, keep)
        if args.mode == "processes":
            strays = [p for p in strays if "postgres" not in p.name()]
        rows.append(checks.orphans_row(strays))
        for process in strays:
            with contextlib.suppress(Exception):
                process.kill()
        servers.stop()
        stop_supervisor.set()
    return rows


async def under_load(
    args: argparse.Namespace,
    work: Path,
    fleet: Any,
    servers: Any,
    state: EmbeddedState,
    tools: object,
) -> list[Row]:
    from kino.bootstrap import ProjectionTools

    assert isinstance(tools, ProjectionTools)
    urls = fleet.api_urls()
    await wait_ready(urls)
    clip = work / "clip.mp4"
    make_clip(clip)
    record = Record()
    load_stop, sub_stop, pub_stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
    load = Load(record, urls, clip, load_stop)
    await load.setup()
    publisher = asyncio.ensure_future(
        publish(f"{load.ingest_url}/{load.stream_key}", pub_stop, work / "logs" / "encoder.log")
    )
    subscribers = [Subscriber(n, urls, load.stream_id) for n in range(args.subscribers)]
    listening = asyncio.ensure_future(run_subscribers(subscribers, sub_stop))
    writing = asyncio.ensure_future(load.run())
    await asyncio.sleep(args.warmup)
    rss_warm = rss_now(fleet, servers)
    started = time.monotonic()
    print(f"campaign: {args.duration:.0f} s, a fault every {args.fault_every:.0f} s", flush=True)
    injector = faults.Injector(fleet, servers, tools, load.upload)
    cycle = faults.DEV_CYCLE if args.mode == "dev" else faults.CYCLE
    results = await faults.campaign(injector, started, args.duration, args.fault_every, cycle)
    last_fault = time.monotonic()
    await injector.close()
    remaining = args.duration - (time.monotonic() - started)
    await asyncio.sleep(max(0.0, remaining))
    load_stop.set()
    await writing
    rows = [
        await checks.uploads_settle(
            urls[0], record.uploaded, load.tokens[0], last_fault + SETTLE_SECONDS
        )
    ]
    rows.append(await checks.live_stream(urls[0], load.stream_id, load.tokens[0]))
    rss_end = rss_now(fleet, servers)
    sub_stop.set()
    await listening
    pub_stop.set()
    reconnects = await publisher
    ended = await checks.stream_settled(
        urls[0], load.stream_id, load.tokens[0], time.monotonic() + STREAM_END_SECONDS
    )
    print(f"live stream after the encoder stopped: {ended}", flush=True)
    async with httpx.AsyncClient(timeout=15) as http:
        history = [
            m["id"]
            for m in (await gql(http, urls[0], HISTORY, {"s": load.stream_id}))["chatMessages"]
        ]
    if args.drop_one_write:
        drop_one_write(state, record)
    if args.drop_one_row:
        drop_one_row(tools)
    apps = [app_class(env=tools.env) for app_class in APPLICATIONS]
    try:
        store = await asyncio.to_thread(invariants.read_store, apps, record.run, load.stream_id)
        videos = await asyncio.to_thread(all_ids, apps, "videos")
    finally:
        for app in apps:
            app.close()
    signed = record.sign_ins
    rows = [*write_rows(record, store), *rows]
    rows.append(Row("sign-ins", f"{signed['ok']} answered, {signed['refused']} refused", True))
    rows.append(checks.refusals(record, args.duration))
    rows += chat_rows(store, history, subscribers)
    losses.report(store.chat_order, subscribers, work / "logs" / "subscribers.log")
    models = await asyncio.to_thread(readmodels.check_all, tools)
    rows += [model_row(m) for m in models]
    rows.append(checks.leftover_files(work / "data", videos))
    rows += fault_rows(results, reconnects)
    rows += checks.rss_rows(rss_warm, rss_end)
    await load.close()
    return rows


def all_ids(apps: list[Any], name: str) -> set[str]:
    (app,) = [a for a in apps if getattr(a, "name", "") == name]
    ids: set[str] = set()
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=1000):
        ids.update(str(n.originator_id) for n in page)
        start = page[-1].id + 1
    return ids


def write_rows(record: Record, store: invariants.StoredWrites) -> list[Row]:
    rows = []
    for count in invariants.write_counts(record, store):
        refused = record.refused[count.kind]
        result = (
            f"{count.acknowledged} acknowledged ({refused} refused or unanswered): "
            f"{count.lost} lost, {count.duplicated} duplicated; "
            f"{count.unacknowledged} stored unanswered, {count.unknown} without a command"
        )
        ok = count.lost == count.duplicated == count.unknown == 0
        rows.append(Row(f"{count.kind} writes in the event store exactly once", result, ok))
    return rows


def chat_rows(
    store: invariants.StoredWrites, history: list[str], subscribers: list[Subscriber]
) -> list[Row]:
    check = invariants.history_check(store.chat_order, history)
    rows = [
        Row(
            "chat history = event store order, once each",
            f"{len(history)} in history: {check.lost} lost, {check.duplicated} duplicated, "
            f"reordered {check.reordered}, {check.extra} unknown",
            check.lost == check.duplicated == check.extra == 0 and not check.reordered,
        )
    ]
    lost = duplicated = reordered = cut = unrecoverable = extra = unanswered = 0
    for line in sorted(line for s in subscribers for line in s.duplicate_log)[:40]:
        print("duplicate frame:", line)
    errors = [error for s in subscribers for error in s.errors]
    for error in sorted(set(errors))[:10]:
        print(f"subscription error ({errors.count(error)}x): {error}")
    for subscriber in subscribers:
        got = invariants.subscriber_check(
            store.chat_order, subscriber.received, subscriber.duplicates
        )
        lost += got.lost
        duplicated += got.duplicated
        reordered += int(got.reordered)
        extra += got.extra
        cut += int(subscriber.cutoffs > 0)
        unrecoverable += subscriber.unrecoverable
        unanswered += subscriber.history_failures
    rows.append(
        Row(
            "chat subscribers: each message once, in order",
            f"{len(subscribers)} subscribers ({cut} cut off and recovered from history, "
            f"{len(errors)} subscriptions ended by an error and renewed): "
            f"{lost} lost, {duplicated} duplicated, {reordered} reordered, "
            f"{extra} not in the event store, {unrecoverable} gaps beyond the history, "
            f"{unanswered} history reads never answered",
            lost == duplicated == reordered == unrecoverable == extra == unanswered == 0,
        )
    )
    return rows


def model_row(model: readmodels.ModelCheck) -> Row:
    result = f"{model.items} items, live {model.live} rebuilt {model.rebuilt}"
    if not model.equal:
        result += f" ({model.differing} differ)"
    return Row(f"read model {model.name} = fresh rebuild", result, model.equal)


def fault_rows(results: list[faults.FaultResult], reconnects: int) -> list[Row]:
    kinds = sorted({r.name for r in results})
    p50, worst, failed = faults.recovery_summary(results)
    rows = [
        Row(
            "faults injected",
            f"{len(results)} of {len(kinds)} kinds; the encoder reconnected {reconnects} times",
            len(results) > 0,
        ),
        Row(
            "recovery (readyz 200, lag < 1 s)",
            f"p50 {p50:.1f} s, max {worst:.1f} s, {failed} not recovered",
            failed == 0,
        ),
    ]
    for kind in kinds:
        times = [r.recovery for r in results if r.name == kind]
        shown = ", ".join("never" if t is None else f"{t:.1f}" for t in times)
        rows.append(Row(f"  {kind}", f"recovered in {shown} s", None not in times))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--mode",
        choices=("processes", "dev"),
        default="processes",
        help="processes: each Kino process alone (two apis, two transcoders) on private servers"
        " the campaign restarts; dev: one `kino dev` (embedded mode), which restarts them",
    )
    parser.add_argument("--duration", type=float, default=600, help="seconds of faults")
    parser.add_argument("--fault-every", type=float, default=17)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--drop-one-write", action="store_true")
    parser.add_argument("--drop-one-row", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop everything on SIGTERM too
    work = Path(tempfile.mkdtemp(prefix="kino-chaos-"))
    print(f"work folder {work}", flush=True)
    try:
        rows = asyncio.run(campaign(args, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    show(f"Kino chaos campaign, mode {args.mode}, {args.duration:.0f} s", rows)
    raise SystemExit(0 if all(r.ok for r in rows) else 1)


if __name__ == "__main__":
    main()
