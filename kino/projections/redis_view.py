"""A Redis read model: each event's commands and its tracking position in one Lua call.

An event becomes a list of Redis commands applied by one Lua script that first checks and
then sets the tracking position, so a crash can never apply an event twice or skip one.
``PUBLISH`` commands in that list go out only after the read model is updated, in the same
atomic call. Every command argument goes through ``kino.projections.readable`` (JSON inside a
value through ``view_json``), so old text with a NUL or a lone surrogate cannot stop it.

Redis may lose everything (a restart without persistence) or go back in time (a restart from
an older snapshot) under a running projector. The view marks its keys with an epoch (a random
token under ``<prefix>:epoch``, claimed when the view starts writing), and the same script
refuses to write when the epoch is gone or changed, or when the position went backwards: no
event lands in a Redis that lost the ones before it. ``needs_replay`` tells the projector,
which then starts the view again from what Redis still has (from the first event when empty).

Generations (ADR 1) live side by side under ``<namespace>:<projection>_g<N>``; readers follow
the pointer ``<namespace>:<projection>:live``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import redis
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from redis.client import Pipeline

from kino.projections.generations import Generations
from kino.projections.readable import readable

RedisOp = Sequence[object]


def trim_op(order: str, bodies: str, keep: int, slack: int) -> RedisOp:
    """An op for ``apply``: once the sorted set ``order`` holds ``keep + slack`` members or
    more, remove all but the newest ``keep`` from it and from the hash ``bodies``. Counted
    inside the script, so a batch (a rebuild) trims exactly where one event at a time does."""
    return ("KINO.TRIM", order, bodies, keep, slack)


_APPLY_SCRIPT = """
if redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return -1
end
local position = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[4]) then
  return -1
end
if current >= position then
  return 0
end
for _, op in ipairs(cjson.decode(ARGV[2])) do
  if op[1] == 'KINO.TRIM' then
    local order, bodies, keep, slack = op[2], op[3], tonumber(op[4]), tonumber(op[5])
    local count = redis.call('ZCARD', order)
    if count >= keep + slack then
      local oldest = redis.call('ZRANGE', order, 0, count - keep - 1)
      redis.call('ZREM', order, unpack(oldest))
      redis.call('HDEL', bodies, unpack(oldest))
    end
  else
    redis.call(unpack(op))
  end
end
redis.call('SET', KEYS[1], position)
return 1
"""


_SWITCH_SCRIPT = """
local function positions(prefix)
  local result = {}
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', prefix .. ':*', 'COUNT', 100)
    cursor = page[1]
    for _, key in ipairs(page[2]) do
      result[string.sub(key, #prefix + 2)] = tonumber(redis.call('GET', key) or '0')
    end
  until cursor == '0'
  return result
end
local new, old = positions(KEYS[2]), positions(KEYS[3])
for application, position in pairs(old) do
  if (new[application] or 0) < position then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


class RedisDataLostError(RuntimeError):
    """Redis lost this view's data (or went back in time) since the view started writing."""


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisView(TrackingRecorder):
    """A Redis read model; every key it writes starts with ``self.prefix``."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.redis = client
        self.prefix = prefix
        self._apply = client.register_script(_APPLY_SCRIPT)
        self._pipeline: Pipeline | None = None
        self._switch = client.register_script(_SWITCH_SCRIPT)
        self._epoch: str | None = None
        self._recorded: dict[str, int] = {}  # application → the last position this view wrote

    # Naming: keys of this generation, and the pointer readers follow.

    def key(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(part) for part in parts)])

    @property
    def pointer_key(self) -> str:
        """``<namespace>:<name>:live`` holds the live generation number readers follow."""
        base, _, generation = self.prefix.rpartition("_g")
        return f"{base}:live" if generation.isdigit() else f"{self.prefix}:live"

    @property
    def generation(self) -> int:
        _, _, generation = self.prefix.rpartition("_g")
        return int(generation) if generation.isdigit() else 1

    @property
    def epoch_key(self) -> str:
        return self.key("epoch")

    def tracking_key_pattern(self) -> str:
        return self.key("tracking")

    def tracking_key(self, application_name: str) -> str:
        return self.key("tracking", application_name)

    def location(self) -> str:
        return f"Redis keys {self.prefix}:*"

    # Writing: an event's commands and its position in one script call.

    def apply(self, tracking: Tracking, ops: Sequence[RedisOp]) -> None:
        application = tracking.application_name
        keys = [self.tracking_key(application), self.epoch_key]
        args: list[str | int] = [
            tracking.notification_id,
            json.dumps([[readable(str(x)) for x in op] for op in ops]),
            self._epoch or self.claim_epoch(),
            self._recorded.get(application, 0),
        ]
        if self._pipeline is not None:
            self._apply(keys=keys, args=args, client=self._pipeline)
            self._recorded[application] = tracking.notification_id
            return
        applied = self._apply(keys=keys, args=args)
        if applied == -1:
            raise RedisDataLostError(f"Redis lost the read model {self.prefix}: replay it")
        if not applied:
            msg = f"{application} {tracking.notification_id} was already applied"
            raise IntegrityError(msg)
        self._recorded[application] = tracking.notification_id

    def insert_tracking(self, tracking: Tracking) -> None:
        self.apply(tracking, [])

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many events in one round trip (rebuilds); each stays atomic with its position."""
        pipeline = self._pipeline = self.redis.pipeline(transaction=False)
        try:
            yield
            results = pipeline.execute()
        finally:
            self._pipeline = None
        if -1 in results:
            raise RedisDataLostError(f"Redis lost the read model {self.prefix}: replay it")
        if not all(results):
            raise IntegrityError("some events of the batch were already applied")

    def max_tracking_id(self, application_name: str) -> int | None:
        value = self.redis.get(self.tracking_key(application_name))
        return int(_text(value)) if value is not None else None

    # Losing data: the epoch marks the keys this view wrote.

    def claim_epoch(self) -> str:
        """Adopt the epoch of the keys Redis holds now, marking them first if unmarked."""
        self.redis.set(self.epoch_key, secrets.token_hex(8), nx=True)
        self._epoch = _text(self.redis.get(self.epoch_key))
        return self._epoch

    def needs_replay(self, application_name: str) -> bool:
        """True when Redis lost this view's keys (restarted empty, flushed) or went back in
        time (restored an older snapshot) since this view claimed them."""
        if self._epoch is None:
            return False
        current = self.redis.get(self.epoch_key)
        if current is None or _text(current) != self._epoch:
            return True
        position = self.max_tracking_id(application_name) or 0
        return position < self._recorded.get(application_name, 0)

    # Generations: publish, switch, drop.

    def publish_if_first(self) -> None:
        self.redis.set(self.pointer_key, self.generation, nx=True)
        self.claim_epoch()

    def publish(self) -> None:
        self.redis.set(self.pointer_key, self.generation)

    def switch_from(
        self, old: RedisView, generations: Generations, name: str, generation: int
    ) -> bool:
        """Move the pointer here unless this generation is behind ``old`` (one Lua call)."""
        switched = self._switch(
            keys=[self.pointer_key, self.tracking_key_pattern(), old.tracking_key_pattern()],
            args=[self.generation],
        )
        if switched:
            generations.switch(name, generation, {})
        return bool(switched)

    def drop(self) -> None:
        cursor = 0
        while True:
            cursor, keys = self.redis.scan(cursor, match=self.prefix + ":*", count=1000)
            if keys:
                self.redis.unlink(*keys)
            if cursor == 0:
                break
