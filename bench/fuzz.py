"""Schemathesis (GraphQL mode) against /graphql as a signed-in user, for a fixed time.

Runs `kino api` and `kino projector` on a scratch database and Redis namespace, seeds a few
public objects (another user's READY video with a comment and a reply, through the
applications; the fuzzing user's live stream, chat message, comment and pending upload,
through the api), then runs `schemathesis run <api>/graphql --max-time SECONDS` with the
hooks in bench/fuzz_hooks.py: the fuzzing user's bearer token on every request, and two
checks, no HTTP 5xx and no error whose `extensions.code` is INTERNAL (or missing).
Schemathesis reuses the ids it sees in answers, so the seeded objects let it reach past
NOT_FOUND.

Prints schemathesis' own report (each distinct failure with a curl reproducing it), then
requests made, 5xx and INTERNAL as the client counted them, the same from the api's side
(/metrics and its log), the projector's failures (a read model that lags makes writes answer
INTERNAL "taking long to appear": on a shared machine, PostgreSQL running out of connections
does that), and each distinct 5xx/INTERNAL with the request that caused it.
Exits non-zero on any 5xx or INTERNAL, or when schemathesis could not run.

    python -m bench.fuzz [--seconds 300] [--workers 2] [--seed N]

Needs schemathesis: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.common import kino_processes, scratch_database
from kino.commands.accounts import Accounts
from kino.commands.comments import Comments
from kino.commands.videos import Videos
from kino.domain.comments import Comment
from kino.domain.video_values import ProbeResult, Rendition
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.passwords import FastPasswords

HOOKS = Path(__file__).with_name("fuzz_hooks.py")
HANDLE = "fuzzer"
PASSWORD = "fuzzing password 1234"
CHECKS = "kino_no_server_error,kino_no_internal,response_schema_conformance,negative_data_rejection"
SETTINGS = {  # let the fuzzer past the per-user rate limits into the resolvers
    "KINO_COMMENTS_PER_MINUTE": "10000",
    "KINO_CHAT_RATE_LIMIT": "100000",
}
ARGUMENTS = {  # argument name (on any field) -> the dictionary its values come from
    "id": "any_id",
    "videoId": "video_id",
    "streamId": "stream_id",
    "parentId": "comment_id",
    "userId": "user_id",
    "handle": "handle",
    "ownerHandle": "handle",
    "login": "handle",
    "title": "text",
    "description": "text",
    "body": "text",
    "email": "email",
}
TEXTS = ["Nice video!", "Hello from the fuzzer", "Ünïcødé ✓ 日本語 👋", "line one\nline two"]
DICTIONARY_SHARE = 0.5  # the other half are schemathesis' own values
SHOWN = 20  # distinct 5xx/INTERNAL kinds printed
UNEXPECTED = "unexpected error in resolver"  # what kino.graphql.errors logs for INTERNAL
PROJECTION_FAILED = "projection failed, restarting"  # what the projector logs


@dataclass
class Seeded:
    """The ids of the seeded objects, by kind."""

    users: list[str]
    videos: list[str]
    comments: list[str]
    streams: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def seed_applications(database_url: str) -> Seeded:
    """Another user's READY public video, with a comment and a reply to it."""
    env = eventstore_env(database_url)
    accounts = Accounts(env=env, passwords=FastPasswords())
    videos = Videos(env=env)
    comments = Comments(env=env)
    owner = accounts.register("alice@example.com", "alice", "alice password 1234").user_id
    video = videos.create_upload(
        owner,
        title="A public video",
        filename="v.mp4",
        size_bytes=10,
        content_type="video/mp4",
        description="Seeded for the fuzzer",
    ).video_id
    videos.complete_upload(video, owner, 10)
    videos.record_probe(video, ProbeResult(60.0, 1280, 720, True, True, ("144p",)))
    videos.add_rendition(
        video,
        Rendition(
            name="144p",
            width=256,
            height=144,
            bandwidth=1,
            codecs="avc1",
            playlist_key=f"videos/{video}/hls/144p/index.m3u8",
        ),
    )
    videos.mark_ready(video)
    comment = Comment(
        video_id=video, video_owner_id=owner, parent_id=None, author_id=owner, body="First!"
    )
    reply = Comment(
        video_id=video, video_owner_id=owner, parent_id=comment.id, author_id=owner, body="Hi"
    )
    comments.save(comment, reply)
    for app in (accounts, videos, comments):
        app.close()
    return Seeded(
        users=[str(owner)], videos=[str(video)], comments=[str(comment.id), str(reply.id)]
    )


