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
from leaklint.golang.index import GoFile
from leaklint.golang.parse import (
    assigned_before,
    assigned_target,
    field,
    fields_set_after,
    named_children,
    own_returns,
    returned_values,
    statements,
    text,
    unparen,
    walk,
)
from leaklint.golang.resolve import Resolver
from leaklint.golang.types import DIAL_FIELDS

# Constructors of listeners whose connections are pipes in the process.
IN_MEMORY_LISTENERS = frozenset({
    ("google.golang.org/grpc/test/bufconn", "Listen"),
    ("tailscale.com/net/memnet", "Listen"),
    ("github.com/valyala/fasthttp/fasthttputil", "NewInmemoryListener"),
})
# Their types, for a listener kept in a field (`s.ln.Dial()`).
_IN_MEMORY_LISTENER_TYPES = frozenset({
    ("google.golang.org/grpc/test/bufconn", "Listener"),
    ("tailscale.com/net/memnet", "Listener"),
    ("github.com/valyala/fasthttp/fasthttputil", "InmemoryListener"),
})
# Types whose Listen method makes an in-memory listener.
IN_MEMORY_NETWORKS = frozenset({("tailscale.com/net/memnet", "Network")})
_SERVE_METHODS = ("Serve", "ServeTLS")
_LISTEN_METHODS = ("ListenAndServe", "ListenAndServeTLS")


def in_memory_listener(resolver: Resolver, file: GoFile, expr: Node | None) -> bool:
    """expr is a local variable last assigned a listener made in memory, or a field
    declared with an in-memory listener type."""
    expr = unparen(expr)
    if expr is not None and expr.type == "selector_expression":
        func = enclosing_function(expr)
        found = resolver.type_of(expr, resolver.env_for(func, file, None), file) if (
            func is not None) else None
        return found is not None and (found.pkg, found.name) in _IN_MEMORY_LISTENER_TYPES
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
    """`DialContext: ln.Dial`: a method value of an in-memory listener, or of a type of
    the module whose method hands out only ends of `net.Pipe()` (`s.listener.DialContext`
    of a test server that serves on pipes)."""
    value = unparen(value)
    if value is None or value.type != "selector_expression":
        return False
    if text(field(value, "field")).startswith("Dial") and in_memory_listener(
            resolver, file, field(value, "operand")):
        return True
    func = enclosing_function(value)
    if func is None:
        return False
    owner = resolver.type_of(field(value, "operand"), resolver.env_for(func, file, None), file)
    index = resolver._index_for(owner.pkg) if owner is not None else None
    if index is None or owner is None:
        return False
    name = text(field(value, "field"))
    index.ensure(name)
    info = index.method(owner.name, name)
    return info is not None and _pipe_dialer(info.file, info.node)


def _pipe_dialer(file: GoFile, func: Node) -> bool:
    """Every return of the function hands out nil or an end of a `net.Pipe()` made in it
    (`server, client := net.Pipe(); ...; return client, nil`)."""
    body = field(func, "body")
    if body is None:
        return False
    ends: set[str] = set()
    for node in file.within("short_var_declaration", body):
        right = named_children(field(node, "right"))
        call = unparen(right[0]) if len(right) == 1 else None
        if call is not None and call.type == "call_expression" and text(
                field(call, "function")) == "net.Pipe" and file.imports.get("net") == "net":
            ends.update(text(n) for n in named_children(field(node, "left")))
    if not ends:
        return False
    # `cc := &clientConn{Conn: client}`: a wrapper of the module around a pipe end.
    for node in file.within("short_var_declaration", body):
        left, right = named_children(field(node, "left")), named_children(field(node, "right"))
        value = unparen(right[0]) if len(left) == 1 and len(right) == 1 else None
        if value is not None and value.type == "unary_expression":
            value = unparen(field(value, "operand"))
        if value is not None and value.type == "composite_literal" and any(
                n.type == "identifier" and text(n) in ends for n in walk(field(value, "body"))):
            ends.add(text(left[0]))
    returns = own_returns(body)
    for ret in returns:
        values = returned_values(ret)
        first = unparen(values[0]) if values else None
        if first is None or not (first.type == "nil" or (
                first.type == "identifier" and text(first) in ends)):
            return False
    return bool(returns)


