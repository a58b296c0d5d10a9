"""Does a request carry a context with a deadline? (LL402: such a request is bounded
even on a client without a Timeout.)

A request built with http.NewRequestWithContext (or rebased with req.WithContext /
req.Clone) from a context derived by context.WithTimeout or WithDeadline in the same
function, or from a context parameter that every visible caller in the package bounds
so, is bounded. Contexts derived with WithCancel or WithValue keep their parent's
deadline; WithoutCancel and Background have none."""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.context import enclosing_function, named_function
from leaklint.golang.index import GoFile
from leaklint.golang.parse import field, named_children, text, unparen
from leaklint.golang.resolve import Resolver

_DEADLINE = {"WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause"}
_INHERITS = {"WithCancel", "WithCancelCause", "WithValue"}
_MAX_CALLER_DEPTH = 2


def request_bounded(resolver: Resolver, file: GoFile, request: Node | None) -> bool:
    """Is the request expression (an argument of Do) bound to a deadline context?"""
    func = named_function(request) if request is not None else None
    if func is None:
        return False
    ctx = _request_context(file, func, request, 0)
    return ctx is not None and _has_deadline(resolver, file, func, ctx, 0)


def _request_context(file: GoFile, func: Node, expr: Node | None, depth: int) -> Node | None:
    """The context expression a request was built from, if it was built with one."""
    expr = unparen(expr)
    if expr is None or depth > 4:
        return None
    if expr.type == "identifier":
        return _request_context(file, func, _last_value(file, func, expr), depth + 1)
    if expr.type != "call_expression":
        return None
    function = unparen(field(expr, "function"))
    args = named_children(field(expr, "arguments"))
    if function is None or function.type != "selector_expression" or not args:
        return None
    name = text(field(function, "field"))
    operand = unparen(field(function, "operand"))
    if name == "NewRequestWithContext" and _is_package(file, operand, "net/http"):
        return args[0]
    if name in ("WithContext", "Clone") and len(args) == 1:
        return args[0]  # req.WithContext(ctx): the new request carries ctx
    return None


def _has_deadline(resolver: Resolver, file: GoFile, func: Node, ctx: Node | None,
                  depth: int) -> bool:
    ctx = unparen(ctx)
    if ctx is None:
        return False
    if ctx.type == "identifier":
        value = _last_value(file, func, ctx)
        if value is not None:
            return _has_deadline(resolver, file, func, value, depth)
        position = _parameter_position(func, text(ctx))
        return position is not None and _callers_bound(resolver, func, position, depth)
    if ctx.type != "call_expression":
        return False
    function = unparen(field(ctx, "function"))
    if function is None or function.type != "selector_expression":
        return False
    if not _is_package(file, unparen(field(function, "operand")), "context"):
        return False
    name = text(field(function, "field"))
    if name in _DEADLINE:
        return True
    args = named_children(field(ctx, "arguments"))
    return name in _INHERITS and bool(args) and _has_deadline(resolver, file, func, args[0], depth)


def _is_package(file: GoFile, operand: Node | None, path: str) -> bool:
    return operand is not None and operand.type == "identifier" and (
        file.imports.get(text(operand)) == path)


def _last_value(file: GoFile, func: Node, ident: Node) -> Node | None:
    """The value last assigned to the name before this occurrence, in the function
    (`x := v`, `x, y := f()`, `x = v`); a multi-value call counts for its first name."""
    body = field(func, "body")
    if body is None:
        return None
    name = text(ident)
    found: Node | None = None
    for kind in ("short_var_declaration", "assignment_statement"):
        for node in file.within(kind, body):
            if node.end_byte > ident.start_byte:
                continue
            lhs = named_children(field(node, "left"))
            rhs = named_children(field(node, "right"))
            for i, target in enumerate(lhs):
                if target.type != "identifier" or text(target) != name:
                    continue
                value = rhs[i] if len(rhs) == len(lhs) else (rhs[0] if i == 0 and rhs else None)
                if value is not None and (found is None or node.start_byte > found.start_byte):
                    found = value
    return found


def _parameter_position(func: Node, name: str) -> int | None:
    position = 0
    for decl in named_children(field(func, "parameters")):
        names = decl.children_by_field_name("name")
        for n in names or [decl]:
            if text(n) == name:
                return position
            position += 1
    return None


def _callers_bound(resolver: Resolver, func: Node, position: int, depth: int) -> bool:
    """Every call of the function (or method) seen in the package passes a deadline
    context at position (and there is at least one)."""
    if depth >= _MAX_CALLER_DEPTH or func.type not in ("function_declaration",
                                                       "method_declaration"):
        return False
    name = text(field(func, "name"))
    seen = 0
    for file in resolver.index.files:
        if file.source is None:
            continue
        for call in file.calls_named(name):
            caller = named_function(call)
            owner = enclosing_function(call)
            if caller is None or owner is None or not _calls(resolver, file, owner, call,
                                                             func):
                continue
            args = named_children(field(call, "arguments"))
            if position >= len(args) or not _has_deadline(
                    resolver, file, caller, args[position], depth + 1):
                return False
            seen += 1
    return seen > 0


def _calls(resolver: Resolver, file: GoFile, owner: Node, call: Node, func: Node) -> bool:
    """Does the call reach func (a plain call by name, or a method resolved by type)?"""
    function = unparen(field(call, "function"))
    if func.type == "function_declaration":
        return function is not None and function.type == "identifier"
    env = resolver.env_for(owner, file, _outer_env(resolver, file, owner))
    info = resolver.callee(call, env, file).info
    return info is not None and info.node == func


def _outer_env(resolver: Resolver, file: GoFile, func: Node):
    outer = enclosing_function(func)
    if outer is None:
        return None
    return resolver.env_for(outer, file, _outer_env(resolver, file, outer))
