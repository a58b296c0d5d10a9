"""Responses a generated mock hands out (LL101): canned, with no connection behind them.

A test that sets a gomock or testify expectation on a RoundTripper-like method
(`cl.EXPECT().RoundTrip(req).Return(&http.Response{Request: req}, nil)`,
`m.On("RoundTrip", req).Return(resp200, nil)` with resp200 a response literal, or
`.DoAndReturn(func(...) (*http.Response, error) { ...; return nil, nil })`) and then
drives the code under test (`tr.RoundTrip(req)`) gets back the canned response: an
unclosed body there holds no connection. Only a test function whose every such
expectation is canned (a response literal or nil) counts, and only for responses it
gets from a RoundTrip call.
"""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.parse import (
    assigned_before,
    field,
    named_children,
    own_returns,
    text,
    unparen,
    walk,
)

_EXPECTED = frozenset({"RoundTrip", "RoundTripOpt"})
_ANSWERS = frozenset({"Return", "DoAndReturn"})


def canned_round_trips(file, test: Node | None) -> bool:
    """The test function (a _test.go function) sets at least one gomock expectation on
    a RoundTrip method, and every one answers with a response literal or nil."""
    body = field(test, "body") if test is not None else None
    if body is None:
        return False
    found = False
    for call in walk(body):
        if call.type != "call_expression":
            continue
        answer = unparen(field(call, "function"))
        if answer is None or answer.type != "selector_expression" or text(
                field(answer, "field")) not in _ANSWERS:
            continue
        expected = unparen(field(answer, "operand"))
        if not _expectation_on_round_trip(expected):
            continue
        args = [unparen(a) for a in named_children(field(call, "arguments"))]
        first = args[0] if args else None
        if first is not None and first.type == "identifier":
            # `resp200 := &http.Response{...}; m.On("RoundTrip", ...).Return(resp200, nil)`
            first = unparen(assigned_before(file, test, text(first), call.start_byte))
        if text(field(answer, "field")) == "Return":
            canned = first is not None and _canned(first)
        else:
            canned = first is not None and first.type == "func_literal" and all(
                _returns_canned(ret) for ret in own_returns(field(first, "body"))) and bool(
                own_returns(field(first, "body")))
        if not canned:
            return False
        found = True
    return found


def _expectation_on_round_trip(node: Node | None) -> bool:
    """`x.EXPECT().RoundTrip(...)` (gomock) or `x.On("RoundTrip", ...)` (testify)."""
    if node is None or node.type != "call_expression":
        return False
    method = unparen(field(node, "function"))
    if method is not None and method.type == "selector_expression" and text(
            field(method, "field")) == "On":
        args = named_children(field(node, "arguments"))
        return bool(args) and args[0].type == "interpreted_string_literal" and text(
            args[0]).strip('"') in _EXPECTED
    if method is None or method.type != "selector_expression" or text(
            field(method, "field")) not in _EXPECTED:
        return False
    expect = unparen(field(method, "operand"))
    function = unparen(field(expect, "function")) if expect is not None and (
        expect.type == "call_expression") else None
    return function is not None and function.type == "selector_expression" and text(
        field(function, "field")) == "EXPECT"


def _canned(value: Node) -> bool:
    if value.type == "nil":
        return True
    if value.type == "unary_expression":
        value = unparen(field(value, "operand"))
    return value is not None and value.type == "composite_literal" and text(
        field(value, "type")).endswith("Response")


def _returns_canned(ret: Node) -> bool:
    values = named_children(ret.named_children[0]) if ret.named_children else []
    first = unparen(values[0]) if values else None
    return first is not None and _canned(first)


def from_round_trip(call: Node) -> bool:
    """The acquiring call is a RoundTrip (or RoundTripOpt) method call."""
    function = unparen(field(call, "function"))
    return function is not None and function.type == "selector_expression" and text(
        field(function, "field")) in _EXPECTED
