"""Document limits: each fragment is measured once, so fan-out documents are refused after one
pass; depth, aliases and cost count through fragments; the queries Kino's clients send pass."""

from __future__ import annotations

import asyncio

import pytest
from graphql import Visitor, get_introspection_query, parse, specified_rules, validate, visit

from kino.graphql.limits import DocumentLimits, Measurer
from kino.graphql.schema import build_schema, validation_rule
from kino.infrastructure.metrics import ApiMetrics
from kino.infrastructure.settings import Settings
from tests.query_documents import NO_ID, fan_out_documents, fan_out_on_query

SETTINGS = Settings(secret_key="k" * 40)
SCHEMA = build_schema(SETTINGS, ApiMetrics())
LIMITS = DocumentLimits(
    max_depth=SETTINGS.graphql_max_depth,
    max_aliases=SETTINGS.graphql_max_aliases,
    max_cost=SETTINGS.graphql_max_cost,
    list_sizes={"first": 100, "last": 500},
)

ALLOWED = {
    "home page": """query { videos(first: 50) { edges { cursor node { id title description
      visibility status createdAt durationSeconds width height playbackUrl thumbnailUrl
      viewCount commentCount owner { id handle displayName } } } pageInfo { hasNextPage endCursor } } }""",
    "comments page": """query($v: ID!, $after: String) { comments(videoId: $v, first: 100,
      after: $after) { edges { cursor node { id body createdAt editedAt deleted replyCount
      author { id handle displayName } } } pageInfo { hasNextPage endCursor } } }""",
    "chat history": """query($s: ID!, $n: Int) { chatMessages(streamId: $s, last: $n) {
      id body author { handle } } }""",
    "chat subscription": """subscription($s: ID!) { chat(streamId: $s) { __typename
      ... on ChatMessagePosted { message { id body author { handle } } }
      ... on ChatMessageDeleted { messageId } } }""",
    "sign in": """mutation($login: String!, $password: String!) { login(login: $login,
      password: $password) { accessToken refreshToken expiresIn user { id handle displayName } } }""",
    "introspection (GraphiQL)": get_introspection_query(descriptions=True),
}


def errors(document: str) -> list[str]:
    result = asyncio.run(SCHEMA.execute(document))
    assert result.data is None
    return [e.message for e in result.errors or []]


def selection_sets(document: str) -> int:
    class Count(Visitor):
        seen = 0

        def enter_selection_set(self, *_args: object) -> None:
            Count.seen += 1

    visit(parse(document), Count())
    return Count.seen


@pytest.mark.parametrize(("label", "document"), fan_out_documents())
def test_fan_out_documents_are_refused_after_one_pass(label, document):
    measurer = Measurer(SCHEMA._schema, parse(document), LIMITS)
    assert measurer.visits <= selection_sets(document), label  # each fragment measured once
    result = asyncio.run(SCHEMA.execute(document))
    assert result.errors is not None, label
    assert len(result.errors) == 1, (label, result.errors)  # the rest of validation is skipped
    error = result.errors[0]
    assert error.extensions == {"code": "BAD_USER_INPUT"}, label
    assert error.message.startswith("This query "), label  # too deep, too many aliases or fields


def test_the_bound_is_linear_in_the_document():
    for n in (20, 200):
        document = parse(fan_out_on_query(n, 3))
        measurer = Measurer(SCHEMA._schema, document, LIMITS)
        measurer.operation(document.definitions[0])  # type: ignore[arg-type]
        assert measurer.visits == n + 2  # the operation and each of the n + 1 fragments, once


@pytest.mark.parametrize("name", ALLOWED)
def test_the_queries_kinos_clients_send_are_allowed(name):
    rules = [*specified_rules, validation_rule(SETTINGS)]
    assert validate(SCHEMA._schema, parse(ALLOWED[name]), rules) == []


