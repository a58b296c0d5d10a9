"""Does a request carry a context with a deadline? (LL402: such a request is bounded
even on a client without a Timeout.)

A request built with http.NewRequestWithContext (or rebased with req.WithContext /
req.Clone) from a context derived by context.WithTimeout or WithDeadline in the same
function, or from a context parameter that every visible caller in the package bounds
so, is bounded. Contexts derived with WithCancel or WithValue keep their parent's
deadline; WithoutCancel and Background have none."""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from leaklint.golang.context import enclosing_function, named_function, outermost_function
from leaklint.golang.index import GoFile
from leaklint.golang.memconn import dial_functions, transport_literal
from leaklint.golang.parse import (
    assignment_sides,
    assignments_to,
    field,
    named_children,
    own_returns,
    returned_values,
    text,
    unparen,
)
from leaklint.golang.resolve import Env, Resolver
from leaklint.golang.types import DIAL_FIELDS

_DEADLINE = {"WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause"}
# Derivations that keep their parent's deadline, by package path.
_INHERITS = {
    "context": frozenset({"WithCancel", "WithCancelCause", "WithValue"}),
    "net/http/httptrace": frozenset({"WithClientTrace"}),
    "os/signal": frozenset({"NotifyContext"}),
}
_MAX_CALLER_DEPTH = 5
_MAX_DEPTH_NO_CALLERS = _MAX_CALLER_DEPTH  # a depth at which callers are not asked


def request_bounded(resolver: Resolver, file: GoFile, request: Node | None) -> bool:
    """Is the request expression (an argument of Do) bound to a deadline context?"""
    func = named_function(request) if request is not None else None
    if func is None:
        return False
    return _request_bounded(resolver, file, func, request, 0)


def _request_bounded(resolver: Resolver, file: GoFile, func: Node, expr: Node | None,
                     depth: int) -> bool:
    """Every context the request may carry here has a deadline."""
    contexts = _request_contexts(file, func, expr, 0, resolver)
    return bool(contexts) and all(
        _has_deadline(resolver, file, func, c, depth) for c in contexts)


def _request_contexts(file: GoFile, func: Node, expr: Node | None,
                      depth: int, resolver: Resolver | None = None) -> list[Node] | None:
    """The context expressions the request may have been built from (one per value that
    may reach this point), or None when one of them was built without a context."""
    expr = unparen(expr)
    if expr is None or depth > 4:
        return None
    if expr.type == "identifier":
        reaching = _reaching_values(file, func, expr)
        if reaching is None or reaching[1] or not reaching[0]:
            return None  # a request from outside, or an unknown one
        out: list[Node] = []
        for value in reaching[0]:
            contexts = _request_contexts(file, func, value, depth + 1, resolver)
            if contexts is None:
                return None
            out += contexts
        return out
    if expr.type != "call_expression":
        return None
    function = unparen(field(expr, "function"))
    args = named_children(field(expr, "arguments"))
    if function is None or not args:
        return None
    if function.type == "selector_expression":
        name = text(field(function, "field"))
        operand = unparen(field(function, "operand"))
        if name == "NewRequestWithContext" and _is_package(file, operand, "net/http"):
            return [args[0]]
        if name in ("WithContext", "Clone") and len(args) == 1:
            return [args[0]]  # req.WithContext(ctx): the new request carries ctx
    position = _request_builder(resolver, file, func, expr) if resolver is not None else None
    if position is not None and position < len(args):
        return [args[position]]  # s.prepareRequest(ctx, ...): built with that ctx
    if resolver is not None and _passes_first_argument(resolver, file, func, expr):
        # `errors.Convert01(http.NewRequestWithContext(ctx, ...))`: the request as is.
        return _request_contexts(file, func, args[0], depth + 1, resolver)
    return None


