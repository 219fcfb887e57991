"""The schema: one Query and one Mutation merged from each context, with limits on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.tools import merge_types

from kino.graphql.accounts import AccountsMutation, AccountsQuery
from kino.graphql.catalog import CatalogMutation, CatalogQuery
from kino.graphql.chat import ChatMutation, ChatQuery, ChatSubscription
from kino.graphql.comments import CommentsMutation, CommentsQuery
from kino.graphql.errors import ErrorCodes
from kino.graphql.live import LiveMutation, LiveQuery, LiveSubscription
from kino.graphql.metrics import OperationMetrics
from kino.graphql.oauth import OAuthMutation, OAuthQuery
from kino.graphql.video_progress import VideoProcessingSubscription
from kino.graphql.videos import VideosMutation, VideosQuery
from kino.infrastructure.settings import Settings

Query = merge_types(
    "Query",
    (AccountsQuery, OAuthQuery, VideosQuery, CatalogQuery, CommentsQuery, LiveQuery, ChatQuery),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountsMutation,
        OAuthMutation,
        VideosMutation,
        CatalogMutation,
        CommentsMutation,
        LiveMutation,
        ChatMutation,
    ),
)
Subscription = merge_types(
    "Subscription", (ChatSubscription, LiveSubscription, VideoProcessingSubscription)
)


def build_schema(settings: Settings) -> strawberry.Schema:
    """Depth, alias and token limits and error codes, each constructed afresh per operation."""
    max_depth, max_aliases = settings.graphql_max_depth, settings.graphql_max_aliases
    max_tokens = settings.graphql_max_tokens
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        ErrorCodes,
        OperationMetrics,
    ]
    if settings.otel_endpoint:
        extensions.append(OpenTelemetryExtension)
    if not settings.graphql_introspection:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return QuietSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )


class QuietSchema(strawberry.Schema):
    """Client mistakes are answered, not logged as server errors; ``ErrorCodes`` logs the rest."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None
