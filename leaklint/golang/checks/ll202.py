"""LL202: a deferred Close inside a loop body runs only when the function returns.

Scoping follows go-critic's deferInLoop: a func literal inside the loop starts a new
scope (its defers run when it returns); only Close-like defers count."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from leaklint.golang import summary
from leaklint.golang.context import GoCheckContext, enclosing_function
from leaklint.golang.fixes import wrap_loop_body
from leaklint.golang.flow import OWNERSHIP_WRAPPERS, FunctionFlow, parsed_from_memory
from leaklint.golang.parse import (
    assigned_before,
    block_statement,
    field,
    identifiers,
    method_operand,
    named_children,
    statements,
    text,
    unparen,
    walk,
)
from leaklint.golang.resolve import FUNCTION_NODES, Callee
from leaklint.golang.terminating import terminating

RULES = frozenset({"LL202"})


def run(ctx: GoCheckContext) -> None:
    for node in ctx.file.nodes("defer_statement"):
        loop = _in_loop(node)
        if loop is None or _last_iteration(node, loop) or _once_guarded(node, loop):
            continue
        if _kept_past_the_loop(node, loop):
            continue
        if any(_reserves_port(ctx, node, loop, n) for n in _closed_names(node)):
            continue
        name = _closed_name(node)
        if name is not None and (_closed_again(node, loop, name) or _rotated(
                ctx, node, loop, name) or _holds_nothing(
                ctx, node, loop, name) or _closed_by_callee(
                ctx, node, name) or _view_of_outer(ctx, node, loop, name)):
            continue
        # Rows read to the end close themselves, however the defer closes them
        # (`rows.Close()`, or `closeLogged(ctx, rows, msg)`).
        if any(_drained_by_next(node, loop, n) or _drained_by_helper(ctx, node, loop, n)
               for n in _closed_names(node)):
            continue
        call = next((c for c in node.named_children if c.type == "call_expression"), None)
        if call is None or not _closes(ctx, call) or _in_memory(ctx, call):
            continue
        fix = wrap_loop_body(ctx.file.source, loop) if ctx.file.source is not None else None
        ctx.report.report("LL202", ctx.span(node), scope=ctx.scope(node),
                          call=_describe(call), fix=fix)


def _reserves_port(ctx: GoCheckContext, defer: Node, loop: Node, name: str) -> bool:
    """`l, _ := net.Listen("tcp", ":0"); defer l.Close(); ports = append(ports,
    l.Addr()...)`: each listener is kept open on purpose until the function returns, so
    the ports it hands out stay distinct (the free-port helpers of tests and drivers).
    The listener comes from a Listen call in the iteration, and its address reaches
    something that outlives the iteration (an outer variable, a return)."""
    body = field(loop, "body")
    if body is None:
        return False
    opened = False
    for ident in identifiers(body, name):
        if not _declares_or_assigns(ident):
            continue
        value = _assigned_value(ident)
        if value is None or value.type != "call_expression":
            return False  # given a value that cannot be read as a Listen call
        function = unparen(field(value, "function"))
        spelled = text(field(function, "field")) if function is not None and (
            function.type == "selector_expression") else text(function)
        if not spelled.startswith("Listen"):
            return False  # also given something else than a listener
        opened = True
    if not opened:
        return False
    frontier = [call for call in ctx.file.within("call_expression", body)
                if text(field(call, "function")).replace(" ", "") == f"{name}.Addr"]
    seen: set[str] = set()
    for _ in range(5):  # `addr := l.Addr().String(); parts := ...; p, _ := ...; port = p`
        derived: list[str] = []
        for node in frontier:
            stmt = block_statement(node)
            if stmt.type == "return_statement":
                return True
            if stmt.type in ("short_var_declaration", "assignment_statement"):
                for target in named_children(field(stmt, "left")):
                    spelled = text(target)
                    if target.type != "identifier" or not _declared_in(body, spelled):
                        return True  # `ports = append(ports, port)`, `port = p`
                    if spelled not in seen and spelled != "_":
                        seen.add(spelled)
                        derived.append(spelled)
            elif stmt.type == "expression_statement":
                call = unparen(stmt.named_children[0]) if stmt.named_children else None
                function = unparen(field(call, "function")) if call is not None and (
                    call.type == "call_expression") else None
                holder = unparen(field(function, "operand")) if function is not None and (
                    function.type == "selector_expression") else None
                if holder is not None and holder.type == "identifier" and not (
                        _declared_in(body, text(holder))) and _declared_in(
                        field(enclosing_function(loop), "body"), text(holder)):
                    return True  # `ports.PushBack(addr)` on a list kept after the loop
        frontier = [ident for n in derived for ident in identifiers(body, n)
                    if not _declares_name(ident)]
        if not frontier:
            return False
    return False


def _once_guarded(defer: Node, loop: Node) -> bool:
    """`if s.status == nil { s.status = ui.Status(); defer s.status.Close() }`: the
    branch sets what its condition tests for nil before the defer, so it is taken (and
    the defer registered) at most once, however long the loop runs."""
    node = defer.parent
    while node is not None and node != loop:
        if node.type == "if_statement":
            condition = unparen(field(node, "condition"))
            consequence = field(node, "consequence")
            if condition is not None and condition.type == "binary_expression" and text(
                    field(condition, "operator")) == "==" and consequence is not None and (
                    consequence.start_byte <= defer.start_byte < consequence.end_byte):
                sides = [unparen(field(condition, "left")), unparen(field(condition, "right"))]
                tested = [x for x in sides if x is not None and x.type != "nil"]
                if len(tested) == 1 and len(sides) == 2 and any(
                        x is not None and x.type == "nil" for x in sides) and _set_before(
                        consequence, text(tested[0]), defer):
                    return True
            if consequence is not None and (
                    consequence.start_byte <= defer.start_byte < consequence.end_byte) and (
                    _flag_turned_off(condition, consequence, defer, loop)):
                return True
        node = node.parent
    return False


def _flag_turned_off(condition: Node | None, consequence: Node, defer: Node,
                     loop: Node) -> bool:
    """`if first { first = false; ...; defer x.Close() }` (or `if !done { done = true
    ... }`): the branch turns off the local flag it tests before the defer, and nothing
    in the loop turns it back on, so the branch runs (and the defer registers) once."""
    wanted = "false"
    if condition is not None and condition.type == "unary_expression" and text(
            field(condition, "operator")) == "!":
        condition, wanted = unparen(field(condition, "operand")), "true"
    if condition is None or condition.type != "identifier":
        return False
    flag = text(condition)
    turned_off = False
    for stmt in walk(field(loop, "body")) if field(loop, "body") is not None else ():
        if stmt.type not in ("assignment_statement", "short_var_declaration"):
            continue
        targets = named_children(field(stmt, "left"))
        values = named_children(field(stmt, "right"))
        for target, value in zip(targets, values, strict=False):
            if text(target) != flag:
                continue
            if stmt.type == "short_var_declaration" or text(value) != wanted:
                return False  # shadowed, set back on, or set to something unknown
            if consequence.start_byte <= stmt.start_byte and stmt.end_byte <= (
                    defer.start_byte) and stmt.parent is not None and (
                    stmt.parent == consequence or stmt.parent.parent == consequence):
                turned_off = True
    return turned_off


def _set_before(block: Node, spelled: str, before: Node) -> bool:
    """A statement of block, before `before`, assigns spelled (`s.status = ...`)."""
    for stmt in walk(block):
        if stmt.start_byte >= before.start_byte:
            break
        if stmt.type in ("assignment_statement", "short_var_declaration") and any(
                text(t) == spelled for t in named_children(field(stmt, "left"))):
            return True
    return False


def _in_loop(defer: Node) -> Node | None:
    """The loop whose body holds the defer, in the same function scope."""
    child, parent = defer, defer.parent
    while parent is not None and parent.type not in FUNCTION_NODES:
        if parent.type == "for_statement" and field(parent, "body") == child:
            return parent
        child, parent = parent, parent.parent
    return None


def _closed_name(defer: Node) -> str | None:
    """x in `defer x.Close()` (also `defer x.Body.Close()`)."""
    call = next((c for c in defer.named_children if c.type == "call_expression"), None)
    func = unparen(field(call, "function")) if call is not None else None
    if func is not None and func.type == "func_literal":
        # defer func() { _ = b.Close() }(): the value closed inside the literal.
        for inner in walk(func):
            if inner.type == "call_expression":
                callee = unparen(field(inner, "function"))
                if callee is not None and callee.type == "selector_expression" and text(
                        field(callee, "field")) == "Close":
                    func = callee
                    break
        else:
            return None
    if func is None or func.type != "selector_expression":
        return None
    operand = unparen(field(func, "operand"))
    if operand is not None and operand.type == "selector_expression":
        operand = unparen(field(operand, "operand"))
    return text(operand) if operand is not None and operand.type == "identifier" else None


def _closed_names(defer: Node) -> list[str]:
    """What the deferred call closes: x of `x.Close()`, or the plain names it is handed
    (`defer closeQuietly(stream)`, `defer services.StopAndAwait(ctx, svc)`)."""
    name = _closed_name(defer)
    call = next((c for c in defer.named_children if c.type == "call_expression"), None)
    args = [unparen(a) for a in named_children(field(call, "arguments"))] if (
        call is not None) else []
    handed = [text(a) for a in args if a is not None and a.type == "identifier"]
    func = unparen(field(call, "function")) if call is not None else None
    if func is not None and (func.type == "identifier" or (
            func.type == "selector_expression" and handed)):
        # A function (or a package's) given the value: the arguments are what it closes;
        # with a receiver too (`pool.Release(conn)`), both are candidates.
        return ([name] if name is not None and func.type != "identifier" else []) + handed
    return [name] if name is not None else []


# Standard readers whose Close releases nothing: it does not close the reader they
# wrap and holds no descriptor, so a pile of deferred closes holds no resource.
_NOTHING_HELD = frozenset({
    ("compress/gzip", "NewReader"), ("compress/zlib", "NewReader"),
    ("compress/zlib", "NewReaderDict"), ("compress/flate", "NewReader"),
    ("compress/flate", "NewReaderDict"), ("compress/lzw", "NewReader"),
    ("io", "NopCloser"),
    # An archive member's reader reads through the archive, which holds the file.
    ("archive/zip", "Open"), ("archive/zip", "OpenRaw"),
    # A multipart part's Close drains what is left of it; the next NextPart does so too.
    ("mime/multipart", "NextPart"), ("mime/multipart", "NextRawPart"),
})


def _holds_nothing(ctx: GoCheckContext, defer: Node, loop: Node, name: str) -> bool:
    """The iteration assigns the closed name, before the defer, only from a standard
    reader in _NOTHING_HELD (`zr, err := gzip.NewReader(f)`), a response parsed from
    memory, or a HEAD request's response."""
    body = field(loop, "body")
    owner = enclosing_function(defer)
    if body is None or owner is None:
        return False
    sources = []
    for ident in identifiers(body, name):
        if ident.start_byte >= defer.start_byte:
            break
        value = _assigned_value(ident)
        if value is not None:
            sources.append(value)
    if not sources:
        return False
    for value in sources:
        if value.type == "type_conversion_expression" and _over_memory_only(
                ctx, owner, value, None):
            continue  # `pkg.NewReader[T](bytes.NewReader(b))`, parsed as a conversion
        if value.type != "call_expression":
            return False
        callee = ctx.resolver.callee(value, ctx.env(owner), ctx.file)
        if callee.kind == "unknown" and callee.name in ("NextPart", "NextRawPart"):
            continue  # a multipart reader's, its type not worked out
        if parsed_from_memory(ctx.resolver, ctx.env(owner), ctx.file, owner, value, callee):
            continue  # a response parsed from bytes: its body holds no connection
        if FunctionFlow(ctx.resolver, ctx.file, owner, ctx.env(owner)).head_request(
                value, callee):
            continue  # a HEAD response: no body, the connection went back with the headers
        if _over_memory_only(ctx, owner, value, callee):
            continue  # `parquet.NewReader(bytes.NewReader(b))`: a reader over bytes
        if callee.kind != "std" or (callee.pkg, callee.name) not in _NOTHING_HELD:
            return False
    return True