def graphql(api: str, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(
        f"{api}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    ).json()
    if answer.get("errors"):
        raise RuntimeError(f"seeding failed: {answer['errors']}")
    return dict(answer["data"])


def seed_through_api(api: str, seeded: Seeded) -> None:
    """The fuzzing user, its live stream with a chat message, a comment on the seeded video
    and a pending upload."""
    register = graphql(
        api,
        "mutation($e: String!, $h: String!, $p: String!) {"
        " register(email: $e, handle: $h, password: $p) { accessToken user { id } } }",
        e=f"{HANDLE}@example.com",
        h=HANDLE,
        p=PASSWORD,
    )["register"]
    token = register["accessToken"]
    stream = graphql(
        api,
        'mutation { createLiveStream(title: "Fuzzing live") { stream { id } } }',
        token,
    )["createLiveStream"]["stream"]["id"]
    message = graphql(
        api,
        'mutation($s: ID!) { sendChatMessage(streamId: $s, body: "hello") { id } }',
        token,
        s=stream,
    )["sendChatMessage"]["id"]
    video = graphql(api, "{ videos(first: 1) { edges { node { id } } } }")["videos"]["edges"]
    comment = graphql(
        api,
        'mutation($v: ID!) { postComment(videoId: $v, body: "Nice") { id } }',
        token,
        v=video[0]["node"]["id"],
    )["postComment"]["id"]
    upload = graphql(
        api,
        'mutation { createVideoUpload(title: "Mine", filename: "m.mp4", sizeBytes: 1000,'
        ' contentType: "video/mp4") { video { id } } }',
        token,
    )["createVideoUpload"]["video"]["id"]
    seeded.users.append(register["user"]["id"])
    seeded.streams.append(stream)
    seeded.messages.append(message)
    seeded.comments.append(comment)
    seeded.videos.append(upload)


def write_config(path: Path, seeded: Seeded) -> None:
    """A schemathesis.toml whose fuzz dictionaries put the seeded ids (of the right kind
    for ``videoId``, ``streamId``, ...; of any kind for ``id``), the handles and some
    ordinary text into the arguments that take them, at ``DICTIONARY_SHARE`` of the draws."""
    every_id = seeded.users + seeded.videos + seeded.comments + seeded.streams + seeded.messages
    dictionaries = {
        "any_id": every_id,
        "user_id": seeded.users,
        "video_id": seeded.videos,
        "comment_id": seeded.comments,
        "stream_id": seeded.streams,
        "handle": ["alice", HANDLE],
        "text": TEXTS,
        "email": ["someone.new@example.com"],
    }
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values, ensure_ascii=False)}"]
    lines.append("[parameters]")
    for argument, dictionary in ARGUMENTS.items():
        lines.append(
            f'"*.*.{argument}" = {{ dictionary = "{dictionary}",'
            f" probability = {DICTIONARY_SHARE} }}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_schemathesis(api: str, seconds: int, workers: int, seed: int | None, folder: Path) -> int:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(folder / "fuzz.toml")),
        *("run", f"{api}/graphql"),
        *("--max-time", str(seconds), "--workers", str(workers), "--checks", CHECKS),
        *("--continue-on-failure", "--request-timeout", "30", "--no-color"),
        *("--report", "json", "--report-dir", str(folder)),
        *(("--seed", str(seed)) if seed is not None else ()),
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "KINO_FUZZ_URL": api,
        "KINO_FUZZ_LOGIN": HANDLE,
        "KINO_FUZZ_PASSWORD": PASSWORD,
        "KINO_FUZZ_RECORD": str(folder / "responses.jsonl"),
    }
    return subprocess.run(command, env=env, check=False, cwd=folder).returncode


@dataclass
class ClientTally:
    requests: int = 0
    server_errors: int = 0
    internal: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)
    bad: dict[tuple[str, ...], tuple[int, dict[str, Any]]] = field(default_factory=dict)


def tally(record: Path) -> ClientTally:
    counts = ClientTally()
    lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
    for line in lines:
        entry = json.loads(line)
        counts.requests += 1
        counts.operations.add(entry["operation"])
        counts.codes.update(code or "(none)" for code in entry["codes"] or ["ok"])
        if "request" not in entry:
            continue
        if entry["status"] >= 500:
            counts.server_errors += 1
        else:
            counts.internal += 1
        key = (
            entry["operation"],
            str(entry["status"]),
            *sorted(str(e.get("message")) for e in entry.get("errors") or []),
        )
        seen, first = counts.bad.get(key, (0, entry))
        counts.bad[key] = (seen + 1, first)
    return counts


