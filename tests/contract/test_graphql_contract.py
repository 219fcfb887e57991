"""The schema offers everything the contract names, with the same types (the contract's
required SDL is copied in contract.graphql). Additions beyond it are allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLUnionType,
    ast_from_value,
    build_schema,
    print_ast,
)

from kino.graphql.schema import build_schema as build_kino_schema
from kino.infrastructure.metrics import ApiMetrics
from kino.infrastructure.settings import Settings

CONTRACT = build_schema((Path(__file__).parent / "contract.graphql").read_text())
KINO = build_kino_schema(Settings(secret_key="c" * 40), ApiMetrics())._schema


def test_every_contract_type_field_and_argument_exists_with_its_type():
    missing: list[str] = []
    for name, expected in CONTRACT.type_map.items():
        if name.startswith("__"):
            continue
        actual = KINO.type_map.get(name)
        if actual is None:
            missing.append(f"type {name}")
            continue
        if isinstance(expected, GraphQLEnumType):
            assert isinstance(actual, GraphQLEnumType), name
            missing += [f"{name}.{v}" for v in expected.values if v not in actual.values]
        elif isinstance(expected, GraphQLUnionType):
            assert isinstance(actual, GraphQLUnionType), name
            assert {t.name for t in expected.types} == {t.name for t in actual.types}, name
        elif isinstance(expected, (GraphQLObjectType, GraphQLInputObjectType)):
            for field_name, field in expected.fields.items():
                found = actual.fields.get(field_name)  # type: ignore[union-attr]
                if found is None:
                    missing.append(f"{name}.{field_name}")
                    continue
                if str(found.type) != str(field.type):
                    missing.append(f"{name}.{field_name}: {found.type} is not {field.type}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    got = found.args.get(arg_name)  # type: ignore[union-attr]
                    if got is None:
                        missing.append(f"{name}.{field_name}({arg_name})")
                        continue
                    if str(got.type) != str(arg.type):
                        missing.append(
                            f"{name}.{field_name}({arg_name}): {got.type} is not {arg.type}"
                        )
                    want = arg.ast_node.default_value if arg.ast_node else None
                    if want is not None:
                        have = ast_from_value(got.default_value, got.type)
                        if have is None or print_ast(have) != print_ast(want):
                            missing.append(
                                f"{name}.{field_name}({arg_name}) default "
                                f"{got.default_value!r} is not {print_ast(want)}"
                            )
    assert missing == []


# The shared contract now names VideoUpload.tusUrl (issue 13); until it is built the copy
# lags behind (createLiveStream(saveRecording:), issue 12, is built).
PENDING = "the shared contract's tusUrl (issue 13) is not built yet"


def test_the_contract_file_is_the_shared_one_when_it_is_at_hand():
    shared = Path(__file__).resolve().parents[3] / "shared" / "CONTRACT.md"
    if not shared.exists():
        pytest.skip("the shared CONTRACT.md is not beside this checkout")
    text = shared.read_text()
    sdl = text[text.index("```graphql") + 10 : text.index("```", text.index("```graphql") + 10)]
    copied = (Path(__file__).parent / "contract.graphql").read_text()
    if sdl.strip() not in copied and "tusUrl" in sdl and "tusUrl" not in copied:
        pytest.xfail(PENDING)
    assert sdl.strip() in copied
