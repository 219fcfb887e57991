"""The schema: one Query and one Mutation merged from each context, with limits on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.tools import merge_types

from kino.bootstrap.container import ApiMetrics, Settings
from kino.domain.chat import HISTORY_CAP
from kino.graphql.accounts.mutations import AccountsMutation
from kino.graphql.accounts.queries import AccountsQuery
from kino.graphql.chat.mutations import ChatMutation
from kino.graphql.chat.queries import ChatQuery
from kino.graphql.chat.subscriptions import ChatSubscription
from kino.graphql.comments.mutations import CommentsMutation
from kino.graphql.comments.queries import CommentsQuery
from kino.graphql.documents import DocumentsOffThread
from kino.graphql.errors import ErrorCodes
from kino.graphql.limits import DocumentLimits, OperationCost, document_limits_rule
from kino.graphql.live.mutations import LiveMutation
from kino.graphql.live.queries import LiveQuery
from kino.graphql.live.subscriptions import LiveSubscription
from kino.graphql.observability import OperationMetrics
from kino.graphql.videos.mutations import VideosMutation
from kino.graphql.videos.queries import VideosQuery
from kino.graphql.videos.subscriptions import VideoProcessingSubscription
from kino.queries.cursors import MAX_PAGE

Query = merge_types("Query", (AccountsQuery, VideosQuery, CommentsQuery, LiveQuery, ChatQuery))
Mutation = merge_types(
    "Mutation", (AccountsMutation, VideosMutation, CommentsMutation, LiveMutation, ChatMutation)
)
Subscription = merge_types(
    "Subscription", (ChatSubscription, LiveSubscription, VideoProcessingSubscription)
)


def build_schema(settings: Settings, metrics: ApiMetrics) -> strawberry.Schema:
    """Document limits, error codes, operations counted in ``metrics``. The validation rules are
    made once here: Strawberry's validation cache keys on the rule classes, so they must be the
    same for every request."""
    limits = document_limits(settings)
    rules: list[type[ASTValidationRule]] = [document_limits_rule(limits)]
    if not settings.graphql_introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    max_tokens = settings.graphql_max_tokens
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        DocumentsOffThread,
        lambda: OperationCost(limits),
        ErrorCodes,
        lambda: OperationMetrics(metrics),
    ]
    if settings.otel_endpoint:
        extensions.append(OpenTelemetryExtension)
    return QuietSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )


def document_limits(settings: Settings) -> DocumentLimits:
    return DocumentLimits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_cost=settings.graphql_max_cost,
        list_sizes={"first": MAX_PAGE, "last": HISTORY_CAP},
    )


def validation_rule(settings: Settings) -> type[ASTValidationRule]:
    return document_limits_rule(document_limits(settings))


class QuietSchema(strawberry.Schema):
    """Client mistakes are answered, not logged as server errors; ``ErrorCodes`` logs the rest."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None