def _passes_first_argument(resolver: Resolver, file: GoFile, func: Node, call: Node) -> bool:
    """A module function whose every return hands back its first parameter unchanged
    as its first result (an error converter's `return t1, wrap(err)`)."""
    callee = _callee_in(resolver, file, func, call)
    info = callee.info
    if info is None or not info.params or field(info.node, "body") is None:
        return False
    first = info.params[0][0]
    values = _first_results(info.file, info.node)
    return bool(first) and bool(values) and all(
        unparen(v) is not None and unparen(v).type == "identifier" and text(unparen(v)) == first
        for v in values)


def _request_builder(resolver: Resolver, file: GoFile, func: Node, call: Node) -> int | None:
    """The parameter whose context every request a module function returns is built
    with (`func (s *S) prepareRequest(ctx context.Context, ...) (*http.Request, error)`).
    Cached per function."""
    callee = _callee_in(resolver, file, func, call)
    info, index = callee.info, callee.index
    body = field(info.node, "body") if info is not None else None
    if info is None or index is None or body is None:
        return None
    key = f"request-builder:{info.key}"
    if key in index.summaries:
        cached = index.summaries[key]
        return cached if isinstance(cached, int) and not isinstance(cached, bool) else None
    index.summaries[key] = None  # recursion guard
    positions: set[int | None] = set()
    for value in _first_results(info.file, info.node):
        if value is None or unparen(value) is None or unparen(value).type == "nil":
            continue
        contexts = _request_contexts(info.file, info.node, value, 1)
        if not contexts:
            positions.add(None)
            break
        for ctx in contexts:
            positions.add(_untouched_parameter(info.file, info.node, unparen(ctx)))
    out = positions.pop() if len(positions) == 1 else None
    index.summaries[key] = out
    return out


def _has_deadline(resolver: Resolver, file: GoFile, func: Node, ctx: Node | None,
                  depth: int) -> bool:
    ctx = unparen(ctx)
    if ctx is None:
        return False
    if ctx.type == "identifier":
        literal = _literal_parameter(ctx)
        if literal is not None:
            return _given_deadline_context(resolver, file, func, literal, depth)
        reaching = _reaching_values(file, func, ctx)
        if reaching is None:
            return False
        values, from_entry = reaching
        if not values and not from_entry:
            return False
        if not all(_has_deadline(resolver, file, func, v, depth) for v in values):
            return False
        position = _parameter_position(func, text(ctx)) if from_entry else None
        return not from_entry or (
            position is not None and _callers_bound(resolver, func, position, depth))
    if ctx.type != "call_expression":
        return False
    function = unparen(field(ctx, "function"))
    args = named_children(field(ctx, "arguments"))
    if function is None:
        return False
    if function.type == "selector_expression":
        operand = unparen(field(function, "operand"))
        name = text(field(function, "field"))
        if _is_package(file, operand, "context") and name in _DEADLINE:
            return True
        if _inherits(file, operand, name):
            return bool(args) and _has_deadline(resolver, file, func, args[0], depth)
        if name == "Context" and not args and operand is not None and (
                operand.type == "identifier"):
            # req.Context(): the context the request was built with.
            return _request_bounded(resolver, file, func, operand, depth)
    return _helper_bounded(resolver, file, func, ctx, args, depth)


def _literal_parameter(ident: Node) -> Node | None:
    """The func literal whose parameter the name is (the innermost literal declaring
    it), when the literal never assigns it."""
    node = ident.parent
    while node is not None and node.type not in ("function_declaration",
                                                 "method_declaration"):
        if node.type == "func_literal":
            names = [text(n) for decl in named_children(field(node, "parameters"))
                     for n in decl.children_by_field_name("name")]
            if text(ident) in names:
                return None if assignments_to(field(node, "body"), text(ident),
                                              declarations=True) else node
        node = node.parent
    return None


