"""Listeners that live in memory (LL401/LL402): a server that serves only on one, and a
Transport whose dial functions only dial one, hold no socket, so no peer can stall them
and no idle connection can pile up.

Tests of HTTP and gRPC handlers often run them over grpc's bufconn or a similar in-memory
listener: `ln := bufconn.Listen(n); go http.Serve(ln, h)` with a client whose
`DialContext` returns `ln.DialContext(ctx)`. Only listeners made by the known in-memory
constructors count, followed through the local variable they are assigned to.
"""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.context import enclosing_function
from leaklint.golang.doubles import assigned_before
from leaklint.golang.index import GoFile
from leaklint.golang.parse import assigned_target, field, named_children, text, unparen, walk
from leaklint.golang.resolve import Resolver
from leaklint.golang.types import DIAL_FIELDS

# Constructors of listeners whose connections are pipes in the process.
IN_MEMORY_LISTENERS = frozenset({
    ("google.golang.org/grpc/test/bufconn", "Listen"),
    ("tailscale.com/net/memnet", "Listen"),
})
# Types whose Listen method makes an in-memory listener.
IN_MEMORY_NETWORKS = frozenset({("tailscale.com/net/memnet", "Network")})
_SERVE_METHODS = ("Serve", "ServeTLS")
_LISTEN_METHODS = ("ListenAndServe", "ListenAndServeTLS")


def in_memory_listener(resolver: Resolver, file: GoFile, expr: Node | None) -> bool:
    """expr is a local variable last assigned a listener made in memory."""
    expr = unparen(expr)
    if expr is None or expr.type != "identifier":
        return False
    func = enclosing_function(expr)
    while func is not None:
        value = unparen(assigned_before(file, func, text(expr), expr.start_byte))
        if value is not None:
            if value.type != "call_expression":
                return False
            callee = resolver.callee(value, resolver.env_for(func, file, None), file)
            if (callee.pkg, callee.name) in IN_MEMORY_LISTENERS:
                return True
            # `ln, _ := network.Listen("tcp", addr)` on a `memnet.Network`, however the
            # result is unwrapped (`must.Get(network.Listen(...))`).
            return _network_listen(file, func, value)
        func = enclosing_function(func)  # captured from an enclosing function
    return False


def _network_listen(file: GoFile, func: Node, call: Node) -> bool:
    """`network.Listen(...)` (maybe inside `must.Get(...)`) where network, a local of func
    or of a function around it, holds a literal of an in-memory network type."""
    calls = [call] + [a for a in map(unparen, named_children(field(call, "arguments")))
                      if a is not None and a.type == "call_expression"]
    for inner in calls:
        function = unparen(field(inner, "function"))
        if function is None or function.type != "selector_expression" or text(
                field(function, "field")) != "Listen":
            continue
        operand = unparen(field(function, "operand"))
        if operand is None or operand.type != "identifier":
            continue
        scope: Node | None = func
        while scope is not None:
            value = unparen(assigned_before(file, scope, text(operand), call.start_byte))
            if value is not None:
                if value.type == "unary_expression":
                    value = unparen(field(value, "operand"))
                spelled = field(value, "type") if value is not None and (
                    value.type == "composite_literal") else None
                if spelled is not None and spelled.type == "qualified_type" and (
                        file.imports.get(text(field(spelled, "package"))),
                        text(field(spelled, "name"))) in IN_MEMORY_NETWORKS:
                    return True
                break
            scope = enclosing_function(scope)
    return False


def serves_in_memory(resolver: Resolver, file: GoFile, literal: Node) -> bool:
    """The http.Server built at literal, kept in a local, is only ever served on
    in-memory listeners (`srv.Serve(ln)`), never with ListenAndServe."""
    func = enclosing_function(literal)
    target = assigned_target(_outer(literal))
    if func is None or target is None or target.type != "identifier":
        return False
    name = text(target)
    body = field(func, "body")
    served = False
    for node in walk(body) if body is not None else ():
        if node.type != "call_expression":
            continue
        function = unparen(field(node, "function"))
        if function is None or function.type != "selector_expression" or text(
                field(function, "operand")) != name:
            continue
        method = text(field(function, "field"))
        if method in _LISTEN_METHODS:
            return False
        if method in _SERVE_METHODS:
            args = named_children(field(node, "arguments"))
            if not args or not in_memory_listener(resolver, file, args[0]):
                return False
            served = True
    return served