# In-memory readers: what is built over them reads bytes, never a descriptor.
_MEMORY_READERS = frozenset({("bytes", "NewReader"), ("bytes", "NewBuffer"),
                             ("bytes", "NewBufferString"), ("strings", "NewReader")})


def _over_memory_only(ctx: GoCheckContext, owner: Node, value: Node,
                      callee: Callee | None) -> bool:
    """A reader built by another package over an in-memory reader and nothing else
    (its other arguments literals or sizes): `parquet.NewGenericReader[T](bytes.
    NewReader(buf))`. Its Close frees memory; no descriptor or connection piles up."""
    if callee is not None and callee.kind in ("std", "builtin") and callee.pkg in (
            "os", "net", "net/http"):
        return False
    if value.type == "type_conversion_expression":
        # A generic function's call reads, to the grammar, as a conversion to a generic
        # type: its one argument is the operand.
        if field(value, "type") is None or field(value, "type").type != "generic_type":
            return False
        args = [unparen(field(value, "operand"))]
    else:
        args = [unparen(a) for a in named_children(field(value, "arguments"))]
    if not args:
        return False
    over_memory = False
    for arg in args:
        if arg is None:
            return False
        if arg.type == "identifier":
            arg = unparen(assigned_before(ctx.file, owner, text(arg), value.start_byte))
        if arg is not None and arg.type == "call_expression":
            made = ctx.resolver.callee(arg, ctx.env(owner), ctx.file)
            if made.kind == "std" and (made.pkg, made.name) in _MEMORY_READERS:
                over_memory = True
                continue
        if arg is None or arg.type not in ("int_literal", "interpreted_string_literal",
                                            "raw_string_literal", "true", "false", "nil"):
            return False
    return over_memory