def _given_deadline_context(resolver: Resolver, file: GoFile, func: Node, literal: Node,
                            depth: int) -> bool:
    """A callback handed to a helper that calls it with a context carrying a deadline:
    a module helper whose every call of that parameter passes one (read from its body),
    or a library's named for the deadline it sets (`wait.PollUntilContextTimeout(ctx, d,
    limit, true, func(ctx context.Context) ...)`)."""
    args = literal.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    function = unparen(field(call, "function")) if call is not None else None
    if function is None or depth >= _MAX_CALLER_DEPTH:
        return False
    callee = _callee_in(resolver, file, func, call)
    info, index = callee.info, callee.index
    body = field(info.node, "body") if info is not None else None
    if info is None or index is None or body is None:
        name = text(field(function, "field")) if function.type == "selector_expression" else (
            text(function))
        return callee.kind == "third" and ("Timeout" in name or "Deadline" in name)
    position = named_children(args).index(literal)
    if position >= len(info.params):
        return False
    param = info.params[position][0]
    from leaklint.golang.summary import resolver_for  # summary imports flow, which imports us

    sub = resolver_for(resolver, index)
    calls = [c for c in info.file.within("call_expression", body)
             if text(unparen(field(c, "function"))) == param]
    return bool(calls) and all(
        (given := named_children(field(c, "arguments"))) and _has_deadline(
            sub, info.file, info.node, given[0], depth + 1) for c in calls)


def _inherits(file: GoFile, operand: Node | None, name: str) -> bool:
    """A standard derivation whose result keeps its parent's (first argument's) deadline."""
    return any(name in names and _is_package(file, operand, path)
               for path, names in _INHERITS.items())


def _callee_in(resolver: Resolver, file: GoFile, func: Node, call: Node):
    """What a call in func (or in a func literal inside it, seeing its outer names)
    calls."""
    env = resolver.env_for(func, file, None)
    owner = enclosing_function(call)
    if owner is not None and owner != func:
        env = resolver.env_for(owner, file, _outer_env(resolver, file, owner))
    return resolver.callee(call, env, file)


def _helper_bounded(resolver: Resolver, file: GoFile, func: Node, call: Node,
                    args: list[Node], depth: int) -> bool:
    """A call of a module function that returns a deadline context (or hands back the
    context it is given, and the argument has one)."""
    callee = _callee_in(resolver, file, func, call)
    info, index = callee.info, callee.index
    if info is None and callee.kind == "third" and _names_deadline(callee.name):
        # A library's own derivation (`testutil.ContextWithTimeout(t, d)`): its name
        # says what it returns.
        return True
    if info is None or index is None or field(info.node, "body") is None:
        return False
    origin = _returned_context(resolver, info, index)
    if origin == _DEADLINE_RESULT:
        return True
    if isinstance(origin, int) and origin < len(args) and _has_deadline(
            resolver, file, func, args[origin], depth):
        return True
    # The module's own timer-driven derivation (`WithInactivityTimeout(ctx, d)`: a
    # goroutine cancels it when the peer goes quiet): its name and result say it.
    first = info.results[0] if info.results else None
    return _names_deadline(callee.name) and first is not None and first.is_(
        "context", "Context")


_DEADLINE_RESULT = "deadline"


def _names_deadline(name: str) -> bool:
    """ContextWithTimeout, NewContextWithDeadline, WithInactivityTimeout...: a context
    helper named for the deadline it sets."""
    name = name[:1].upper() + name[1:]  # withIdleTimeout, unexported, reads the same
    if name.startswith("Without"):
        return False
    return "WithTimeout" in name or "WithDeadline" in name or (name.startswith("With") and (
        "Timeout" in name or "Deadline" in name))


def request_bounded_by(resolver: Resolver, file: GoFile, request: Node | None
                       ) -> frozenset[int] | None:
    """The parameters of the function around request whose deadline bounds it: empty
    when the request is bounded on its own, the positions of the context parameters it
    was built from otherwise, None when some context it may carry has no deadline."""
    func = named_function(request) if request is not None else None
    if func is None:
        return None
    contexts = _request_contexts(file, func, request, 0, resolver)
    if not contexts:
        return None
    positions: set[int] = set()
    for ctx in contexts:
        ctx = unparen(ctx)
        position = _derived_parameter(file, func, ctx)
        if position is not None:
            positions.add(position)
            continue
        if not _has_deadline(resolver, file, func, ctx, _MAX_DEPTH_NO_CALLERS):
            return None
    return frozenset(positions)