def dials_in_memory(resolver: Resolver, file: GoFile, literal: Node | None) -> bool:
    """literal (an http.Transport literal, maybe behind `&`) sets dial functions, and
    each is a func literal whose every return dials an in-memory listener
    (`return ln.DialContext(ctx)`)."""
    literal = transport_literal(literal)
    dials = dial_functions(literal) if literal is not None else []
    return bool(dials) and all(
        value is not None and (_memory_dial_method(resolver, file, value) or (
            value.type == "func_literal" and _returns_memory_dial(resolver, file, value)))
        for value in dials)


def transport_literal(value: Node | None) -> Node | None:
    """The composite literal of a Transport value: itself, behind `&`, or a literal
    field's value (`Transport: &http.Transport{...}`)."""
    if value is not None and value.type == "literal_element" and value.named_children:
        value = value.named_children[0]
    value = unparen(value)
    if value is not None and value.type == "unary_expression":
        value = unparen(field(value, "operand"))
    return value if value is not None and value.type == "composite_literal" else None


def _memory_dial_method(resolver: Resolver, file: GoFile, value: Node) -> bool:
    """`DialContext: ln.Dial`: a method value of an in-memory listener."""
    value = unparen(value)
    return value is not None and value.type == "selector_expression" and text(
        field(value, "field")).startswith("Dial") and in_memory_listener(
        resolver, file, field(value, "operand"))


def dials_nothing(literal: Node | None) -> bool:
    """A Transport literal (maybe behind `&` or a field's value) whose every dial function
    is a func literal that only ever returns a nil connection (`return nil,
    errors.New("no real connections")`): it never opens a socket."""
    literal = transport_literal(literal)
    dials = dial_functions(literal) if literal is not None else []
    return bool(dials) and all(
        value is not None and value.type == "func_literal" and _returns_only_nil(value)
        for value in dials)


def _returns_only_nil(dial: Node) -> bool:
    returns = [n for n in walk(field(dial, "body")) if n.type == "return_statement"
               and enclosing_function(n) == dial]
    for ret in returns:
        values = [c for c in ret.named_children if c.type != "comment"]
        exprs = values[0].named_children if values and values[0].type == (
            "expression_list") else values
        if not exprs or unparen(exprs[0]) is None or unparen(exprs[0]).type != "nil":
            return False
    return bool(returns)


def dial_functions(literal: Node) -> list[Node | None]:
    """The values a Transport literal gives its dial fields (Dial, DialContext...)."""
    values: list[Node | None] = []
    for element in named_children(field(literal, "body")):
        if element.type != "keyed_element" or text(field(element, "key")).strip() not in (
                DIAL_FIELDS):
            continue
        value = field(element, "value")
        if value is not None and value.type == "literal_element" and value.named_children:
            value = value.named_children[0]
        values.append(value)
    return values


def _returns_memory_dial(resolver: Resolver, file: GoFile, dial: Node) -> bool:
    returns = [n for n in walk(field(dial, "body")) if n.type == "return_statement"
               and enclosing_function(n) == dial]
    if not returns:
        return False
    for ret in returns:
        values = [c for c in ret.named_children if c.type != "comment"]
        exprs = values[0].named_children if values and values[0].type == (
            "expression_list") else values
        call = unparen(exprs[0]) if exprs else None
        if call is None or call.type != "call_expression":
            return False
        function = unparen(field(call, "function"))
        if function is None or function.type != "selector_expression" or not text(
                field(function, "field")).startswith("Dial") or not in_memory_listener(
                resolver, file, field(function, "operand")):
            return False
    return True


def _outer(literal: Node) -> Node:
    """&T{...} when literal is the operand of `&`."""
    parent = literal.parent
    if parent is not None and parent.type == "unary_expression":
        return parent
    return literal