def _view_of_outer(ctx: GoCheckContext, defer: Node, loop: Node, name: str) -> bool:
    """Every value the iteration gives name before the defer wraps a listener or
    connection opened before the loop (`tsl := NewListener(l)`, `c := tls.Client(raw,
    cfg)`), by a function that keeps what it is given and opens nothing itself: each
    iteration closes the same outer resource again, none holds one of its own."""
    body = field(loop, "body")
    owner = enclosing_function(defer)
    if body is None or owner is None:
        return False
    env = ctx.env(owner)
    values = [v for ident in identifiers(body, name) if ident.start_byte < defer.start_byte
              and (v := _assigned_value(ident)) is not None]
    if not values:
        return False
    for value in values:
        if value.type != "call_expression":
            return False
        callee = ctx.resolver.callee(value, env, ctx.file)
        wraps = callee.kind == "std" and (callee.pkg, callee.name) in OWNERSHIP_WRAPPERS
        if not wraps and (callee.info is None or summary.result(
                ctx.resolver, callee) != summary.KEPT):
            return False
        args = [unparen(a) for a in named_children(field(value, "arguments"))]
        outer = [i for i, a in enumerate(args) if a is not None and a.type == "identifier"
                 and not _declared_in(body, text(a)) and _network_resource(
                     ctx, env, owner, a, loop)]
        if not outer or not (wraps or any(
                summary.consumes(ctx.resolver, callee, i, "conn") for i in outer)):
            return False
    return True


