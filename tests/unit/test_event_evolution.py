"""Event schema evolution: a Session.Started stored in its version-1 shape loads as version 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from kino.commands.accounts import Accounts
from kino.domain.accounts import Session
from kino.infrastructure.passwords import FastPasswords


def as_version_one(stored: StoredEvent) -> StoredEvent:
    """What the event looked like before ``client`` existed: no field, no class_version."""
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["client"]
    return StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
    )


def test_a_version_one_session_started_is_upcast():
    writer = Accounts(env={}, passwords=FastPasswords())
    session = Session(
        user_id=uuid4(),
        method="password",
        token_hash="h" * 64,
        expires_at=datetime.now(UTC) + timedelta(days=1),
        client="Firefox/140",
    )
    writer.save(session)
    (stored,) = writer.recorder.select_events(session.id)
    assert json.loads(stored.state)["client"] == "Firefox/140"

    reader = Accounts(env={}, passwords=FastPasswords())
    reader.recorder.insert_events([as_version_one(stored)])
    old = reader.repository.get(session.id)
    assert isinstance(old, Session)
    assert old.client == "unknown"
    assert old.user_id == session.user_id
    assert old.expires_at == session.expires_at
    # A new session carries the client it was started from.
    assert writer.repository.get(session.id).client == "Firefox/140"


def test_new_sessions_record_their_client():
    accounts = Accounts(env={}, passwords=FastPasswords())
    grant = accounts.register(
        "c@example.com", "client_test", "correct horse battery", client="Mozilla/5.0 (X11; Linux)"
    )
    assert accounts.repository.get(grant.session_id).client == "Mozilla/5.0 (X11; Linux)"