def in_memory_transport(resolver: Resolver, file: GoFile, value: Node | None,
                        depth: int = 0) -> bool:
    """A Transport value that only dials in memory: a literal whose dial functions do, its
    Clone, a local given one (whose dial functions, if set again, wrap the saved ones or
    dial in memory too), a range variable over a list of such, or the result of a
    function of the module that returns only such (`server.TransportHTTP1()`)."""
    if value is not None and value.type == "literal_element" and value.named_children:
        value = value.named_children[0]
    value = unparen(value)
    if value is None or depth > _MAX_TRANSPORT_DEPTH:
        return False
    if value.type == "unary_expression":
        return in_memory_transport(resolver, file, field(value, "operand"), depth)
    if value.type == "composite_literal":
        return dials_in_memory(resolver, file, value)
    if value.type == "call_expression":
        function = unparen(field(value, "function"))
        if function is not None and function.type == "selector_expression" and text(
                field(function, "field")) == "Clone" and not named_children(
                field(value, "arguments")):
            return in_memory_transport(resolver, file, field(function, "operand"), depth + 1)
        func = enclosing_function(value)
        if func is None:
            return False
        callee = resolver.callee(value, resolver.env_for(func, file, None), file)
        if callee.info is None or callee.index is None:
            return False
        from leaklint.golang.summary import resolver_for

        return _returns_memory_transport(resolver_for(resolver, callee.index), callee.info,
                                         depth + 1)
    if value.type == "identifier":
        return _memory_variable(resolver, file, value, depth)
    return False


_MAX_TRANSPORT_DEPTH = 4


def _returns_memory_transport(resolver: Resolver, info, depth: int) -> bool:
    key = f"memory-transport:{info.key}"
    cache = resolver.index.summaries
    if isinstance(cache.get(key), bool):
        return cache[key]
    cache[key] = False  # recursion proves nothing
    body = field(info.node, "body")
    returns = own_returns(body) if body is not None else []
    found = bool(returns)
    for ret in returns:
        values = named_children(ret.named_children[0]) if ret.named_children else []
        if not values or not in_memory_transport(resolver, info.file, values[0], depth):
            found = False
            break
    cache[key] = found
    return found


def _memory_variable(resolver: Resolver, file: GoFile, ident: Node, depth: int) -> bool:
    func = enclosing_function(ident)
    if func is None:
        return False
    name = text(ident)
    value = assigned_before(file, func, name, ident.start_byte)
    if value is None:
        return _ranged_over_memory(resolver, file, func, ident, depth)
    if not in_memory_transport(resolver, file, value, depth + 1):
        return False
    # `dial := tr.DialContext; tr.DialContext = func(...) { ...; return dial(...) }`: a
    # dial function set again must wrap the saved one or dial in memory itself.
    body = field(func, "body")
    saved = set()
    for node in file.within("short_var_declaration", body) if body is not None else ():
        left, right = named_children(field(node, "left")), named_children(field(node, "right"))
        if len(left) == 1 and len(right) == 1 and right[0].type == "selector_expression" and (
                text(field(right[0], "operand")) == name) and text(
                field(right[0], "field")) in DIAL_FIELDS:
            saved.add(text(left[0]))
    for node in file.within("assignment_statement", body) if body is not None else ():
        for target, assigned in zip(named_children(field(node, "left")),
                                    named_children(field(node, "right")), strict=False):
            if target.type != "selector_expression" or text(field(target, "operand")) != name:
                continue
            if text(field(target, "field")) not in DIAL_FIELDS:
                continue
            assigned = unparen(assigned)
            if assigned is None or not (_memory_dial_method(resolver, file, assigned) or (
                    assigned.type == "func_literal" and _returns_call_of(assigned, saved))):
                return False
    return True


def _returns_call_of(literal: Node, names: set[str]) -> bool:
    """Every return of the func literal calls one of names (a saved dial function)."""
    returns = own_returns(field(literal, "body"))
    for ret in returns:
        values = named_children(ret.named_children[0]) if ret.named_children else []
        first = unparen(values[0]) if values else None
        if first is None or first.type != "call_expression" or text(
                field(first, "function")) not in names:
            return False
    return bool(returns)