def _network_resource(ctx: GoCheckContext, env, owner: Node, ident: Node, loop: Node
                      ) -> bool:
    """A listener or connection: so typed, or given before the loop by a standard
    Listen or Dial (`l, err := net.Listen("tcp", addr)`)."""
    found = ctx.resolver.type_of(ident, env, ctx.file)
    if found is not None:
        return found.pkg in ("net", "crypto/tls") and found.name in (
            "Listener", "Conn", "TCPListener", "TCPConn", "UnixListener", "UnixConn")
    value = unparen(assigned_before(ctx.file, owner, text(ident), loop.start_byte))
    if value is None or value.type != "call_expression":
        return False
    maker = ctx.resolver.callee(value, env, ctx.file)
    return maker.kind == "std" and maker.pkg in ("net", "crypto/tls") and (
        maker.name.startswith(("Listen", "Dial")))


def _rotated(ctx: GoCheckContext, defer: Node, loop: Node, name: str) -> bool:
    """`batch.Close(); batch = db.NewBatch(); defer batch.Close()` (or `flush(batch)`, a
    module function that closes it): the iteration closes the value it replaces before
    giving name a new one, so one value at most is open however many defers pile up
    (each later one closes a value already closed). The name must outlive the
    iteration: one declared in it is a new variable each time, which the next
    iteration's close does not reach."""
    block = defer.parent
    owner = enclosing_function(defer)
    if block is None or owner is None or _declared_in(field(loop, "body"), name):
        return False
    before = [s for s in block.named_children if s.end_byte <= defer.start_byte]
    for i in range(len(before) - 1, -1, -1):
        stmt = before[i]
        if stmt.type != "assignment_statement" or not any(
                text(unparen(t)) == name for t in named_children(field(stmt, "left"))):
            continue
        # `=`, not `:=`: a declaration here would be a new variable the next iteration's
        # close does not reach.
        return any(_closes_unconditionally(earlier, name) or any(
            summary.closes_on_entry(callee, k)
            for callee, k in _handed_to(ctx, earlier, owner, name)) or _literal_closes(
            ctx, earlier, owner, name) for earlier in before[:i])
    return False


def _literal_closes(ctx: GoCheckContext, stmt: Node, owner: Node, name: str) -> bool:
    """`flush(batch, h)` with `flush := func(b Batch, ...) error { defer b.Close(); ...
    }` a local of the function: the literal closes the parameter name is given to."""
    for call in _calls_outside_literals(stmt):
        function = unparen(field(call, "function"))
        if function is None or function.type != "identifier":
            continue
        literal = unparen(assigned_before(ctx.file, owner, text(function), call.start_byte))
        if literal is None or literal.type != "func_literal":
            continue
        params = [text(n) for decl in named_children(field(literal, "parameters"))
                  for n in decl.children_by_field_name("name")]
        args = [text(unparen(a)) for a in named_children(field(call, "arguments"))]
        body = field(literal, "body")
        if body is not None and any(
                arg == name and k < len(params) and summary.closed_before_any_return(
                    body, params[k]) for k, arg in enumerate(args)):
            return True
    return False


