"""How much one GraphQL document may ask for: depth, aliases and cost, checked before it runs.

Each fragment is measured once (memoised) and the measures are combined with saturating
arithmetic, so the check is linear in the size of the document however its fragments
spread (``fragment F0 { ...F1 ...F1 }`` chains double the work per fragment for an analysis
that expands spreads). ``cost`` estimates the fields the server would resolve: each field
counts one, and a field with a list-size argument (``first``, ``last``) multiplies what it
selects by that size (absent: the argument's default).

Two checks: a validation rule (cached per document, so independent of variables: a page size
given by a variable counts as 1 there), which refuses fan-out and deep documents before the
rest of validation walks them; and ``OperationCost``, just before execution, which counts
the variables' page sizes. Either refusal is ``BAD_USER_INPUT``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension


@dataclass(frozen=True)
class DocumentLimits:
    max_depth: int
    max_aliases: int
    max_cost: int
    list_sizes: Mapping[str, int]  # list-size argument -> the largest value it may take


@dataclass(frozen=True)
class Measure:
    depth: int = 0  # nested selections, as Strawberry's QueryDepthLimiter counted them
    aliases: int = 0
    cost: int = 0


ZERO = Measure()


class Measurer:
    """Measures the definitions of one document; ``visits`` counts selection sets walked."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        limits: DocumentLimits,
        variables: Mapping[str, object] | None = None,
    ) -> None:
        """``variables`` None: before they are known (a variable page size counts as 1)."""
        self._schema = schema
        self._limits = limits
        self._variables = variables
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._measured: dict[str, Measure] = {}
        self.visits = 0
        for name in _dependency_order(self._fragments):
            fragment = self._fragments[name]
            parent = schema.get_type(fragment.type_condition.name.value)
            self._measured[name] = self._selections(fragment.selection_set, parent)

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        return self._selections(
            operation.selection_set, self._schema.get_root_type(operation.operation)
        )

    def _selections(self, selection_set: SelectionSetNode, parent: Any, page: int = 1) -> Measure:
        """``page``: the size of the page the selections belong to (a connection's ``first``):
        it multiplies the lists selected (``edges``), not the rest (``pageInfo``); fragments
        spread there are multiplied whole."""
        self.visits += 1
        depth = aliases = cost = 0
        for selection in selection_set.selections:
            times = page
            if isinstance(selection, FieldNode):
                measure = self._field(selection, parent)
                times = page if self._is_list(selection, parent) else 1
            elif isinstance(selection, FragmentSpreadNode):
                # Not measured yet: the spread closes a cycle, which validation reports.
                measure = self._measured.get(selection.name.value, ZERO)
            elif isinstance(selection, InlineFragmentNode):
                measure = self._inline(selection, parent)
            else:
                continue
            depth = max(depth, measure.depth)
            aliases = self._saturate(aliases + measure.aliases, self._limits.max_aliases)
            cost = self._saturate(cost + times * measure.cost, self._limits.max_cost)
        return Measure(depth, aliases, cost)

    def _inline(self, inline: InlineFragmentNode, parent: Any) -> Measure:
        if inline.type_condition is not None:
            parent = self._schema.get_type(inline.type_condition.name.value)
        return self._selections(inline.selection_set, parent)

    def _field(self, field: FieldNode, parent: Any) -> Measure:
        aliased = 1 if field.alias else 0
        if field.selection_set is None:
            return Measure(0, aliased, 1)
        definition = _fields_of(parent).get(field.name.value)
        child_type: GraphQLNamedType | None = (
            get_named_type(definition.type) if definition is not None else None
        )
        size = self._list_size(field, definition)
        if self._is_list(field, parent):  # a list itself (chatMessages): each item costs
            inner = self._selections(field.selection_set, child_type)
            cost = 1 + size * inner.cost
        else:  # a connection: its lists cost per item
            inner = self._selections(field.selection_set, child_type, page=size)
            cost = 1 + inner.cost
        introspection = field.name.value.startswith("__")
        return Measure(
            depth=0 if introspection else 1 + inner.depth,
            aliases=self._saturate(aliased + inner.aliases, self._limits.max_aliases),
            cost=self._saturate(cost, self._limits.max_cost),
        )

    def _is_list(self, field: FieldNode, parent: Any) -> bool:
        definition = _fields_of(parent).get(field.name.value)
        if definition is None:
            return False
        nullable: Any = get_nullable_type(definition.type)
        return is_list_type(nullable)

    def _list_size(self, field: FieldNode, definition: Any) -> int:
        """How many items the field's list-size argument asks for (1 without one)."""
        for name, largest in self._limits.list_sizes.items():
            given: Any = next(
                (a.value for a in field.arguments or () if a.name.value == name), None
            )
            if isinstance(given, VariableNode):
                if self._variables is None:
                    return 1
                given = self._variables.get(given.name.value)
            elif isinstance(given, IntValueNode):
                given = int(given.value)
            if given is None and definition is not None and name in definition.args:
                given = definition.args[name].default_value
            if isinstance(given, int) and not isinstance(given, bool):
                return min(max(given, 1), largest)
        return 1

    @staticmethod
    def _saturate(value: int, limit: int) -> int:
        return min(value, limit + 1)


