"""Function summaries every Go rule reads, computed once per function and package.

A summary answers, for a function of the analysed package or of another package of
the same module (through that package's own index):
- its result: a fresh resource the caller must close (FRESH), one whose body it has
  already closed, directly, by a defer or through a helper (CLOSED), or one it keeps
  elsewhere, a field, a parameter, a package variable (KEPT), or a response with no
  connection behind it that is still nil on an error (BODILESS: an in-process app's
  answer): the caller has nothing to close but must check the error. A pass-through
  `return tc.AssertResponse(req)` has the summary of the function it calls. Whether a
  fresh response may come back together with an error (`return resp, check(resp)`).
- each parameter: closed (CLOSES) or kept, stored or handed on (KEEPS) by the
  function, or only used (None); `consumes` asks the same with one flag.
- its pool (LL301): a new Transport or client built on every call (FRESH), or a cached
  one, memoised in a field or map or built under a sync.Once (CACHED); the analysis
  of what a built pool becomes is leaklint.golang.pools'.
Answers are cached in the package index's summary table, so every rule and every file
of the package shares them.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from leaklint.golang.flow import FunctionFlow, Resource, _is_head, _is_key, _nil_guarded
from leaklint.golang.index import PackageIndex
from leaklint.golang.parse import (
    assignments_to,
    field,
    identifiers,
    named_children,
    operands,
    own_returns,
    receiver_name,
    returned_values,
    statements,
    text,
    unparen,
    walk,
)
from leaklint.golang.resolve import Callee, Resolver
from leaklint.golang.types import REQUEST_METHOD_ARG, RESPONSE

FRESH, CLOSED, KEPT, CACHED = "fresh", "closed", "kept", "cached"
BODILESS = "bodiless"
CLOSES, KEEPS = "closes", "keeps"  # what a function does with a parameter
# Summaries nest (a wrapper's summary walks the function it wraps): a bound keeps the
# Python stack of a long wrapper chain far from the recursion limit.
_MAX_DEPTH = 8
_depth = [0]


def resolver_for(resolver: Resolver, index: PackageIndex) -> Resolver:
    """A resolver over another package's index (same directory rules, same models)."""
    if index is resolver.index:
        return resolver
    return Resolver(index, resolver.directory, resolver.models)


def result(resolver: Resolver, callee: Callee) -> str:
    """FRESH, CLOSED or KEPT for what the function returns first (see the module doc).
    An interface method or a function outside the module is assumed FRESH."""
    info, index = callee.info, callee.index
    if info is None or index is None:
        return FRESH
    key = f"result:{info.key}"
    cached = index.summaries.get(key)
    if isinstance(cached, str):
        return cached
    if _hands_back_body_bytes(info.node):
        # `Do(ctx, req) (*http.Response, []byte, error)`: the body comes back already
        # read as a byte slice. Whether it was closed is the function's own business
        # (a leak there is reported there, where the body is read): its callers get a
        # response with nothing left to close.
        index.summaries[key] = CLOSED
        return CLOSED
    if field(info.node, "body") is None:
        # An interface method: what its implementations in the package return, when
        # there are some and all agree (a client interface whose one implementation
        # closes the body before handing the response back); else assumed fresh.
        index.summaries[key] = FRESH
        out = _implementations_result(resolver, info, index)
        index.summaries[key] = out
        return out
    if _depth[0] >= _MAX_DEPTH:
        return FRESH  # a long chain of wrappers: not cached, asked again from nearer
    index.summaries[key] = FRESH  # recursion: a function reached again is assumed fresh
    sub = resolver_for(resolver, index)
    flow = FunctionFlow(sub, info.file, info.node, sub.env_for(info.node, info.file))
    flow.returns = []
    _depth[0] += 1
    try:
        flow.run()
    finally:
        _depth[0] -= 1
    kinds = flow.returns
    out = FRESH if FRESH in kinds else BODILESS if BODILESS in kinds else (
        CLOSED if CLOSED in kinds else KEPT)
    index.summaries[key] = out
    index.summaries[f"with-error:{info.key}"] = flow.fresh_with_error
    return out


