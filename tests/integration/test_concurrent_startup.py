"""Processes starting together on a fresh database all succeed (table creation is serialised)."""

from __future__ import annotations

import secrets

from tests.integration.recovery_helpers import clean_namespace, fresh_database, kino, kino_env


def test_six_processes_creating_every_table_at_once(run_id, endpoints, tmp_path, redis_client):
    with fresh_database(run_id, f"startup{secrets.token_hex(2)}", endpoints) as fresh:
        namespace = f"kinotest{run_id}st"
        env = kino_env(fresh, tmp_path, namespace)
        processes = [kino(env, "projections", "status") for _ in range(6)]
        outcomes = [(process.wait(120), process.communicate()[0]) for process in processes]
        clean_namespace(redis_client, namespace)
    failures = [output for code, output in outcomes if code != 0]
    assert failures == []