def _fields_of(parent: Any) -> Mapping[str, Any]:
    fields = getattr(parent, "fields", None)
    return fields if isinstance(fields, Mapping) else {}


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    """The names of the fragments spread anywhere in a selection set (not through spreads)."""
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                pending.append(selection.selection_set)


def _dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Fragments ordered so that each comes after those it spreads (cycles are cut)."""
    spreads = {
        name: list(dict.fromkeys(_spreads(f.selection_set))) for name, f in fragments.items()
    }
    ordered: list[str] = []
    done: set[str] = set()
    for root in fragments:
        if root in done:
            continue
        path = [(root, iter(spreads[root]))]
        on_path = {root}
        while path:
            name, pending = path[-1]
            following = next(
                (s for s in pending if s in fragments and s not in done | on_path), None
            )
            if following is not None:
                path.append((following, iter(spreads[following])))
                on_path.add(following)
                continue
            path.pop()
            on_path.discard(name)
            done.add(name)
            ordered.append(name)
    return ordered


def refusal(measure: Measure, limits: DocumentLimits) -> str | None:
    """What a person is told when the operation asks for too much, else None."""
    if measure.depth > limits.max_depth:
        return (
            f"This query nests {measure.depth} levels deep; at most {limits.max_depth} are "
            "allowed. Ask for fewer nested fields."
        )
    if measure.aliases > limits.max_aliases:
        return (
            f"This query uses more than {limits.max_aliases} aliases, the most allowed. "
            "Send fewer aliased fields."
        )
    if measure.cost > limits.max_cost:
        return (
            f"This query asks for too much at once: more than {limits.max_cost:,} fields to "
            "resolve once fragments and page sizes (first, last) are counted. Ask for fewer "
            "fields or smaller pages."
        )
    return None


def refused(operation: OperationDefinitionNode, message: str) -> GraphQLError:
    return GraphQLError(message, [operation], extensions={"code": "BAD_USER_INPUT"})


class OperationCost(SchemaExtension):
    """Refuses, before it runs, a query or mutation whose variables' page sizes make it cost
    more than the limit (a subscription's cost is checked without them)."""

    def __init__(self, limits: DocumentLimits) -> None:
        super().__init__()
        self._limits = limits

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = selected_operation(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            values = {**variable_defaults(operation), **(context.variables or {})}
            measurer = Measurer(context.schema._schema, document, self._limits, values)
            message = refusal(measurer.operation(operation), self._limits)
            if message is not None:
                context.result = ExecutionResult(data=None, errors=[refused(operation, message)])
        yield


def selected_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return next((o for o in operations if name is None or (o.name and o.name.value == name)), None)


def variable_defaults(operation: OperationDefinitionNode) -> dict[str, object]:
    return {
        v.variable.name.value: int(v.default_value.value)
        for v in operation.variable_definitions or ()
        if isinstance(v.default_value, IntValueNode)
    }


def document_limits_rule(limits: DocumentLimits) -> type[ValidationRule]:
    """A graphql-core rule enforcing ``limits``; make it once per schema (its identity is part
    of Strawberry's validation cache key)."""

    class DocumentLimitsRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: object) -> None:
            context: ValidationContext = self.context
            measurer = Measurer(context.schema, node, limits)
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                message = refusal(measurer.operation(definition), limits)
                if message is not None:
                    # Abort the whole validation: the other rules would walk the expansion.
                    raise ValidationAbortedError(
                        message, [definition], extensions={"code": "BAD_USER_INPUT"}
                    )

    return DocumentLimitsRule
