"""Is http.DefaultTransport an in-memory double where a node runs? (LL402: a request over
the default transport then dials nothing, so no peer can stall it.)

Mocking libraries for net/http install their double by replacing http.DefaultTransport
(gock.New / gock.Intercept, httpmock.Activate); a package can do the same itself with
`http.DefaultTransport = fake`, directly or through one of its own helpers. Such an
installation in the function declaration around the use, or in the package's TestMain,
covers every use of the default transport in that function."""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.context import named_function
from leaklint.golang.index import GoFile
from leaklint.golang.parse import field, named_children, text, unparen
from leaklint.golang.resolve import Resolver
from leaklint.golang.types import HTTP

# Third-party calls documented to swap http.DefaultTransport for an in-memory mock.
_INSTALLERS: dict[str, frozenset[str]] = {
    "gopkg.in/h2non/gock.v1": frozenset({"New", "Intercept"}),
    "github.com/h2non/gock": frozenset({"New", "Intercept"}),
    "github.com/jarcoal/httpmock": frozenset({"Activate"}),
}


def default_transport_faked(resolver: Resolver, file: GoFile, node: Node) -> bool:
    """Does the code around node run with http.DefaultTransport replaced by a double?"""
    func = named_function(node)
    if func is not None and _installs(resolver, file, func, helpers=True):
        return True
    main = resolver.index.funcs.get("TestMain")
    return main is not None and main.node is not func and _installs(
        resolver, main.file, main.node, helpers=True)


def _installs(resolver: Resolver, file: GoFile, func: Node, *, helpers: bool) -> bool:
    """func installs a double as the default transport (itself, or when helpers is set,
    through a same-package function it calls)."""
    body = field(func, "body")
    if body is None:
        return False
    http_aliases = {alias for alias, path in file.imports.items() if path == HTTP}
    for stmt in file.within("assignment_statement", body):
        targets = named_children(field(stmt, "left"))
        values = named_children(field(stmt, "right"))
        for target, value in zip(targets, values, strict=False):
            if _default_transport(target, http_aliases) and _is_double(
                    resolver, file, value, http_aliases):
                return True
    for call in file.within("call_expression", body):
        callee = unparen(field(call, "function"))
        if callee is None:
            continue
        if callee.type == "selector_expression":
            operand = field(callee, "operand")
            path = file.imports.get(text(operand)) if operand is not None else None
            if path in _INSTALLERS and text(field(callee, "field")) in _INSTALLERS[path]:
                return True
        elif helpers and callee.type == "identifier":
            info = resolver.index.funcs.get(text(callee))
            if info is not None and info.node is not func and _installs(
                    resolver, info.file, info.node, helpers=False):
                return True
    return False


def _default_transport(target: Node, http_aliases: set[str]) -> bool:
    """http.DefaultTransport or http.DefaultClient.Transport."""
    if target.type != "selector_expression":
        return False
    operand = unparen(field(target, "operand"))
    name = text(field(target, "field"))
    if operand is None:
        return False
    if operand.type == "identifier":
        return text(operand) in http_aliases and name == "DefaultTransport"
    return name == "Transport" and _default_client(operand, http_aliases)


def _default_client(node: Node, http_aliases: set[str]) -> bool:
    return node.type == "selector_expression" and text(
        field(node, "operand")) in http_aliases and text(field(node, "field")) == "DefaultClient"


def _is_double(resolver: Resolver, file: GoFile, value: Node,
               http_aliases: set[str]) -> bool:
    """A value of a type that is not net/http's own (restoring a saved transport, or
    installing a real *http.Transport, is not a double)."""
    func = named_function(value)
    if func is None:
        return False
    t = resolver.type_of(value, resolver.env_for(func, file, None), file)
    return t is not None and t.pkg not in (HTTP, "")


# Methods that send a request through the value they are called on.
_SENDERS = {"RoundTrip", "Do", "Get", "Head", "Post", "PostForm"}
_MAX_BUILD_DEPTH = 3


def sends_in_memory(resolver: Resolver, file: GoFile, func: Node, call: Node) -> bool:
    """x.RoundTrip(req) / x.Do(req) where x, a local of func, was built around an in-memory
    double: a package type whose RoundTrip hands back no fresh response (a canned
    response, a field, nil). `NewTransport(&mockTransport{...})`, `&http.Client{Transport:
    &stub{}}`: whatever wraps the double, the response comes from memory."""
    function = unparen(field(call, "function"))
    if function is None or function.type != "selector_expression" or text(
            field(function, "field")) not in _SENDERS:
        return False
    operand = unparen(field(function, "operand"))
    if operand is None or operand.type != "identifier":
        return False
    value = _assigned_before(file, func, text(operand), call.start_byte)
    return value is not None and _built_around_double(resolver, file, func, value, 0)


def _assigned_before(file: GoFile, func: Node, name: str, before: int) -> Node | None:
    """The value last given to name by a single-value assignment in func before a point."""
    body = field(func, "body")
    if body is None:
        return None
    found: Node | None = None
    for kind in ("short_var_declaration", "assignment_statement"):
        for node in file.within(kind, body):
            if node.end_byte > before:
                continue
            lhs = named_children(field(node, "left"))
            rhs = named_children(field(node, "right"))
            if len(lhs) >= 1 and text(lhs[0]) == name and rhs and (
                    found is None or node.start_byte > found.start_byte):
                found = rhs[0]
    return found


def _built_around_double(resolver: Resolver, file: GoFile, func: Node, value: Node | None,
                         depth: int) -> bool:
    value = unparen(value)
    if value is None or depth > _MAX_BUILD_DEPTH:
        return False
    if value.type == "unary_expression":
        return _built_around_double(resolver, file, func, field(value, "operand"), depth)
    if value.type == "composite_literal":
        spelled = field(value, "type")
        if spelled is not None and spelled.type == "type_identifier" and _double_type(
                resolver, text(spelled)):
            return True
        body = field(value, "body")
        return body is not None and any(
            _built_around_double(resolver, file, func, element, depth + 1)
            for element in _element_values(body))
    if value.type == "identifier":
        return _built_around_double(resolver, file, func, _assigned_before(
            file, func, text(value), value.start_byte), depth + 1)
    if value.type == "call_expression":
        owner = named_function(value)
        if owner is None:
            return False
        callee = resolver.callee(value, resolver.env_for(owner, file, None), file)
        if callee.info is None or callee.index is not resolver.index:
            return False  # only a constructor of this package is known to keep its argument
        return any(_built_around_double(resolver, file, func, arg, depth + 1)
                   for arg in named_children(field(value, "arguments")))
    return False


def _element_values(body: Node) -> list[Node]:
    out = []
    for element in named_children(body):
        if element.type == "keyed_element":
            value = element.named_children[-1] if element.named_children else None
        else:
            value = element
        if value is not None and value.type == "literal_element" and value.named_children:
            value = value.named_children[0]
        if value is not None:
            out.append(value)
    return out


def _double_type(resolver: Resolver, name: str) -> bool:
    """A package type whose RoundTrip returns no fresh response."""
    from leaklint.golang import summary
    from leaklint.golang.resolve import Callee

    index = resolver.index
    info = index.funcs.get(f"{name}.RoundTrip")
    if info is None:
        return False
    return summary.result(resolver, Callee("local", index.key, info.name, info, index)) != (
        summary.FRESH)