def _closed_by_callee(ctx: GoCheckContext, defer: Node, name: str) -> bool:
    """A statement of the defer's block hands name to a same-module function that closes
    it on every path (`idx, err := index.NewIndexFile(f)`, which defers f.Close()): the
    deferred close is a second one and holds nothing open across iterations."""
    block = defer.parent
    owner = enclosing_function(defer)
    if block is None or owner is None:
        return False
    return any(summary.closes_on_entry(callee, i)
               for stmt in block.named_children if stmt != defer
               for callee, i in _handed_to(ctx, stmt, owner, name))


def _handed_to(ctx: GoCheckContext, stmt: Node, owner: Node, name: str
               ) -> Iterator[tuple[Callee, int]]:
    """The calls of a statement (outside func literals) given name as an argument: each
    callee with the argument's position."""
    for call in _calls_outside_literals(stmt):
        args = [unparen(a) for a in named_children(field(call, "arguments"))]
        for i, arg in enumerate(args):
            if arg is not None and arg.type == "identifier" and text(arg) == name:
                yield ctx.resolver.callee(call, ctx.env(owner), ctx.file), i


def _calls_outside_literals(node: Node) -> list[Node]:
    """The calls a statement always makes: not those of a func literal or of a nested
    block or case (an if's initializer and condition run, its branches may not)."""
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type in ("func_literal", "block", *_CASES):
            continue
        if current.type == "call_expression":
            out.append(current)
        stack.extend(current.named_children)
    return out


def _assigned_value(ident: Node) -> Node | None:
    """The value given to ident when it is the first name on the left of `:=` or `=`
    with a single value on the right."""
    parent = ident.parent
    stmt = parent.parent if parent is not None else None
    if parent is None or stmt is None or parent.type != "expression_list" or stmt.type not in (
            "short_var_declaration", "assignment_statement") or field(stmt, "left") != parent:
        return None
    right = named_children(field(stmt, "right"))
    if named_children(parent)[0] != ident or len(right) != 1:
        return None
    return unparen(right[0])


def _kept_past_the_loop(defer: Node, loop: Node) -> bool:
    """Closing at return is the intent when the loop does not open what it closes
    (it ranges over existing values) or keeps each one for after the loop."""
    element = _closed_element(defer)
    if element is not None:
        # defer conns[i].Close(): each value sits in a container the loop does not
        # declare, so it is kept for after the loop.
        return not _declared_in(field(loop, "body"), element)
    names = _closed_names(defer)
    if not names:
        return False
    closed = _closed_name(defer)
    if closed is not None and names == [closed] and _opened_before(defer, loop, closed):
        return True
    clause = next((c for c in loop.named_children if c.type == "range_clause"), None)
    ranged = {text(n) for n in named_children(field(clause, "left"))} if (
        clause is not None) else set()
    if ranged & set(names):
        return True
    body = field(loop, "body")
    if closed is not None and names == [closed] and _field_of_ranged(
            defer, body, closed, ranged):
        return True
    # A body's companions (`resp, data, err := getJSON(u)`) are copies, not views of it.
    companions = [] if _closes_body(defer) else [
        c for name in names for c in _companions(body, name)]
    for kept in (*names, *companions):
        for ident in identifiers(body, kept) if body is not None else ():
            if ident.start_byte >= defer.start_byte and ident.end_byte <= defer.end_byte:
                continue
            if _outlives_iteration(ident, loop):
                return True
    return False


def _field_of_ranged(defer: Node, body: Node | None, name: str, ranged: set[str]) -> bool:
    """`for _, sc := range scenarios { ts := sc.server; defer ts.Close() }`: every value
    the iteration gives name before the defer is a field of the ranged element, built
    before the loop; no iteration opens one of its own."""
    if body is None or not ranged:
        return False
    values = [_assigned_value(ident) for ident in identifiers(body, name)
              if ident.start_byte < defer.start_byte and _declares_or_assigns(ident)]
    if not values:
        return False
    for value in values:
        if value is None or value.type != "selector_expression":
            return False
        root: Node | None = value
        while root is not None and root.type in ("selector_expression", "index_expression"):
            root = unparen(field(root, "operand"))
        if root is None or root.type != "identifier" or text(root) not in ranged:
            return False
    return True


def _declares_or_assigns(ident: Node) -> bool:
    """ident is on the left of `:=` or `=`."""
    parent = ident.parent
    stmt = parent.parent if parent is not None else None
    return parent is not None and parent.type == "expression_list" and stmt is not None and (
        stmt.type in ("short_var_declaration", "assignment_statement")) and field(
        stmt, "left") == parent