def fresh_with_error(resolver: Resolver, callee: Callee) -> bool:
    """Does the function hand back an open response together with an error it builds
    (`return resp, checkResponse(resp)`)? The caller's error check then does not mean
    there is no response to close."""
    info, index = callee.info, callee.index
    if info is None or index is None:
        return False
    key = f"with-error:{info.key}"
    if key not in index.summaries:
        result(resolver, callee)
    return index.summaries.get(key) is True


def pool(resolver: Resolver, callee: Callee) -> str | None:
    """FRESH, CACHED or None for the Transport or client the function returns."""
    if callee.info is None or callee.index is None:
        return None
    from leaklint.golang.pools import pool_result  # pools reads these summaries too

    return pool_result(resolver, callee.info, callee.index)


def param(resolver: Resolver, callee: Callee, index: int, kind: str = "conn") -> str | None:
    """CLOSES, KEEPS or None for what the function does with its index-th argument
    (kind: "response", "conn", or "body" for an io.ReadCloser)."""
    if consumes(resolver, callee, index, kind, closes_only=True):
        return CLOSES
    return KEEPS if consumes(resolver, callee, index, kind) else None


def consumes(resolver: Resolver, callee: Callee, index: int, kind: str, depth: int = 0,
             closes_only: bool = False) -> bool:
    """Does a same-module function close or hand over its index-th parameter?
    With closes_only, only a close counts (a deferred helper in a loop, LL202)."""
    info = callee.info
    if info is None or callee.index is None or depth > 3:
        return False
    key = f"consumes:{info.key}:{index}:{kind}:{closes_only}"
    cache = callee.index.summaries
    if key in cache:
        return bool(cache[key])
    cache[key] = False  # recursion guard
    params = info.params
    if index >= len(params):
        if params and field(info.node, "parameters") is not None:
            index = len(params) - 1  # variadic
        else:
            return False
    name, ptype = params[index]
    if field(info.node, "body") is None:
        cache[key] = True  # an interface method: the implementation may keep or close it
        return True
    if not name or name == "_":
        return False
    res_kind = "response" if ptype == RESPONSE or kind == "response" else "conn"
    if kind == "body":
        res_kind = "conn"  # an io.ReadCloser parameter: Close() on it closes the body
    if ptype is not None and (ptype.name in _BASIC_TYPES or (
            ptype.pkg, ptype.name) == ("context", "Context")):
        # A string or a number carries no connection; a context is not closed (handed
        # to an interface method, `svc.AwaitTerminated(ctx)`, it is only waited on).
        return False
    sub = resolver_for(resolver, callee.index)
    flow = FunctionFlow(sub, info.file, info.node, sub.env_for(info.node, info.file))
    flow.closes_only = closes_only
    probe = Resource(0, res_kind, name, None, info.node, "")
    flow.resources.append(probe)
    wanted = ("close", "helper") if closes_only else (
        "close", "handover", "helper", "keep", "store")
    body: Node | None = field(info.node, "body")
    found = body is not None and any(
        not _is_key(n) and flow.classify(n, "whole", probe)[0] in wanted
        for n in identifiers(body, name))
    if not found and body is not None:
        # `orb := resp.Body; defer func() { orb.Close() }()`: a local alias closes it.
        found = any(
            not _is_key(n) and flow.classify(n, "whole", Resource(0, "conn", alias, None,
                                                                  info.node, ""))[0] in wanted
            for alias in _aliases(body, name, res_kind)
            for n in identifiers(body, alias))
    cache[key] = found
    return found


def _aliases(body: Node, name: str, res_kind: str) -> list[str]:
    """Local names given the parameter itself (a connection) or its Body (a response)
    in a single-valued `x := v` / `x = v` / `var x = v`."""
    wanted = {name} if res_kind == "conn" else {f"{name}.Body"}
    out: list[str] = []
    for node in walk(body):
        if node.type not in ("short_var_declaration", "assignment_statement", "var_spec"):
            continue
        if node.type == "var_spec":
            lhs, rhs = node.children_by_field_name("name"), named_children(
                field(node, "value"))
        else:
            lhs, rhs = named_children(field(node, "left")), named_children(
                field(node, "right"))
        if len(lhs) == 1 and len(rhs) == 1 and lhs[0].type == "identifier" and (
                text(unparen(rhs[0])) in wanted) and text(lhs[0]) not in ("_", name):
            out.append(text(lhs[0]))
    return out


