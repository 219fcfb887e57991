"""eventsourcing's PostgreSQL factory, with table creation serialised across processes.

Every Kino process creates the tables it needs when it starts. Two processes creating the
same composite type or table at the same moment make PostgreSQL fail one of them
(``pg_type_typname_nsp_index``), so creation runs under a session advisory lock.
"""

from __future__ import annotations

from typing import TypeVar

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, ProcessRecorder
from eventsourcing.postgres import PostgresFactory, PostgresRecorder, TPostgresTrackingRecorder

DDL_LOCK = 0x6B696E6F  # "kino"
R = TypeVar("R")


class LockedPostgresFactory(PostgresFactory):
    def env_create_table(self) -> bool:
        return False  # the recorders below are created under the lock instead

    def _create(self, recorder: R) -> R:
        if not super().env_create_table():
            return recorder
        assert isinstance(recorder, PostgresRecorder)  # every recorder of this factory is one
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
            try:
                recorder.create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))
                conn.commit()
        return recorder

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        return self._create(super().aggregate_recorder(purpose))

    def application_recorder(self) -> ApplicationRecorder:
        return self._create(super().application_recorder())

    def tracking_recorder(
        self, tracking_recorder_class: type[TPostgresTrackingRecorder] | None = None
    ) -> TPostgresTrackingRecorder:
        return self._create(super().tracking_recorder(tracking_recorder_class))

    def process_recorder(self) -> ProcessRecorder:
        return self._create(super().process_recorder())