def _derived_parameter(file: GoFile, func: Node, ctx: Node | None, depth: int = 0
                       ) -> int | None:
    """The position of the context parameter ctx is, as given or through derivations
    that keep its deadline (`reqCtx, cancel := context.WithCancel(ctx)`)."""
    position = _untouched_parameter(file, func, ctx)
    if position is not None or ctx is None or ctx.type != "identifier" or depth > 3:
        return position
    reaching = _reaching_values(file, func, ctx)
    if reaching is None or reaching[1] or len(reaching[0]) != 1:
        return None
    value = unparen(reaching[0][0])
    function = unparen(field(value, "function")) if value is not None and (
        value.type == "call_expression") else None
    args = named_children(field(value, "arguments")) if function is not None else []
    if function is None or function.type != "selector_expression" or not args or not (
            _inherits(file, unparen(field(function, "operand")),
                      text(field(function, "field")))):
        return None
    return _derived_parameter(file, func, unparen(args[0]), depth + 1)


def _untouched_parameter(file: GoFile, func: Node, ctx: Node | None) -> int | None:
    """The position of the parameter ctx is, as the function was given it (no
    assignment to it reaches this use); None otherwise."""
    if ctx is None or ctx.type != "identifier":
        return None
    reaching = _reaching_values(file, func, ctx)
    if reaching is None or reaching[0] or not reaching[1]:
        return None
    return _parameter_position(func, text(ctx))


def context_bounded(resolver: Resolver, file: GoFile, ctx: Node | None) -> bool:
    """The context expression (an argument in some function) has a deadline."""
    func = named_function(ctx) if ctx is not None else None
    return func is not None and _has_deadline(resolver, file, func, ctx, 0)


def _returned_context(resolver: Resolver, info, index) -> str | int | None:
    """What a function's first result is, for every return: a context with a deadline
    (_DEADLINE_RESULT), its own parameter of that position handed back or wrapped
    (an int), or something else (None). Cached per function in the package index."""
    key = f"returns-deadline:{info.key}"
    cache = index.summaries
    if key in cache:
        cached = cache[key]
        return cached if isinstance(cached, (str, int)) else None
    cache[key] = None  # recursion guard
    from leaklint.golang.summary import resolver_for  # summary imports flow, which imports us

    sub = resolver_for(resolver, index)
    origins = {_result_origin(sub, info.file, info.node, r)
               for r in _first_results(info.file, info.node)}
    out: str | int | None = None
    if len(origins) == 1:
        out = origins.pop()
    cache[key] = out
    return out


def _first_results(file: GoFile, func: Node) -> list[Node | None]:
    """The first expression of each return statement of func (not of nested literals);
    a bare return (named results) counts as an unknown one."""
    body = field(func, "body")
    if body is None:
        return []
    out: list[Node | None] = []
    for ret in file.within("return_statement", body):
        if enclosing_function(ret) != func:
            continue
        values = returned_values(ret)
        out.append(values[0] if values else None)
    return out


def _result_origin(resolver: Resolver, file: GoFile, func: Node,
                   expr: Node | None) -> str | int | None:
    expr = unparen(expr)
    if expr is None:
        return None
    # Callers are not asked here: the summary must hold for every caller.
    if _has_deadline(resolver, file, func, expr, _MAX_DEPTH_NO_CALLERS) or (
            _deadline_tested(expr, func)):
        return _DEADLINE_RESULT
    wrapped = _wrapped_context(expr)
    if wrapped is not None:
        return _result_origin(resolver, file, func, wrapped)
    if expr.type == "identifier":
        reaching = _reaching_values(file, func, expr)
        if reaching is None:
            return None
        values, from_entry = reaching
        origins = {_result_origin(resolver, file, func, v) for v in values}
        if from_entry:
            origins.add(_parameter_position(func, text(expr)))
        return origins.pop() if len(origins) == 1 else None
    return None