def _opened_before(defer: Node, loop: Node, name: str) -> bool:
    """`zr := zip.OpenReader(p); for ... { defer zr.Close() }`: name is a local the
    function declares before the loop and the loop never gives another value (nor takes
    its address), so every iteration closes that one value again; none opens its own."""
    owner = enclosing_function(defer)
    body = field(owner, "body") if owner is not None else None
    if body is None or not any(
            ident.end_byte <= loop.start_byte and _declares_name(ident)
            for ident in identifiers(body, name)):
        return False
    for ident in identifiers(loop, name):
        parent = ident.parent
        if _declares_name(ident) or (parent is not None and parent.type == "unary_expression"
                                     and text(field(parent, "operator")) == "&"):
            return False
        holder = parent.parent if parent is not None and (
            parent.type == "expression_list") else None
        if holder is not None and holder.type == "assignment_statement" and field(
                holder, "left") == parent:
            return False
    return True


def _declares_name(ident: Node) -> bool:
    """ident is a name a `:=`, a `var` or a range clause declares."""
    parent = ident.parent
    if parent is not None and parent.type == "var_spec":
        return ident in parent.children_by_field_name("name")
    holder = parent.parent if parent is not None and parent.type == "expression_list" else None
    return holder is not None and holder.type in ("short_var_declaration", "range_clause") and (
        field(holder, "left") == parent)


def _closes_body(defer: Node) -> bool:
    call = next((c for c in defer.named_children if c.type == "call_expression"), None)
    func = unparen(field(call, "function")) if call is not None else None
    operand = unparen(field(func, "operand")) if func is not None and (
        func.type == "selector_expression") else None
    return operand is not None and operand.type == "selector_expression" and text(
        field(operand, "field")) == "Body"


def _closed_element(defer: Node) -> str | None:
    """conns in `defer conns[i].Close()`: the container an indexed value is closed from."""
    call = next((c for c in defer.named_children if c.type == "call_expression"), None)
    operand = method_operand(call, "Close")
    if operand is None or operand.type != "index_expression":
        return None
    base = unparen(field(operand, "operand"))
    return text(base) if base is not None and base.type == "identifier" else None


def _declared_in(body: Node | None, name: str) -> bool:
    if body is None:
        return True
    for node in walk(body):
        if node.type == "short_var_declaration" and any(
                text(n) == name for n in named_children(field(node, "left"))):
            return True
        if node.type == "var_spec" and any(
                text(n) == name for n in node.children_by_field_name("name")):
            return True
    return False


def _companions(body: Node | None, name: str) -> list[str]:
    """The other values the call that opened name returned with it (`nc, js :=
    connect()`): a stream or reader over the same connection, which the iteration may
    hand on in its stead. The error is not one."""
    if body is None:
        return []
    for node in walk(body):
        if node.type not in ("short_var_declaration", "assignment_statement"):
            continue
        left = named_children(field(node, "left"))
        right = named_children(field(node, "right"))
        if len(right) != 1 or unparen(right[0]) is None or unparen(
                right[0]).type != "call_expression":
            continue
        names = [text(n) for n in left if n.type == "identifier"]
        if name in names:
            return [n for n in names if n not in (name, "_") and not n.lower().endswith("err")]
    return []


def _outlives_iteration(ident: Node, loop: Node) -> bool:
    """x appended to a slice, stored in an element or field, or handed to a goroutine."""
    if _in_goroutine_literal(ident, loop):
        return True
    child, parent = ident, ident.parent
    while parent is not None and parent.type not in FUNCTION_NODES:
        kind = parent.type
        if kind == "go_statement":
            return True
        if kind == "call_expression" and text(field(parent, "function")) == "append" and (
                child != field(parent, "function")):
            return True
        if kind == "assignment_statement" and child == field(parent, "right"):
            targets = named_children(field(parent, "left"))
            if any(t.type in ("index_expression", "selector_expression") for t in targets):
                return True
            # `upload = Upload{File: f}` into a variable declared before the loop: the
            # struct built around the value lives on past the iteration.
            return _in_composite(ident, parent) and any(
                t.type == "identifier" and not _declared_in(field(loop, "body"), text(t))
                for t in targets)
        if kind in ("block", "statement_list", "for_statement", "if_statement"):
            return False
        child, parent = parent, parent.parent
    return False


def _in_composite(ident: Node, until: Node) -> bool:
    """ident is a value of a composite literal below until that is itself the value
    assigned (not one handed to a call whose result is assigned)."""
    node = ident.parent
    inside_literal = False
    while node is not None and node != until:
        if node.type == "composite_literal":
            inside_literal = True
        elif node.type in ("call_expression", "func_literal"):
            return False
        node = node.parent
    return inside_literal


