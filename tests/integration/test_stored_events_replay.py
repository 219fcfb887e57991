"""Stored events still replay (issue 11): the event store written by Kino before the "one shape"
refactor (tests/fixtures/eventstore_v1, every event type of every context) loads into a fresh
database, every read model is rebuilt from it, and the api answers as it did before."""

from __future__ import annotations

from tests.fixtures.eventstore_v1 import replay
from tests.integration.recovery_helpers import fresh_database


async def test_the_old_event_store_rebuilds_to_the_recorded_answers(run_id, endpoints, tmp_path):
    namespace = f"kinotest{run_id}eventstore1"
    with fresh_database(run_id, "eventstore_v1", endpoints) as fresh:
        replay.load_dump(fresh.database_url)
        for app in replay.APPLICATIONS:
            assert replay.read_back(fresh.database_url, app) == replay.read_dump(app), app
        assert replay.read_back_tracking(fresh.database_url) == replay.read_tracking()
        try:
            answers = await replay.replay_answers(
                fresh.database_url, fresh.redis_url, fresh.nats_url, namespace, tmp_path
            )
        finally:
            replay.drop_namespace(fresh.redis_url, namespace)

    recorded = replay.read_answers()
    assert list(answers) == list(recorded)
    for name, answer in recorded.items():
        assert answers[name] == answer, f"{name} {replay.first_difference(answers[name], answer)}"
