"""What the campaign saw acknowledged: the ground truth the invariants are checked against.

Every write carries a unique token (in a handle, title or body), so a write the server stored
twice shows up as two aggregates with the same token even though the client saw one answer.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("user", "video", "comment", "chat")
LETTERS = {"user": "u", "video": "v", "comment": "k", "chat": "m"}


@dataclass(frozen=True)
class Ack:
    kind: str  # one of KINDS
    id: str  # the aggregate id the server answered with
    token: str


@dataclass
class Record:
    run: str = field(default_factory=lambda: secrets.token_hex(3))
    acks: list[Ack] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    refused: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    uploaded: list[str] = field(default_factory=list)  # videos whose upload was completed
    sign_ins: dict[str, int] = field(default_factory=lambda: {"ok": 0, "refused": 0})
    reasons: Counter[str] = field(default_factory=Counter)  # why writes were refused
    counter: int = 0

    def refuse(self, kind: str, reason: str) -> None:
        self.refused[kind] += 1
        self.reasons[reason] += 1

    def token(self, kind: str) -> str:
        self.counter += 1
        return f"x{self.run}{LETTERS[kind]}{self.counter}"

    def ack(self, kind: str, id_: str, token: str) -> None:
        self.acks.append(Ack(kind, id_, token))

    def of(self, kind: str) -> list[Ack]:
        return [a for a in self.acks if a.kind == kind]
