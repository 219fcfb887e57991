"""Chat benchmarks, each against a baseline measured in the same run.

(a) Accepted messages/s: group commit (concurrent sends batched into one ``save()``)
    against one ``save()`` per message, same senders, same database.
(b) Fan-out: SUBSCRIBERS websocket subscribers in one room of a real ``kino api`` (+
    ``kino projector``), RATE messages/s for SECONDS: p50/p99 send→receive latency,
    deliveries/s and api memory per connection, against the same clients receiving a
    pre-serialised broadcast from a bare websocket server.

    python -m bench.chat [--messages 3000] [--senders 50] [--subscribers 2000]
                         [--rate 20] [--seconds 60] [--client-processes 4] [--only a|b]
                         [--unshared]  (also: Kino with each subscriber's selection run alone)
"""

from __future__ import annotations

import argparse
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

from bench.chat_fanout import run_fanout
from bench.common import scratch_database
from kino.commands.chat import ChatRooms, PostRequest
from kino.commands.groupcommit import GroupCommit
from kino.domain.chat import ChatRoom
from kino.infrastructure.eventstore import eventstore_env


def one_save_per_message(chat: ChatRooms, stream_id, messages: int, senders: int) -> float:
    authors = [uuid4() for _ in range(senders)]
    requests = [PostRequest(stream_id, authors[i % senders], f"m{i}") for i in range(messages)]
    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(chat.post_message, requests))
    return messages / (time.perf_counter() - started)


async def group_commit(
    chat: ChatRooms, stream_id, messages: int, senders: int
) -> tuple[float, float]:
    commit = GroupCommit(chat.post_messages)

    async def sender(index: int) -> None:
        author = uuid4()
        for n in range(index, messages, senders):
            await commit.submit(PostRequest(stream_id, author, f"g{n}"))

    started = time.perf_counter()
    await asyncio.gather(*(sender(i) for i in range(senders)))
    elapsed = time.perf_counter() - started
    await commit.close()
    return messages / elapsed, commit.requests / max(commit.batches, 1)


def bench_throughput(messages: int, senders: int) -> None:
    print(f"(a) accepted messages/s, {messages} messages from {senders} concurrent senders")
    with scratch_database() as url:
        chat = ChatRooms(env=eventstore_env(url, pool_size=max(senders // 2, 5)))
        room = ChatRoom(stream_id=uuid4(), owner_id=uuid4())
        chat.save(room)
        chat.post_message(PostRequest(room.id, uuid4(), "warm"))
        single = one_save_per_message(chat, room.id, messages, senders)
        grouped, per_batch = asyncio.run(group_commit(chat, room.id, messages, senders))
        chat.close()
    print(f"    one save per message : {single:8.0f} msg/s")
    print(f"    group commit         : {grouped:8.0f} msg/s  (mean batch {per_batch:.1f})")
    print(f"    ratio                : {grouped / single:8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--only", choices=("a", "b"))
    parser.add_argument(
        "--unshared", action="store_true", help="also measure per-subscriber execution"
    )
    args = parser.parse_args()
    if args.only != "b":
        bench_throughput(args.messages, args.senders)
    if args.only != "a":
        run_fanout(args.subscribers, args.rate, args.seconds, args.client_processes, args.unshared)


if __name__ == "__main__":
    main()