def _deadline_tested(expr: Node, func: Node) -> bool:
    """`if _, ok := ctx.Deadline(); ok { return ctx, ... }`: the context handed back
    on that branch has a deadline (a helper that adds one only when it is missing)."""
    if expr.type != "identifier":
        return False
    name = text(expr)
    node = expr.parent
    while node is not None and node != func:
        consequence = field(node, "consequence") if node.type == "if_statement" else None
        if consequence is not None and (
                consequence.start_byte <= expr.start_byte < consequence.end_byte):
            init = field(node, "initializer")
            condition = unparen(field(node, "condition"))
            if init is not None and init.type == "short_var_declaration" and (
                    condition is not None and condition.type == "identifier"):
                targets = named_children(field(init, "left"))
                values = named_children(field(init, "right"))
                call = unparen(values[0]) if len(values) == 1 else None
                callee = unparen(field(call, "function")) if call is not None and (
                    call.type == "call_expression") else None
                if len(targets) == 2 and text(targets[1]) == text(condition) and (
                        callee is not None and callee.type == "selector_expression") and (
                        text(field(callee, "field")) == "Deadline") and text(
                        field(callee, "operand")) == name and not _assigned_between(
                        func, name, node, expr):
                    return True
        node = node.parent
    return False


def _assigned_between(func: Node, name: str, start: Node, end: Node) -> bool:
    body = field(func, "body")
    return any(start.start_byte <= a.start_byte <= end.start_byte
               for a in assignments_to(body, name)) if body is not None else False


def _wrapped_context(expr: Node) -> Node | None:
    """&T{Context: ctx} (a struct embedding context.Context): the value is that ctx
    as far as deadlines go."""
    if expr.type == "unary_expression":
        expr = unparen(field(expr, "operand")) or expr
    if expr.type != "composite_literal":
        return None
    for element in named_children(field(expr, "body")):
        children = element.named_children
        if element.type == "keyed_element" and len(children) == 2 and text(
                children[0]).strip() == "Context":
            value = children[1]
            if value.type == "literal_element" and value.named_children:
                value = value.named_children[0]
            return unparen(value)
    return None


def _is_package(file: GoFile, operand: Node | None, path: str) -> bool:
    return operand is not None and operand.type == "identifier" and (
        file.imports.get(text(operand)) == path)


def _last_value(file: GoFile, func: Node, ident: Node) -> Node | None:
    """The value last assigned to the name before this occurrence, in the function
    (`x := v`, `x, y := f()`, `x = v`); a multi-value call counts for its first name."""
    found = _definitions(file, func, ident)
    return found[0][1] if found else None


def _definitions(file: GoFile, func: Node, ident: Node) -> list[tuple[Node, Node | None]]:
    """(statement, value) for each definition of the name before this occurrence in the
    function, latest first: `x := v`, `x, y := f()` (the call counts for its first
    name), `x = v`, `var x T` (no value: the zero value)."""
    body = field(func, "body")
    if body is None:
        return []
    name = text(ident)
    found: list[tuple[Node, Node | None]] = []
    for kind in ("short_var_declaration", "assignment_statement", "var_spec"):
        for node in file.within(kind, body):
            if node.end_byte > ident.start_byte:
                continue
            lhs, rhs = assignment_sides(node)
            for i, target in enumerate(lhs):
                if target.type != "identifier" or text(target) != name:
                    continue
                if kind == "assignment_statement" and text(
                        field(node, "operator")) not in ("", "="):
                    continue
                value = rhs[i] if len(rhs) == len(lhs) else (rhs[0] if i == 0 and rhs else None)
                found.append((node, value))
    found.sort(key=lambda pair: pair[0].start_byte, reverse=True)
    return found


