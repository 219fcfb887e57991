"""A rebuild reads only the events a projection has a handler for (and their subclasses)."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from kino.bootstrap import read_model_spec
from kino.domain.accounts import User
from kino.projections.rebuild import handled_topics


def test_the_users_projection_reads_only_what_it_writes_for():
    projection = read_model_spec("users").projection_class(view=None)
    assert set(handled_topics(projection)) == {
        get_topic(User.Registered),
        get_topic(User.DisplayNameChanged),
    }


class Base:
    pass


class Derived(Base):
    pass


class Declared(Projection[Any]):
    topics = ("declared:Topic",)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        pass


class Handling(Projection[Any]):
    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        pass

    @process_event.register
    def _(self, domain_event: Base, tracking: Tracking) -> None:
        pass


def test_subclasses_of_a_handled_class_are_read_and_declared_topics_win():
    assert set(handled_topics(Handling(view=None))) == {get_topic(Base), get_topic(Derived)}
    assert handled_topics(Declared(view=None)) == ("declared:Topic",)
