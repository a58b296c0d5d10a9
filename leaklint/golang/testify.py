"""testify assertions as the flow and the checks read them: which assertion, on which
arguments (the testing handle left out), and whether a failure stops the test."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from leaklint.golang.parse import field, named_children, text, unparen

REQUIRE = "github.com/stretchr/testify/require"
ASSERT = "github.com/stretchr/testify/assert"
# Assertions that an error is set (on an error argument: that it is not nil).
ERROR_ASSERTIONS = frozenset({
    "Error", "Errorf", "ErrorIs", "ErrorIsf", "ErrorAs", "ErrorAsf", "ErrorContains",
    "ErrorContainsf", "EqualError", "EqualErrorf", "NotNil", "NotNilf"})


@dataclass(frozen=True)
class Assertion:
    name: str  # Equal, NoError, ErrorIs...
    args: list[Node]  # the arguments after the testing handle
    stops: bool  # require's: a failure ends the test; assert's only marks it failed


def assertion(file, call: Node) -> Assertion | None:
    """`require.Error(t, err)`, `assert.Equal(t, want, got)`, or a suite's
    `s.Require().NoError(err)` / `s.Assert().Nil(x)`; None for any other call."""
    func = unparen(field(call, "function")) if call.type == "call_expression" else None
    if func is None or func.type != "selector_expression":
        return None
    operand = unparen(field(func, "operand"))
    name = text(field(func, "field"))
    args = named_children(field(call, "arguments"))
    if operand is None:
        return None
    if operand.type == "identifier":
        path = file.imports.get(text(operand))
        if path not in (REQUIRE, ASSERT):
            return None
        return Assertion(name, args[1:], path == REQUIRE)
    if operand.type == "call_expression":
        inner = unparen(field(operand, "function"))
        kind = text(field(inner, "field")) if inner is not None and (
            inner.type == "selector_expression") else ""
        if kind in ("Require", "Assert"):
            return Assertion(name, args, kind == "Require")
    return None