def param_fact(info, index: PackageIndex, position: int, fact: str,
               compute: Callable[[Node, str], bool]) -> bool:
    """A fact about a same-module function's position-th parameter, computed from its
    body and the parameter's name (false for an unnamed one or a function without a
    body), once per function in its package's summaries."""
    key = f"{fact}:{info.key}:{position}"
    cached = index.summaries.get(key)
    if isinstance(cached, bool):
        return cached
    body: Node | None = field(info.node, "body")
    out = False
    if body is not None and position < len(info.params) and info.params[position][0] not in (
            "", "_"):
        out = bool(compute(body, info.params[position][0]))
    index.summaries[key] = out
    return out


def closes_on_entry(callee: Callee, index: int) -> bool:
    """Does a same-module function close its index-th parameter on every path: a
    top-level `defer p.Close()` (or a deferred literal that closes it) or a top-level
    `p.Close()` statement of its body? (zoekt's `NewIndexFile(f)` maps the file and
    defers f.Close(): a caller's own deferred close of f holds nothing.)"""
    if callee.info is None or callee.index is None:
        return False
    return param_fact(callee.info, callee.index, index, "closes_on_entry",
                      closed_before_any_return)


def closed_before_any_return(body: Node, name: str) -> bool:
    for stmt in statements(body):
        call = _statement_call(stmt)
        if call is not None and _calls_close_on(call, name):
            return True
        if stmt.type == "return_statement":
            return False
    return False


def _statement_call(stmt: Node) -> Node | None:
    """The call of `defer c()`, `c()` or `_ = c()` standing as a statement."""
    if stmt.type in ("defer_statement", "expression_statement"):
        inner = next((c for c in stmt.named_children if c.type == "call_expression"), None)
        return inner
    if stmt.type == "if_statement":  # if err := f.Close(); err != nil { ... }
        stmt = field(stmt, "initializer")
        if stmt is None:
            return None
    if stmt.type in ("assignment_statement", "short_var_declaration"):
        right = named_children(field(stmt, "right"))
        if len(right) == 1 and unparen(right[0]) is not None and unparen(
                right[0]).type == "call_expression":
            return unparen(right[0])
    return None


def _calls_close_on(call: Node, name: str) -> bool:
    """call is name.Close(), or a func literal invoked in place whose top-level
    statements include one."""
    func = unparen(field(call, "function"))
    if func is None:
        return False
    if func.type == "selector_expression":
        operand = unparen(field(func, "operand"))
        return text(field(func, "field")) == "Close" and operand is not None and (
            operand.type == "identifier") and text(operand) == name
    if func.type == "func_literal":
        for stmt in statements(field(func, "body")):
            inner = _statement_call(stmt)
            if inner is not None and _calls_close_on(inner, name):
                return True
    return False


def nil_safe(callee: Callee, index: int) -> bool:
    """Does a same-module function touch its index-th parameter only under a nil test
    (`if res != nil { ... }`), so that a nil argument is harmless?"""
    if callee.info is None or callee.index is None:
        return False
    return param_fact(callee.info, callee.index, index, "nil_safe", _touched_only_if_set)


def _touched_only_if_set(body: Node, name: str) -> bool:
    uses = [n for n in identifiers(body, name) if not _is_key(n)]
    guard_end = _early_nil_return(body, name)
    guarded = [_nil_test_operand(n) or _nil_guarded(n) or n.start_byte >= guard_end
               for n in uses]
    # Stored as is beside a nil test (`c := &client{conn: conn}; if conn == nil {...}`),
    # or only stored (`return &wrapper{ClientConn: conn}`, for `return wrap(conn), err`).
    stored = [_stored_as_is(n) for n in uses]
    return bool(uses) and (any(guarded) or all(stored)) and all(
        g or s for g, s in zip(guarded, stored, strict=True))


def _stored_as_is(ident: Node) -> bool:
    """The value itself put into a struct literal's field (`&client{conn: conn}`):
    storing a nil pointer dereferences nothing."""
    parent = ident.parent
    if parent is None or parent.type != "literal_element":
        return False
    holder = parent.parent
    return holder is not None and (holder.type == "literal_value" or (
        holder.type == "keyed_element" and holder.named_children[0] != parent))