@dataclass
class ServerTally:
    posts: int = 0  # POSTs to /graphql the api counted (/metrics)
    server_errors: int = 0  # of them answered 5xx
    logged_internal: int = 0  # UNEXPECTED lines in the api's log
    tracebacks: int = 0  # in the api's log
    projection_failures: Counter[str] = field(default_factory=Counter)  # projector log, by error


def server_side(api: str, folder: Path) -> ServerTally:
    counts = ServerTally()
    for family in text_string_to_metric_families(httpx.get(f"{api}/metrics", timeout=10).text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name != "kino_http_requests_total" or labels.get("route") != "/graphql":
                continue
            if labels.get("method") == "POST":
                counts.posts += int(sample.value)
                if labels.get("status", "").startswith("5"):
                    counts.server_errors += int(sample.value)
    api_log = read_log(folder / "api.log")
    counts.logged_internal = api_log.count(UNEXPECTED)
    counts.tracebacks = api_log.count("Traceback")
    for line in read_log(folder / "projector.log").splitlines():
        if PROJECTION_FAILED in line:
            with contextlib.suppress(ValueError):
                counts.projection_failures[str(json.loads(line).get("error"))[:100]] += 1
    return counts


def read_log(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def report_failures(folder: Path) -> list[str]:
    """The failure groups schemathesis' JSON report lists (title, count, operations)."""
    path = folder / "schemathesis.json"
    reports = [path] if path.exists() else sorted(folder.glob("*.json"))
    lines = []
    for report in reports:
        for group in json.loads(report.read_text(encoding="utf-8")).get("failures", []):
            operations = ", ".join(group.get("operations") or [])
            lines.append(f"  {group['title']} x{group['count']} ({group['code']}) in {operations}")
    return lines


def reproduce(api: str, entry: dict[str, Any]) -> str:
    return (
        f"curl -X POST {api}/graphql -H 'Content-Type: application/json'"
        f" -H 'Authorization: Bearer <a signed-in user's token>' -d {shlex.quote(entry['request'])}"
    )


def print_summary(api: str, counts: ClientTally, server: ServerTally) -> None:
    top = ", ".join(f"{code} {n}" for code, n in counts.codes.most_common(8))
    print("\n=== bench.fuzz ===")
    print(f"requests made       : {counts.requests} (over {len(counts.operations)} operations)")
    print(f"server errors (5xx) : {counts.server_errors}")
    print(f"INTERNAL            : {counts.internal} (errors with code INTERNAL or none)")
    print(f"answers by code     : {top}")
    print(
        f"api side            : {server.posts} POST /graphql, {server.server_errors} of them 5xx;"
    )
    print(
        f"                      log: {server.logged_internal} '{UNEXPECTED}',"
        f" {server.tracebacks} tracebacks"
    )
    failures = server.projection_failures
    print(f"projector           : {failures.total()} projection failures (read models lag")
    print("                      then, and writes answer INTERNAL 'taking long to appear')")
    for error, seen in failures.most_common(3):
        print(f"                      x{seen} {error}")
    for key, (seen, entry) in list(counts.bad.items())[:SHOWN]:
        errors = [
            {"message": e.get("message"), "path": e.get("path"), "extensions": e.get("extensions")}
            for e in entry.get("errors") or []
        ]
        print(f"\n- {key[0]}: HTTP {key[1]}, x{seen}: {json.dumps(errors)[:400]}")
        print(f"  {reproduce(api, entry)}")
    if len(counts.bad) > SHOWN:
        print(f"\n... and {len(counts.bad) - SHOWN} more kinds (keep them with --out DIR)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--out", type=Path, help="keep the responses, logs and report here (default: discard)"
    )
    args = parser.parse_args()
    with scratch_database() as database, tempfile.TemporaryDirectory() as tmp:
        folder = args.out.resolve() if args.out else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        seeded = seed_applications(database)
        with kino_processes(
            database, folder, "api", "projector", logs=folder, settings=SETTINGS
        ) as api:
            seed_through_api(api, seeded)
            write_config(folder / "fuzz.toml", seeded)
            code = run_schemathesis(api, args.seconds, args.workers, args.seed, folder)
            counts = tally(folder / "responses.jsonl")
            server = server_side(api, folder)
            print_summary(api, counts, server)
        failures = report_failures(folder)
        print("\nschemathesis failures:" if failures else "\nschemathesis failures: none")
        print("\n".join(failures))
    bad = counts.server_errors + counts.internal + server.server_errors + server.logged_internal
    if code not in (0, 1) or counts.requests == 0:
        print(f"schemathesis did not finish, or made no requests (exit code {code})")
    sys.exit(1 if bad or code not in (0, 1) or counts.requests == 0 else 0)


if __name__ == "__main__":
    main()