def _ranged_over_memory(resolver: Resolver, file: GoFile, func: Node, ident: Node,
                        depth: int) -> bool:
    """`for _, tr := range []http.RoundTripper{a, b}` with every element in memory."""
    name = text(ident)
    node = ident.parent
    while node is not None and node != func:
        if node.type == "for_statement":
            clause = next((c for c in node.named_children if c.type == "range_clause"), None)
            left = named_children(field(clause, "left")) if clause is not None else []
            if any(text(n) == name for n in left):
                right = unparen(field(clause, "right"))
                if right is None or right.type != "composite_literal":
                    return False
                elements = named_children(field(right, "body"))
                return bool(elements) and all(
                    in_memory_transport(resolver, file, e, depth + 1) for e in elements)
        node = node.parent
    return False


def dials_nothing(literal: Node | None, file: GoFile | None = None) -> bool:
    """A Transport literal (maybe behind `&` or a field's value) whose every dial function
    is a func literal that only ever returns a nil connection (`return nil,
    errors.New("no real connections")`): it never opens a socket. Given the file, a
    local Transport too: a literal or a clone of http.DefaultTransport, with the dial
    functions assigned to it afterwards (`t.DialContext = func(...) {...}`)."""
    dials = _local_dials(file, literal) if file is not None else None
    if dials is None:
        literal = transport_literal(literal)
        dials = dial_functions(literal) if literal is not None else []
    return bool(dials) and all(
        value is not None and value.type == "func_literal" and _returns_only_nil(value)
        for value in dials)


def _local_dials(file: GoFile, value: Node | None) -> list[Node | None] | None:
    """The dial functions of a local Transport where value names it: its literal's,
    replaced by those assigned to it before that point; None when value is no such
    local."""
    if value is not None and value.type == "literal_element" and value.named_children:
        value = value.named_children[0]
    value = unparen(value)
    func = enclosing_function(value) if value is not None else None
    if value is None or value.type != "identifier" or func is None:
        return None
    name = text(value)
    built = unparen(assigned_before(file, func, name, value.start_byte))
    literal = transport_literal(built)
    if literal is not None:
        dials = {text(field(e, "key")).strip(): v for e, v in _dial_elements(literal)}
    elif built is not None and built.type == "call_expression" and text(
            field(unparen(field(built, "function")), "field")) == "Clone" and (
            b"DefaultTransport" in built.text):
        dials = {"DialContext": None}  # the default's own dialer, unless replaced
    else:
        return None
    later = fields_set_after(file, func, name, built, value.start_byte)
    dials.update({key: unparen(v) for key, v in later.items() if key in DIAL_FIELDS})
    return list(dials.values())


def _dial_elements(literal: Node) -> list[tuple[Node, Node | None]]:
    """(element, value) for each dial field a Transport literal sets."""
    out: list[tuple[Node, Node | None]] = []
    for element in named_children(field(literal, "body")):
        if element.type != "keyed_element" or text(field(element, "key")).strip() not in (
                DIAL_FIELDS):
            continue
        value = field(element, "value")
        if value is not None and value.type == "literal_element" and value.named_children:
            value = value.named_children[0]
        out.append((element, value))
    return out


def _returns_only_nil(dial: Node) -> bool:
    """Every return hands back a nil connection, or there is none and the body ends in
    a panic (`panic("unreachable")`: a test asserting the dial is never used)."""
    returns = [n for n in walk(field(dial, "body")) if n.type == "return_statement"
               and enclosing_function(n) == dial]
    for ret in returns:
        exprs = returned_values(ret)
        if not exprs or unparen(exprs[0]) is None or unparen(exprs[0]).type != "nil":
            return False
    return bool(returns) or _ends_in_panic(dial)


def _ends_in_panic(literal: Node) -> bool:
    body = statements(field(literal, "body"))
    last = body[-1] if body else None
    call = last.named_children[0] if last is not None and (
        last.type == "expression_statement") and last.named_children else None
    return call is not None and call.type == "call_expression" and text(
        field(call, "function")) == "panic"


def dial_functions(literal: Node) -> list[Node | None]:
    """The values a Transport literal gives its dial fields (Dial, DialContext...)."""
    return [value for _, value in _dial_elements(literal)]


def _returns_memory_dial(resolver: Resolver, file: GoFile, dial: Node) -> bool:
    if _pipe_dialer(file, dial):
        return True  # `client, server := net.Pipe(); ...; return client, nil`
    returns = [n for n in walk(field(dial, "body")) if n.type == "return_statement"
               and enclosing_function(n) == dial]
    if not returns:
        return False
    for ret in returns:
        exprs = returned_values(ret)
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
