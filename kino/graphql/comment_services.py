"""What the api needs for comments: the application, the read model, the rate limit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from kino.commands.comments import Comments
from kino.infrastructure.ratelimit import RateLimit
from kino.queries.comments import CommentQueries


@dataclass
class CommentServices:
    app: Comments
    queries: CommentQueries
    rate_limit: RateLimit  # per author, on posting

    async def close(self) -> None:
        await asyncio.to_thread(self.app.close)