def _early_nil_return(body: Node, name: str) -> int:
    """Where a leading `if name == nil || ... { return }` stops mattering (every later
    use runs with name not nil), or past the end of the body when there is none. Only
    statements that do not mention name may come before it."""
    for stmt in statements(body):
        if stmt.type == "if_statement" and field(stmt, "alternative") is None and (
                _returns(field(stmt, "consequence"))):
            tests = operands(field(stmt, "condition"), "||")
            if tests and _is_nil_test(tests[0], name):
                return tests[0].end_byte  # `name == nil || name.Body == nil` short-circuits
            if any(_is_nil_test(op, name) for op in tests):
                return stmt.end_byte
        if any(True for _ in identifiers(stmt, name)):
            break
    return body.end_byte + 1


def _returns(block: Node | None) -> bool:
    inside = statements(block)
    return bool(inside) and inside[-1].type == "return_statement"


def _is_nil_test(expr: Node, name: str) -> bool:
    if expr.type != "binary_expression" or text(field(expr, "operator")) != "==":
        return False
    sides = [unparen(field(expr, "left")), unparen(field(expr, "right"))]
    return any(s is not None and s.type == "nil" for s in sides) and any(
        s is not None and s.type == "identifier" and text(s) == name for s in sides)


def _nil_test_operand(ident: Node) -> bool:
    parent = ident.parent
    return parent is not None and parent.type == "binary_expression" and any(
        c.type == "nil" for c in parent.named_children)


_BASIC_TYPES = {"string", "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8",
                "uint16", "uint32", "uint64", "uintptr", "float32", "float64", "byte",
                "rune", "error", "FileMode"}




def sends_head(resolver: Resolver, callee: Callee, depth: int = 0) -> bool:
    """A same-module helper whose every response is a HEAD request's (`func Head(url
    string, opts ...Option) (*http.Response, error) { return Send("HEAD", url,
    opts...) }`): every return hands back nil or what a HEAD send returns."""
    info, index = callee.info, callee.index
    body = field(info.node, "body") if info is not None else None
    if body is None or index is None or depth > 3:
        return False
    key = f"sends_head:{info.key}"
    cached = index.summaries.get(key)
    if isinstance(cached, bool):
        return cached
    index.summaries[key] = False  # recursion
    sub = resolver_for(resolver, index)
    env = sub.env_for(info.node, info.file)
    sends = False
    found = True
    for ret in own_returns(body):
        values = named_children(ret.named_children[0]) if ret.named_children else []
        first = unparen(values[0]) if values else None
        if first is not None and first.type == "nil":
            continue
        if first is None or first.type != "call_expression":
            found = False
            break
        inner = sub.callee(first, env, info.file)
        args = named_children(field(first, "arguments"))
        if inner.kind == "std" and inner.pkg == "net/http":
            head = inner.name == "Head"
        elif inner.info is not None:
            position = method_parameter(sub, inner, depth + 1)
            head = (position is not None and position < len(args) and _is_head(
                args[position])) or sends_head(sub, inner, depth + 1)
        else:
            head = False
        if not head:
            found = False
            break
        sends = True
    index.summaries[key] = found and sends
    return found and sends


def method_parameter(resolver: Resolver, callee: Callee, depth: int = 0) -> int | None:
    """The index of the parameter a same-module helper passes, unchanged, as the method
    of the request it builds (`func (c *C) request(ctx, method, key string)` calling
    `http.NewRequestWithContext(ctx, method, ...)`, directly or through another helper),
    so that a caller's `c.request(ctx, "HEAD", key)` is known to be a HEAD request."""
    info, index = callee.info, callee.index
    if info is None or index is None or depth > 3:
        return None
    key = f"method_param:{info.key}"
    cache = index.summaries
    if key in cache:
        cached = cache[key]
        return cached if isinstance(cached, int) and not isinstance(cached, bool) else None
    cache[key] = None  # recursion
    body = field(info.node, "body")
    found: int | None = None
    if body is not None:
        sub = resolver_for(resolver, index)
        env = sub.env_for(info.node, info.file)
        for call in info.file.within("call_expression", body):
            args = named_children(field(call, "arguments"))
            inner = sub.callee(call, env, info.file)
            if inner.kind == "std" and inner.pkg == "net/http":
                position = REQUEST_METHOD_ARG.get(inner.name)
            elif inner.info is not None:
                position = method_parameter(sub, inner, depth + 1)
            else:
                continue
            if position is None or position >= len(args):
                continue
            arg = unparen(args[position])
            if arg is None or arg.type != "identifier":
                continue
            param = info.param_index(text(arg))
            if param is not None and not _reassigned(body, text(arg)):
                found = param
                break
    cache[key] = found
    return found


