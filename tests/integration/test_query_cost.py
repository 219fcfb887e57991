"""An api under fragment fan-out (the 830-byte document that froze it for 16 s): every shape
is refused within a second, and /healthz keeps answering within 100 ms meanwhile."""

from __future__ import annotations

import asyncio
import time

from tests.query_documents import fan_out_documents

REFUSE_WITHIN = 1.0  # seconds, from the acceptance
HEALTHZ_WITHIN = 0.100


async def test_fan_out_documents_are_refused_quickly_while_healthz_answers(http):
    documents = fan_out_documents((20, 30, 40, 50, 60))
    refusals: list[tuple[str, float, dict]] = []
    done = asyncio.Event()

    async def attack() -> None:
        try:
            for label, document in documents:
                started = time.perf_counter()
                response = await http.post("/graphql", json={"query": document})
                refusals.append((label, time.perf_counter() - started, response.json()))
                assert response.status_code == 200, (label, response.text)
        finally:
            done.set()

    async def probe() -> list[float]:
        latencies = []
        while not done.is_set():
            started = time.perf_counter()
            assert (await http.get("/healthz")).status_code == 200
            latencies.append(time.perf_counter() - started)
        return latencies

    attacking = asyncio.create_task(attack())
    latencies = await probe()
    await attacking

    assert len(refusals) == len(documents) == 50
    for label, seconds, body in refusals:
        assert seconds < REFUSE_WITHIN, (label, seconds)
        assert body.get("data") is None, label
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (label, error)
        assert error["message"].startswith("This query "), (label, error)
    assert len(latencies) >= 10
    assert max(latencies) < HEALTHZ_WITHIN, [
        (i, round(x * 1000)) for i, x in enumerate(latencies) if x > 0.02
    ]