def _in_goroutine_literal(ident: Node, loop: Node) -> bool:
    """ident is read inside `go func() {...}()` started in the loop: the goroutine may
    use it after the iteration that started it."""
    literal = ident.parent
    while literal is not None and literal.type not in FUNCTION_NODES:
        literal = literal.parent
    call = literal.parent if literal is not None else None
    return literal is not None and literal.type == "func_literal" and (
        loop.start_byte < literal.start_byte < loop.end_byte) and call is not None and (
        call.type == "call_expression") and call.parent is not None and (
        call.parent.type == "go_statement")


def _closed_again(defer: Node, loop: Node, name: str) -> bool:
    """The deferred close is a safety net: the same value is closed explicitly later in
    the iteration's block (so nothing piles up unless a continue skips it)."""
    sibling = defer.next_named_sibling
    while sibling is not None:
        if _continues(sibling, loop):
            return False
        if _closes_unconditionally(sibling, name):
            return True
        sibling = sibling.next_named_sibling
    return False


def _drained_by_next(defer: Node, loop: Node, name: str) -> bool:
    """`defer rows.Close()` then `for rows.Next() { ... }` later in the iteration: an
    iterator read until Next answers false is closed by then (database/sql, pgx), so
    nothing piles up unless a break leaves that loop early or a continue skips it."""
    sibling = defer.next_named_sibling
    while sibling is not None:
        if _continues(sibling, loop):
            return False
        if sibling.type == "for_statement" and _iterates(sibling, name):
            return not _breaks_out(field(sibling, "body"))
        sibling = sibling.next_named_sibling
    return False


def _drained_by_helper(ctx: GoCheckContext, defer: Node, loop: Node, name: str) -> bool:
    """A later statement of the iteration hands name to a function of the module that
    reads it until Next answers false (`events, err := rowsToEvents(rows)`, whose body
    is `for rows.Next() {...}` with no break out): closed by then, as in
    _drained_by_next."""
    owner = enclosing_function(defer)
    sibling = defer.next_named_sibling
    while sibling is not None and owner is not None:
        if _continues(sibling, loop):
            return False
        if any(callee.info is not None and callee.index is not None and summary.param_fact(
                callee.info, callee.index, i, "drains_by_next", _drains_by_next)
               for callee, i in _handed_to(ctx, sibling, owner, name)):
            return True
        sibling = sibling.next_named_sibling
    return False


def _drains_by_next(body: Node, name: str) -> bool:
    """A statement of the body (not nested in a branch) is `for name.Next() {...}` with
    no break out, and no return comes before it."""
    for stmt in statements(body):
        if stmt.type == "for_statement" and _iterates(stmt, name):
            return not _breaks_out(field(stmt, "body"))
        if stmt.type == "return_statement" or any(
                n.type == "return_statement" for n in walk(stmt)):
            return False
    return False


def _iterates(loop: Node, name: str) -> bool:
    condition = next((c for c in loop.named_children if c.type == "call_expression"), None)
    callee = unparen(field(condition, "function")) if condition is not None else None
    return callee is not None and callee.type == "selector_expression" and text(
        field(callee, "field")) == "Next" and text(field(callee, "operand")) == name and not (
        named_children(field(condition, "arguments")))


def _breaks_out(body: Node | None) -> bool:
    """A break or goto that leaves the loop whose body this is (a plain break inside a
    nested loop, switch or select leaves only that)."""
    stack = [(body, False)] if body is not None else []
    while stack:
        current, nested = stack.pop()
        if current.type == "goto_statement":
            return True
        if current.type == "break_statement" and (current.named_child_count or not nested):
            return True
        if current.type == "func_literal":
            continue
        inner = nested or current.type in (
            "for_statement", "expression_switch_statement", "type_switch_statement",
            "select_statement")
        stack.extend((child, inner) for child in current.named_children)
    return False


_CLOSE_CALLS = frozenset({"Close", "Body.Close"})


def _closes_unconditionally(statement: Node, name: str) -> bool:
    """The statement always calls name.Close() (or name.Body.Close()): as a statement of
    its own, inside an assignment (`err = errors.Join(err, w.Close())`) or an if's
    initializer (`if err := w.Close(); err != nil`), never in a nested branch or literal."""
    if statement.type == "if_statement":
        statement = field(statement, "initializer")
    elif statement.type not in ("expression_statement", "assignment_statement",
                                "short_var_declaration"):
        return False
    stack = [statement] if statement is not None else []
    while stack:
        node = stack.pop()
        if node.type == "func_literal":
            continue
        if node.type == "call_expression" and not named_children(field(node, "arguments")):
            callee = unparen(field(node, "function"))
            if callee is not None and callee.type == "selector_expression":
                closed = callee
                path = text(field(callee, "field"))
                operand = unparen(field(closed, "operand"))
                if operand is not None and operand.type == "selector_expression":
                    path = text(field(operand, "field")) + "." + path
                    operand = unparen(field(operand, "operand"))
                if path in _CLOSE_CALLS and operand is not None and text(operand) == name:
                    return True
        stack.extend(node.named_children)
    return False