def _reaching_values(file: GoFile, func: Node, ident: Node) -> tuple[list[Node], bool] | None:
    """The values of the name that may reach this occurrence: definitions before it,
    latest first, up to one that always runs before it (its statement's block holds the
    occurrence); and whether the name's value on entry (a parameter's, say) may reach
    too, no definition always running first. None when a definition's value is unknown
    (a multi-value call's second name). `var x T` gives no value (the zero one)."""
    out: list[Node] = []
    for stmt, value in _definitions(file, func, ident):
        if value is None and stmt.type != "var_spec":
            return None  # an unknown value: nothing is proven
        if value is not None:
            out.append(value)
        holder = stmt.parent
        if stmt.type == "var_spec":
            holder = holder.parent if holder is not None else None
        if holder is not None and holder.start_byte <= ident.start_byte < holder.end_byte:
            return out, False
    return out, True


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
    # Asked again for every send in a chain of helpers: answered once per depth.
    key = f"callers-bound:{func.id}:{position}:{depth}"
    cached = resolver.index.summaries.get(key)
    if isinstance(cached, bool):
        return cached
    resolver.index.summaries[key] = False  # recursion: a cycle proves nothing
    result = _every_caller_bound(resolver, func, position, depth)
    resolver.index.summaries[key] = result
    return result


def _every_caller_bound(resolver: Resolver, func: Node, position: int, depth: int) -> bool:
    """Production code is judged by its production callers: a test calling it with
    `t.Context()` does not make the program's own sends unbounded."""

    def bound(where: Resolver, file: GoFile, call: Node) -> bool:
        # In a package-level closure (a command literal's Run) the outermost literal is
        # the function the context is traced in.
        caller = named_function(call) or outermost_function(call)
        args = named_children(field(call, "arguments"))
        return caller is not None and position < len(args) and _has_deadline(
            where, file, caller, args[position], depth + 1)

    seen = each_caller(resolver, func, bound, outside=True)
    return seen is not None and seen > 0


def each_caller(resolver: Resolver, func: Node,
                check: Callable[[Resolver, GoFile, Node], bool],
                outside: bool = False) -> int | None:
    """Asks check(resolver of the caller's package, its file, the call) of every call of
    func in its package (production code judged by production callers), and with
    outside, of the calls other packages of the module make (an exported name, through
    an interface of theirs too). The number of calls, or None when one fails the check
    or a caller in another package cannot be read."""
    name = text(field(func, "name"))
    home = next((f for f in resolver.index.files if f.root == _root(func)), None)
    production = home is not None and not home.path.name.endswith("_test.go")
    seen = 0
    for file in resolver.index.files:
        if name.encode() not in file.data or (
                production and file.path.name.endswith("_test.go")):
            continue
        for call in file.calls_named(name):
            owner = enclosing_function(call)
            if owner is None or not calls_function(resolver, file, owner, call, func):
                continue
            if not check(resolver, file, call):
                return None
            seen += 1
    if outside and home is not None and name[:1].isupper():
        from leaklint.golang.callers_outside import calling_files, parsed_caller

        files = calling_files(home.path.parent, name)
        if files is None:
            return None
        for path in files:
            if production and path.name.endswith("_test.go"):
                continue
            parsed = parsed_caller(path, name)
            if parsed is None:
                return None
            index, other = parsed
            where = Resolver(index, path.parent, resolver.models)
            for call in other.calls_named(name):
                owner = enclosing_function(call)
                if owner is None or not _reaches(where, other, owner, call, func, home):
                    continue
                if not check(where, other, call):
                    return None
                seen += 1
    return seen


def _reaches(resolver: Resolver, file: GoFile, owner: Node, call: Node, func: Node,
             home: GoFile) -> bool:
    """A call in another package reaches func (declared in home): the declaration it
    resolves to is func's (same file and place), or an interface method of that name."""
    env = resolver.env_for(owner, file, _outer_env(resolver, file, owner))
    info = resolver.callee(call, env, file).info
    if info is None:
        return False
    if info.node.type in ("method_elem", "method_spec"):
        return info.name == text(field(func, "name"))
    return info.file.path.resolve() == home.path.resolve() and (
        info.node.start_byte == func.start_byte)


