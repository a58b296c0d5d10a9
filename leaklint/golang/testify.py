"""testify assertions as the flow and the checks read them: which assertion, on which
arguments (the testing handle left out), and whether a failure stops the test."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from leaklint.golang.parse import field, named_children, text, unparen

REQUIRE = "github.com/stretchr/testify/require"
ASSERT = "github.com/stretchr/testify/assert"
# gocheck: `c.Assert(err, check.NotNil)`, `c.Check(err, IsNil)` (often dot-imported).
GOCHECK = frozenset({"gopkg.in/check.v1", "github.com/go-check/check"})
# gocheck's checkers, read as the testify assertion saying the same of the obtained value.
_GOCHECK_CHECKERS = {"IsNil": "Nil", "NotNil": "NotNil", "ErrorMatches": "ErrorContains",
                     "Equals": "Equal", "DeepEquals": "Equal"}
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
        if path is None and name in ("Assert", "Check"):
            return _gocheck_assertion(file, name, args)
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


def _gocheck_assertion(file, method: str, args: list[Node]) -> Assertion | None:
    """`c.Assert(obtained, NotNil)` on a *check.C of gocheck: Assert stops the test on
    failure, Check only marks it failed."""
    if len(args) < 2 or not any(path in GOCHECK for path in (
            *file.imports.values(), *file.dot_imports)):
        return None
    checker = unparen(args[1])
    if checker is not None and checker.type == "selector_expression":
        if file.imports.get(text(field(checker, "operand"))) not in GOCHECK:
            return None
        checker = field(checker, "field")
    name = _GOCHECK_CHECKERS.get(text(checker)) if checker is not None else None
    if name is None:
        return None
    return Assertion(name, [args[0], *args[2:]], method == "Assert")