_CASES = ("expression_case", "default_case", "type_case", "communication_case")


def _last_iteration(defer: Node, loop: Node) -> bool:
    """Every path from the defer leaves the loop, so it runs at most once: at some
    enclosing level inside the loop, the statements after it end in a terminating
    statement (a return, an infinite loop only a return leaves...) or a break of the
    loop (a plain break inside a switch or select leaves only that), and
    nothing on the way continues the loop."""
    body = field(loop, "body")
    node = defer
    while node is not None and node != body:
        parent = node.parent
        if parent is not None and parent.type in ("statement_list", "block", *_CASES):
            rest = []  # node is a statement: what runs after it at this level
            sibling = node.next_named_sibling
            while sibling is not None:
                if sibling.type != "comment":
                    rest.append(sibling)
                sibling = sibling.next_named_sibling
            if any(_continues(r, loop) for r in rest):
                return False
            if rest and (terminating(rest[-1]) or (
                    rest[-1].type == "break_statement" and (
                        rest[-1].named_child_count > 0 or not _in_case(parent, body)))):
                return True
        node = parent
    return False


def _continues(node: Node, loop: Node) -> bool:
    """node holds a continue of the loop: a plain one outside any loop nested in node
    (that one continues the nested loop), or one naming the loop's label. A func
    literal's statements continue nothing of the enclosing function."""
    labelled = loop.parent if loop.parent is not None and (
        loop.parent.type == "labeled_statement") else None
    label = text(field(labelled, "label")) if labelled is not None else None
    stack = [(node, False)]
    while stack:
        current, nested = stack.pop()
        if current.type == "continue_statement":
            target = next((c for c in current.named_children
                           if c.type == "label_name"), None)
            if (target is None and not nested) or (
                    target is not None and text(target) == label):
                return True
            continue
        if current.type == "func_literal":
            continue
        inner = nested or current.type == "for_statement"
        stack.extend((child, inner) for child in current.named_children)
    return False


def _in_case(node: Node | None, body: Node | None) -> bool:
    """A switch or select case lies between node and the loop body: a plain break
    there leaves the switch, not the loop."""
    while node is not None and node != body:
        if node.type in _CASES:
            return True
        node = node.parent
    return False


def _closes(ctx: GoCheckContext, call: Node) -> bool:
    func = unparen(field(call, "function"))
    if func is None:
        return False
    if func.type == "selector_expression" and text(field(func, "field")) == "Close":
        return True
    if func.type == "func_literal":
        body = field(func, "body")
        for n in walk(body) if body is not None else ():
            if n.type == "call_expression":
                inner = unparen(field(n, "function"))
                if inner is not None and inner.type == "selector_expression" and text(
                        field(inner, "field")) == "Close":
                    return True
        return False
    owner = enclosing_function(call)
    if owner is None:
        return False
    callee = ctx.resolver.callee(call, ctx.env(owner), ctx.file)
    if ctx.resolver.closes_body(callee):
        return True
    if callee.info is None or field(callee.info.node, "body") is None:
        # No body to read (an interface method like `container.Delete(ctx, opts)`):
        # nothing says it closes what it is given.
        return False
    return any(
        summary.param(ctx.resolver, callee, i) == summary.CLOSES
        for i, _ in enumerate(named_children(field(call, "arguments")))
    )


def _in_memory(ctx: GoCheckContext, call: Node) -> bool:
    """`defer rec.Result().Body.Close()` (or of a local holding it): the body of a
    recorder's response is in memory; nothing piles up across iterations."""
    func = unparen(field(call, "function"))
    if func is None or func.type != "selector_expression":
        return False
    value = unparen(field(func, "operand"))
    if value is not None and value.type == "selector_expression" and text(
            field(value, "field")) == "Body":
        value = unparen(field(value, "operand"))
    owner = enclosing_function(call)
    if value is None or owner is None:
        return False
    if value.type == "identifier":
        value = unparen(assigned_before(ctx.file, owner, text(value), call.start_byte))
    if value is None or value.type != "call_expression":
        return False
    return ctx.resolver.in_memory(ctx.resolver.callee(value, ctx.env(owner), ctx.file))


def _describe(call: Node) -> str:
    func = unparen(field(call, "function"))
    if func is not None and func.type == "func_literal":
        return "a closing func literal"
    name = text(func)
    return (name if len(name) <= 60 else name[:57] + "...") + "()"