def _root(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node


def calls_function(resolver: Resolver, file: GoFile, owner: Node, call: Node,
                   func: Node) -> bool:
    """Does the call reach func (a plain call by name, or a method resolved by type)?"""
    function = unparen(field(call, "function"))
    if func.type == "function_declaration":
        return function is not None and function.type == "identifier"
    env = resolver.env_for(owner, file, _outer_env(resolver, file, owner))
    info = resolver.callee(call, env, file).info
    if info is not None:
        # A call through an interface of the package may reach any implementation
        # of the method: for "every caller passes a deadline", it is one of them.
        return info.node == func or (info.node.type in ("method_elem", "method_spec")
                                     and info.name == text(field(func, "name")))
    # The receiver's type is beyond the environment (`e := e.prepare(t)` shadowing e):
    # a method name declared once, in this very file, is that method.
    name = text(field(func, "name"))
    declared = [m for m in file.nodes("method_declaration") if text(field(m, "name")) == name]
    return declared == [func]


def _outer_env(resolver: Resolver, file: GoFile, func: Node):
    outer = enclosing_function(func)
    if outer is None:
        return None
    return resolver.env_for(outer, file, _outer_env(resolver, file, outer))


# A Transport whose dialer hands out connections with read deadlines.
_DEADLINE_SETTERS = frozenset({"SetDeadline", "SetReadDeadline"})


def transport_bounded(resolver: Resolver, file: GoFile, value: Node | None) -> bool:
    """Is a Client's Transport (the `Transport:` value) built by a module function whose
    dial function sets a read deadline on every connection it returns (itself, or in the
    Read method of the conn type it wraps the connection in)? A stalled peer then makes
    the read fail: the client cannot hang on it forever."""
    if value is not None and value.type == "literal_element" and value.named_children:
        value = value.named_children[0]
    value = unparen(value)
    func = named_function(value) if value is not None else None
    if value is not None and value.type == "identifier" and func is not None:
        value = unparen(_last_value(file, func, value))
    if value is None or value.type != "call_expression":
        return False
    env = resolver.env_for(func, file, None) if func is not None else Env()
    callee = resolver.callee(value, env, file)
    info, index = callee.info, callee.index
    if info is None or index is None:
        return False
    key = f"deadline-dial:{info.key}"
    cached = index.summaries.get(key)
    if isinstance(cached, bool):
        return cached
    index.summaries[key] = False  # recursion guard
    from leaklint.golang.summary import resolver_for  # summary imports flow, which imports us

    out = _dials_with_deadlines(resolver_for(resolver, index), info.file, info.node)
    index.summaries[key] = out
    return out


def _dials_with_deadlines(resolver: Resolver, file: GoFile, func: Node) -> bool:
    """The function sets a Transport dial field (`tr.Dial = v` or `Dial: v`) to a dial
    function that puts read deadlines on its connections."""
    body = field(func, "body")
    if body is None:
        return False
    dials: list[Node] = []
    for stmt in file.within("assignment_statement", body):
        targets = named_children(field(stmt, "left"))
        values = named_children(field(stmt, "right"))
        for target, value in zip(targets, values, strict=False):
            if target.type == "selector_expression" and text(
                    field(target, "field")) in DIAL_FIELDS:
                dials.append(value)
    for literal in file.within("composite_literal", body):
        for element in named_children(field(literal, "body")):
            children = element.named_children
            if element.type == "keyed_element" and len(children) == 2 and text(
                    children[0]).strip() in DIAL_FIELDS:
                dials.append(children[1])
    env = resolver.env_for(func, file, None)
    return bool(dials) and all(_deadline_dial(resolver, file, unparen(d), env) for d in dials)


def dials_with_deadlines(resolver: Resolver, file: GoFile, literal: Node) -> bool:
    """A Transport literal whose every dial function puts a deadline on the connections
    it returns: an idle connection dies when its deadline fires (LL401)."""
    func = named_function(literal)
    literal = transport_literal(literal)
    dials = dial_functions(literal) if literal is not None else []
    if not dials:
        return False
    env = resolver.env_for(func, file, None) if func is not None else Env()
    return all(_deadline_dial(resolver, file, unparen(d), env) for d in dials)


def _deadline_dial(resolver: Resolver, file: GoFile, dial: Node | None, env) -> bool:
    """A method value `(&dialer{...}).Dial` of a package type (or a func literal) whose
    body sets a read deadline, or wraps the conn in a package type whose Read does."""
    if dial is not None and dial.type == "literal_element" and dial.named_children:
        dial = unparen(dial.named_children[0])
    if dial is None:
        return False
    if dial.type == "func_literal":
        return _sets_deadline(resolver, file, dial)
    if dial.type == "call_expression":
        # `DialContext: TimeoutDialer(connect, rw)`: a module function returning the
        # dial function; every one it returns must set the deadline.
        callee = resolver.callee(dial, env, file)
        body = field(callee.info.node, "body") if callee.info is not None else None
        if body is None or callee.index is not resolver.index:
            return False
        literals = [unparen(named_children(r.named_children[0])[0]) if r.named_children
                    and named_children(r.named_children[0]) else None
                    for r in own_returns(body)]
        return bool(literals) and all(
            lit is not None and lit.type == "func_literal" and _sets_deadline(
                resolver, callee.info.file, lit) for lit in literals)
    if dial.type != "selector_expression":
        return False
    owner = resolver.type_of(field(dial, "operand"), env, file)
    index = resolver.index
    if owner is None or owner.pkg != index.key:
        return False
    method = index.funcs.get(f"{owner.name}.{text(field(dial, 'field'))}")
    return method is not None and _sets_deadline(resolver, method.file, method.node)


def _sets_deadline(resolver: Resolver, file: GoFile, func: Node, depth: int = 0) -> bool:
    body = field(func, "body")
    if body is None:
        return False
    if _calls_setter(file, body):
        return True
    index = resolver.index
    if depth < 2:
        # `return newTimeoutConn(conn, rw, long)`: a package function wrapping the conn
        # that sets the deadline itself, or builds a type whose Read does.
        for call in file.within("call_expression", body):
            function = unparen(field(call, "function"))
            helper = index.funcs.get(text(function)) if function is not None and (
                function.type == "identifier") else None
            if helper is not None and helper.node is not func and _sets_deadline(
                    resolver, helper.file, helper.node, depth + 1):
                return True
            if function is not None and function.type == "selector_expression" and (
                    _module_helper_sets_deadline(resolver, file, func, call, depth)):
                return True  # `stallguard.NewConn(conn, idle)`, from another package
    for literal in file.within("composite_literal", body):
        wrapper = text(field(literal, "type"))
        read = index.funcs.get(f"{wrapper}.Read")
        read_body = field(read.node, "body") if read is not None else None
        if read is not None and read_body is not None and _calls_setter(read.file, read_body):
            return True
    return False


def _module_helper_sets_deadline(resolver: Resolver, file: GoFile, func: Node, call: Node,
                                 depth: int) -> bool:
    from leaklint.golang.summary import resolver_for  # summary imports flow, which imports us

    owner = named_function(call) or func
    callee = resolver.callee(call, resolver.env_for(owner, file, None), file)
    if callee.info is None or callee.index is None or callee.index is resolver.index:
        return False
    return _sets_deadline(resolver_for(resolver, callee.index), callee.info.file,
                          callee.info.node, depth + 1)


def _calls_setter(file: GoFile, body: Node) -> bool:
    for call in file.within("call_expression", body):
        callee = unparen(field(call, "function"))
        if callee is not None and callee.type == "selector_expression" and text(
                field(callee, "field")) in _DEADLINE_SETTERS:
            return True
    return False