def test_depth_counts_through_fragments():
    nested = "replies(first: 1) { edges { node { " * 4 + "id" + " } } }" * 4  # 12 levels
    allowed = (
        f'query {{ comments(videoId: "{NO_ID}", first: 1) {{ edges {{ node {{ ...C }} }} }} }}'
    )
    fragment = f"fragment C on Comment {{ {nested} }}"
    rules = [*specified_rules, validation_rule(SETTINGS.with_overrides(graphql_max_depth=15))]
    assert validate(SCHEMA._schema, parse(f"{allowed} {fragment}"), rules) == []
    (message,) = errors(f"{allowed} {fragment}")
    assert message.startswith("This query nests 15 levels deep; at most 12 are allowed")


def test_aliases_count_after_fragments_are_expanded():
    fragment = "fragment A on Query { " + " ".join(f"a{i}: __typename" for i in range(10)) + " }"
    rules = [*specified_rules, validation_rule(SETTINGS)]
    twice = "query { ...B } fragment B on Query { ...A x: __typename ...A } " + fragment
    assert validate(SCHEMA._schema, parse(twice), rules) == []  # 21 aliases
    four = "query { ...A ... on Query { ...A } ...B } fragment B on Query { ...A ...A } " + fragment
    (message,) = errors(four)
    assert "more than 30 aliases" in message


def comments_with_replies(replies: str, first: str = "100") -> str:
    inner = f"replies(first: {replies}) {{ edges {{ node {{ id body author {{ handle }} }} }} }}"
    return f'comments(videoId: "{NO_ID}", first: {first}) {{ edges {{ node {{ id {inner} }} }} }}'


def test_page_sizes_multiply_the_cost():
    rules = [*specified_rules, validation_rule(SETTINGS)]
    small = f"query {{ {comments_with_replies('2')} }}"
    assert validate(SCHEMA._schema, parse(small), rules) == []
    (message,) = errors(f"query {{ {comments_with_replies('100')} }}")  # ~100 * 100 * 6 fields
    assert "too much at once: more than 10,000 fields" in message


def test_page_sizes_in_variables_count_when_the_operation_runs():
    document = f"query($n: Int) {{ {comments_with_replies('$n')} }}"
    rules = [*specified_rules, validation_rule(SETTINGS)]
    assert validate(SCHEMA._schema, parse(document), rules) == []  # cached: variables unknown
    result = asyncio.run(SCHEMA.execute(document, variable_values={"n": 100}))
    assert result.data is None
    (error,) = result.errors or []
    assert "too much at once" in error.message
    assert error.extensions == {"code": "BAD_USER_INPUT"}
    parsed = parse(document)
    operation = parsed.definitions[0]
    assert Measurer(SCHEMA._schema, parsed, LIMITS, {"n": 2}).operation(operation).cost == 1601
    (message,) = errors(document.replace("$n: Int", "$n: Int = 100"))  # a default counts
    assert "too much at once" in message


def test_fragment_cycles_are_reported_not_followed():
    messages = errors("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert any("Cannot spread fragment 'A' within itself" in m for m in messages)


def test_the_cost_limit_is_a_setting():
    assert SETTINGS.graphql_max_cost == 10_000
    env = {"KINO_GRAPHQL_MAX_COST": "20000", "KINO_GRAPHQL_MAX_DEPTH": "8", "KINO_DATA_DIR": "/tmp"}
    settings = Settings.from_env({**env, "KINO_SECRET_KEY": "k" * 40})
    assert (settings.graphql_max_cost, settings.graphql_max_depth) == (20000, 8)


def test_large_documents_are_answered_as_small_ones_are():
    filler = " ".join(f"a{i}: __typename" for i in range(25))
    large_valid = "query Big { " + filler + " " + "__typename " * 150 + "}"
    assert len(large_valid) > 600  # parsed and validated in a worker thread
    result = asyncio.run(SCHEMA.execute(large_valid))
    assert result.errors is None
    assert result.data is not None and result.data["a24"] == "Query"
    broken = large_valid[:-1] + " {"
    result = asyncio.run(SCHEMA.execute(broken, operation_name="Big"))
    (error,) = result.errors or []
    assert error.message.startswith("Syntax Error")
    assert error.extensions == {"code": "BAD_USER_INPUT"}
    assert error.locations