def _implementations_result(resolver: Resolver, info, index: PackageIndex) -> str:
    index.load_mentioning(f") {info.name}(".encode())
    # Test doubles (in _test.go files) answer from memory: they say nothing of what the
    # program's own implementation hands back. Only what they all agree on counts.
    impls = [f for f in dict.values(index.funcs)
             if f.name == info.name and f.receiver and f.receiver != info.receiver
             and f.node.type == "method_declaration" and field(f.node, "body") is not None
             and len(f.params) == len(info.params)
             and not f.file.path.name.endswith("_test.go")]
    if not impls:
        return FRESH
    results = {result(resolver, Callee("local", index.key, f.name, f, index)) for f in impls}
    if results == {CLOSED}:
        return CLOSED
    # Every implementation hands back what it closed or what it also stores in its
    # receiver (a cache's `GetOrCreate`): the caller has nothing of its own to close. A
    # pool's `Get`, which hands out a connection to be closed back into the pool, stores
    # nothing and stays the caller's.
    if FRESH not in results and all(_memoises(f) or _field_getter(f) for f in impls if result(
            resolver, Callee("local", index.key, f.name, f, index)) == KEPT):
        return KEPT
    return FRESH


_STORE_METHODS = frozenset({"Store", "LoadOrStore", "Set", "Add", "Put"})


def _memoises(info) -> bool:
    """The method stores a value it returns first into its receiver (`c.conns[addr] =
    conn; return conn, nil`, `c.m.LoadOrStore(addr, conn)`)."""
    body = field(info.node, "body")
    receiver = receiver_name(info.node)
    if body is None or not receiver:
        return False
    returned = {text(values[0]) for ret in own_returns(body)
                if ret.named_children and (values := named_children(ret.named_children[0]))
                and values[0].type == "identifier"}
    for node in walk(body):
        stored: list[Node] = []
        if node.type == "assignment_statement":
            targets = named_children(field(node, "left"))
            if any(_rooted_at(t, receiver) for t in targets):
                stored = named_children(field(node, "right"))
        elif node.type == "call_expression":
            function = unparen(field(node, "function"))
            if function is not None and function.type == "selector_expression" and text(
                    field(function, "field")) in _STORE_METHODS and _rooted_at(
                    field(function, "operand"), receiver):
                stored = named_children(field(node, "arguments"))
        if any(text(unparen(v) or v) in returned for v in stored):
            return True
    return False


def _field_getter(info) -> bool:
    """`func (pt tracker) latestResponse() *http.Response { return pt.resp }`: an
    argument-less method whose whole body returns a field of its receiver hands out a
    view of what the receiver keeps (a pool's Get, which takes the value out, does
    more than that)."""
    body = field(info.node, "body")
    receiver = receiver_name(info.node)
    inside = statements(body)
    if info.params or not receiver or len(inside) != 1 or (
            inside[0].type != "return_statement"):
        return False
    values = returned_values(inside[0])
    return bool(values) and unparen(values[0]) is not None and unparen(
        values[0]).type == "selector_expression" and _rooted_at(values[0], receiver)


def _rooted_at(node: Node | None, name: str) -> bool:
    """`c.conns[addr]`, `c.conn`: a chain of field reads and indexes on name."""
    current = unparen(node)
    if current is None or current.type not in ("selector_expression", "index_expression"):
        return False
    while current is not None and current.type in ("selector_expression", "index_expression"):
        current = unparen(field(current, "operand"))
    return current is not None and current.type == "identifier" and text(current) == name


def _reassigned(body: Node, name: str) -> bool:
    return bool(assignments_to(body, name, declarations=True))


def _hands_back_body_bytes(decl: Node) -> bool:
    """The declared results are a response followed by the body as a byte slice."""
    result = field(decl, "result")
    if result is None or result.type != "parameter_list":
        return False
    types = [text(field(p, "type")).replace(" ", "") for p in named_children(result)]
    return len(types) >= 2 and types[0].endswith("http.Response") and types[1] == "[]byte"
