"""Connection pools a Go function builds (http.Transport, or a client constructor that
builds one), and whether each outlives the call that built it.

A value built at a site is kept when it is returned (directly, in a Client, in a struct,
through a fluent SetX() chain), stored in a field or package variable, sent, handed to a
same-module function that keeps it, or used by a loop that outlives the call (`for {}`,
`for range ticker.C`). A loop over a collection, CloseIdleConnections, or a Client
declared in the function keep nothing. The pool summary of a function (FRESH: it builds
and returns a new pool; CACHED: what it returns is memoised in a field or map, or built
under a sync.Once) is read through leaklint.golang.summary."""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang import summary
from leaklint.golang.context import enclosing_function
from leaklint.golang.index import FuncInfo, PackageIndex
from leaklint.golang.memconn import dial_functions, dials_in_memory
from leaklint.golang.parse import (
    NEW_RESPELLED,
    assigned_before,
    assigned_target,
    assignments_to,
    field,
    identifiers,
    named_children,
    operands,
    returned_values,
    statements,
    text,
    unparen,
)
from leaklint.golang.resolve import Callee, Resolver
from leaklint.golang.summary import CACHED, FRESH, resolver_for
from leaklint.golang.types import TRANSPORT, TypeRef, type_from_node
from leaklint.golang.values import pool_replaced, replaced_before_use, stored_in_field_container

# (cleanhttp's DefaultClient and DefaultTransport switch keep-alives off: one connection
# per request, no pool left idle, so they build nothing LL301 counts.)
CONSTRUCTORS = {
    "github.com/hashicorp/go-cleanhttp.DefaultPooledClient",
    "github.com/hashicorp/go-cleanhttp.DefaultPooledTransport",
    "github.com/hashicorp/go-retryablehttp.NewClient",
    "github.com/go-resty/resty/v2.New",
    "github.com/go-resty/resty/v2.NewWithClient",
    "resty.dev/v3.New",
}
_MAX_FLOW_STEPS = 400
# Constructors whose result sends through the pool in one of its fields: a caller that
# sets that field before any use drops the constructor's pool unused.
_POOL_FIELDS = {
    "github.com/hashicorp/go-retryablehttp.NewClient": ("HTTPClient",),
    "github.com/hashicorp/go-cleanhttp.DefaultClient": ("Transport",),
    "github.com/hashicorp/go-cleanhttp.DefaultPooledClient": ("Transport",),
}


def sites(resolver: Resolver, file, env_of) -> list[tuple[Node, str]]:
    """Every place in a file that builds a new Transport or a client that owns one."""
    out: list[tuple[Node, str]] = []
    root = file.root
    names = interesting_names(resolver)
    # Cheap: only constructors and package (or module) functions can build one. (Asked
    # once per file and package: factories are looked into one function at a time.)
    memo_key = ("ll301:wanted", resolver.index.key)
    wanted = file.memo.get(memo_key)
    if wanted is None:
        wanted = file.memo[memo_key] = {start for start, name, path in file.call_names()
                                        if name in names or resolver.in_module(path)}
    calls = [c for c in file.within("call_expression", root) if c.start_byte in wanted]
    candidates = sorted(file.within("composite_literal", root) + calls,
                        key=lambda n: n.start_byte)
    for node in candidates:
        if node.type == "composite_literal":
            spelled = field(node, "type")
            if spelled is None or not (spelled.text or b"").endswith(b"Transport"):
                continue  # cheap: only a type spelled ...Transport can be http.Transport
            if type_from_node(spelled, file.imports, resolver.index.key) == (
                    TRANSPORT) and not _keepalives_disabled(node) and not (
                    keepalives_disabled_later(file, node)) and not (
                    replaced_before_use(node) or _dials_nothing(node)
                    or dials_in_memory(resolver, file, node)
                    or requests_close_connections(file, node)):
                out.append((node, "http.Transport"))
        elif node.type == "call_expression":
            owner = enclosing_function(node)
            if owner is None:
                continue
            env = env_of(owner)
            callee = resolver.callee(node, env, file)
            what = _constructed(resolver, callee, node, file)
            fields = _POOL_FIELDS.get(callee.qualified())
            # `transport, scheme := defaultHostConfig(); transport.DisableKeepAlives =
            # true`: a factory's Transport switched off the same way pools nothing.
            if what and not (fields and pool_replaced(node, fields)) and not (
                    keepalives_disabled_later(file, node)):
                out.append((node, what))
    return out


def interesting_names(resolver: Resolver) -> set[str]:
    cached = resolver.index.summaries.get("ll301:names")
    if isinstance(cached, set):
        return cached
    names = {q.rsplit(".", 1)[-1] for q in CONSTRUCTORS}
    names |= {q.rsplit(".", 1)[-1] for q in resolver.models.client_constructors}
    names |= {"new", NEW_RESPELLED, "Clone"}
    names |= resolver.index.pending_factories  # not parsed yet: decided when called
    for key, info in dict.items(resolver.index.funcs):  # possible factories of this package
        body = field(info.node, "body")
        if body is not None and _returns_client_type(info) and _mentions_constructor(body):
            names.add(key.rsplit(".", 1)[-1])
    resolver.index.summaries["ll301:names"] = names
    return names


def _keepalives_disabled(literal: Node) -> bool:
    """A Transport with DisableKeepAlives: true pools nothing: building it per call is fine."""
    for element in named_children(field(literal, "body")):
        if element.type == "keyed_element":
            key = field(element, "key")
            value = field(element, "value")
            if text(key).strip() == "DisableKeepAlives" and text(value).strip() == "true":
                return True
    return False


def keepalives_disabled_later(file, value: Node) -> bool:
    """`tr := base.Clone(); tr.DisableKeepAlives = true`: the Transport held in a local
    is switched to one connection per request before use, so it pools nothing."""
    outer = value.parent if value.parent is not None and (
        value.parent.type == "unary_expression") else value
    target = assigned_target(outer, fallback_first=True)
    func = enclosing_function(value)
    body = field(func, "body") if func is not None else None
    if target is None or target.type != "identifier" or body is None:
        return False
    return text(target) in _switched_on(file, body, "DisableKeepAlives")


def _switched_on(file, body: Node, setting: str) -> set[str]:
    """The locals whose boolean setting the body sets to true (`tr.DisableKeepAlives =
    true`, `req.Close = true`)."""
    names: set[str] = set()
    for stmt in file.within("assignment_statement", body):
        left = named_children(field(stmt, "left"))
        right = named_children(field(stmt, "right"))
        target = unparen(left[0]) if len(left) == 1 else None
        operand = unparen(field(target, "operand")) if target is not None and (
            target.type == "selector_expression") else None
        if operand is not None and operand.type == "identifier" and text(
                field(target, "field")) == setting and len(right) == 1 and text(
                right[0]) == "true":
            names.add(text(operand))
    return names


_REQUEST_SENDS = frozenset({"Do", "RoundTrip"})
_URL_SENDS = frozenset({"Get", "Head", "Post", "PostForm"})


def requests_close_connections(file, literal: Node) -> bool:
    """`req.Close = true` on every request the function sends, and the Transport built
    here stays in it: the transport closes each connection after its response, so its
    pool never holds an idle one (as with DisableKeepAlives)."""
    func = enclosing_function(literal)
    body = field(func, "body") if func is not None else None
    if body is None or b".Close = true" not in (body.text or b"") or _escapes(
            literal, body):
        return False
    closing = _switched_on(file, body, "Close")
    sends = 0
    for call in file.within("call_expression", body):
        function = unparen(field(call, "function"))
        if function is None or function.type != "selector_expression":
            continue
        name = text(field(function, "field"))
        args = [unparen(a) for a in named_children(field(call, "arguments"))]
        first = args[0] if args else None
        if name in _URL_SENDS and first is not None and first.type not in (
                "interpreted_string_literal", "raw_string_literal"):
            return False  # `client.Get(u)` builds a request of its own, kept alive
        if name not in _REQUEST_SENDS or len(args) != 1:
            continue
        root = first
        while root is not None and root.type == "call_expression":
            # `req.WithContext(ctx)`, `req.Clone(ctx)`: a copy keeps Close.
            inner = unparen(field(root, "function"))
            root = unparen(field(inner, "operand")) if inner is not None and (
                inner.type == "selector_expression") else None
        if root is None or root.type != "identifier" or text(root) not in closing:
            return False
        sends += 1
    return sends > 0


def _escapes(literal: Node, body: Node) -> bool:
    """The literal, or a local holding it (or a client built around it), is returned or
    stored in a field, map or package variable, where sends elsewhere may keep its
    connections alive."""
    statement = _holding_statement(literal)
    if statement is None:
        return True
    if statement.type not in ("short_var_declaration", "assignment_statement"):
        return statement.type != "expression_statement"
    names: set[str] = set()
    pending = [statement]
    while pending and len(names) < 8:
        stmt = pending.pop()
        for target in named_children(field(stmt, "left")):
            target = unparen(target)
            if target is None or target.type != "identifier":
                return True  # `s.tr = &http.Transport{...}`
            if text(target) != "_" and text(target) not in names:
                names.add(text(target))
                # `client := &http.Client{Transport: tr}`: the client holds it too.
                for ident in identifiers(body, text(target)):
                    parent = ident.parent
                    if parent is not None and parent.type == "selector_expression" and (
                            field(parent, "operand") == ident):
                        continue  # `client.Do(req)`, `tr.CloseIdleConnections()`: a use
                    holder = _holding_statement(ident)
                    if holder is None or holder.type == "return_statement":
                        return True  # returned, or handed to a call that may keep it
                    if holder.type in ("short_var_declaration", "assignment_statement"):
                        right = field(holder, "right")
                        if right is not None and ident.start_byte >= right.start_byte:
                            pending.append(holder)
    return False


def _holding_statement(node: Node) -> Node | None:
    """The statement a value sits in, through literals, `&`, parentheses and expression
    lists; None anywhere else (an argument of a call: handed on)."""
    current = node
    while current.parent is not None:
        parent = current.parent
        if parent.type in ("composite_literal", "literal_value", "keyed_element",
                           "literal_element", "unary_expression", "expression_list",
                           "parenthesized_expression"):
            current = parent
            continue
        if parent.type in ("short_var_declaration", "assignment_statement",
                           "return_statement", "expression_statement"):
            return parent
        return None
    return None


def _dials_nothing(literal: Node) -> bool:
    """A Transport whose dial functions are literals that dial nothing (an in-memory
    connection, a pipe): its pool holds no socket."""
    values = dial_functions(literal)
    return bool(values) and all(
        v is not None and v.type == "func_literal" and b"Dial" not in (v.text or b"")
        for v in values)


def _constructed(resolver: Resolver, callee: Callee, call: Node, file) -> str | None:
    qualified = callee.qualified()
    if qualified in CONSTRUCTORS or qualified in resolver.models.client_constructors:
        return _called_name(call) + "()"
    if callee.kind == "builtin" and callee.name == "new":
        args = named_children(field(call, "arguments"))
        if args and type_from_node(args[0], file.imports, resolver.index.key) == TRANSPORT:
            return "http.Transport"
        return None
    if callee.receiver == TRANSPORT and callee.name == "Clone":
        return "http.Transport (a clone)"
    if callee.info is not None and callee.index is not None and is_factory(
            resolver, callee.info, callee.index):
        caller = enclosing_function(call)
        if caller is not None and skipped_by_constant(resolver, file, callee, call, caller):
            return None
        return _called_name(call) + "()"
    return None


def _called_name(call: Node) -> str:
    """How a message names the called function: as written, unless that spells out a
    long operand (`xhttp.ConnSettings{...}.NewTransport`), then the method alone."""
    function = field(call, "function")
    name = text(function)
    if ("\n" in name or len(name) > 60) and function is not None and (
            function.type == "selector_expression"):
        return "..." + text(field(function, "field"))
    return name


def is_factory(resolver: Resolver, info: FuncInfo, index: PackageIndex) -> bool:
    """Does a package function return a new Transport (or client) on every call?"""
    return pool_result(resolver, info, index) == FRESH


def pool_result(resolver: Resolver, info: FuncInfo, index: PackageIndex) -> str | None:
    """FRESH when the function returns a pool it builds on each call, CACHED when the
    pool it returns is memoised (a field or map it looks up first, a sync.Once), None
    when it returns no pool it built. Computed once per function and package."""
    key = f"pool:{info.key}"
    if key in index.summaries:
        cached = index.summaries[key]
        return cached if isinstance(cached, str) else None
    index.summaries[key] = None  # recursion: a factory reached again builds nothing new
    sub = resolver_for(resolver, index)
    envs: dict[int, object] = {}

    def env_of(func: Node):
        if func.id not in envs:
            envs[func.id] = sub.env_for(func, info.file)
        return envs[func.id]

    result = None
    guards: list[tuple[int, frozenset[str]] | None] = []
    body = field(info.node, "body")
    if body is not None and _returns_client_type(info) and _mentions_constructor(body):
        carriers = Carriers(sub, info.file, env_of)
        for node, _what in sites(sub, _FileView(info.file, body), env_of):
            if node.start_byte < body.start_byte:
                continue
            if result is None and in_once(sub, info.file, env_of, node):
                result = CACHED  # built once (into a field or variable it returns)
                break
            if flows_to_return(node, info.node, carriers):
                # What a memo (looked up first, stored when missing) hands out is one
                # pool shared by every call.
                if result is None:
                    result = CACHED if _memoised(info.file, info.node, node, carriers) else (
                        FRESH)
                    if result == CACHED:
                        break
                guards.append(_constant_guard(info, node))
    if result is None and body is not None and _returns_client_type(info):
        result = _passed_through(sub, info, body, env_of, guards)
    index.summaries[key] = result
    first = guards[0] if guards else None
    if first is not None and all(g is not None and g[:2] == first[:2] and g[3] == first[3]
                                 for g in guards) and (
            not first[3] or all(g == first for g in guards)):
        index.summaries[f"poolguard:{info.key}"] = (
            first[0], first[1], frozenset().union(*(g[2] for g in guards if g)), first[3])
    return result


# A guard on a factory's pool: the site runs only when one parameter (or a field path
# of it, `opts.BlockPrivateNetworks`) has one of `values` (with `negated`, none of them).
Guard = tuple[int, tuple[str, ...], frozenset[str], bool]
_BOOLEANS = frozenset({"true", "false"})


def _constant_guard(info: FuncInfo, site: Node) -> Guard | None:
    """When the site only runs in a `case` of a switch on a parameter (`switch kind {
    case ossType: ... }`), under `if kind == C` or `if opts.Flag`, or after an early
    return taken when it is not so (`if !opts.Flag { return plain }`)."""
    current, child = site.parent, site
    while current is not None and current != info.node:
        if current.type == "expression_case":
            switch = current.parent
            value = unparen(field(switch, "value")) if switch is not None else None
            path = _param_path(info, value)
            if path is None:
                return None
            return path[0], path[1], frozenset(
                text(v) for v in named_children(field(current, "value"))), False
        if current.type == "if_statement" and _inside(site, field(current, "consequence")):
            guard = _condition_guard(info, field(current, "condition"), holds=True)
            if guard is not None:
                return guard
        if current.type in ("block", "statement_list"):
            for stmt in statements(current) if current.type == "block" else (
                    current.named_children):
                if stmt.start_byte >= child.start_byte:
                    break
                if stmt.type == "if_statement" and field(stmt, "alternative") is None and (
                        _ends_in_return(field(stmt, "consequence"))):
                    guard = _condition_guard(info, field(stmt, "condition"), holds=False)
                    if guard is not None:
                        return guard
        current, child = current.parent, current
    return None


def _ends_in_return(block: Node | None) -> bool:
    body = statements(block)
    return bool(body) and body[-1].type == "return_statement"


def _condition_guard(info: FuncInfo, condition: Node | None, holds: bool) -> Guard | None:
    """The guard a condition puts on what runs when it holds (or, `holds=False`, when
    it does not): `opts.Flag`, `!opts.Flag`, `kind == C`, `kind != C`."""
    condition = unparen(condition)
    if condition is None:
        return None
    if condition.type == "unary_expression" and text(field(condition, "operator")) == "!":
        return _condition_guard(info, field(condition, "operand"), not holds)
    if condition.type == "binary_expression" and text(field(condition, "operator")) in (
            "==", "!="):
        path = _param_path(info, field(condition, "left"))
        right = unparen(field(condition, "right"))
        if path is None or right is None or right.type == "nil":
            return None
        equal = (text(field(condition, "operator")) == "==") == holds
        return path[0], path[1], frozenset({text(right)}), not equal
    path = _param_path(info, condition)
    if path is None:
        return None
    return path[0], path[1], frozenset({"true" if holds else "false"}), False


def _param_path(info: FuncInfo, expr: Node | None) -> tuple[int, tuple[str, ...]] | None:
    """(parameter position, field path) of `kind` or `opts.Proxy.Enabled` when the
    parameter is never reassigned in the function."""
    expr = unparen(expr)
    path: list[str] = []
    while expr is not None and expr.type == "selector_expression":
        path.insert(0, text(field(expr, "field")))
        expr = unparen(field(expr, "operand"))
    if expr is None or expr.type != "identifier":
        return None
    position = info.param_index(text(expr))
    if position is None or _assigned_in(info.node, text(expr)):
        return None
    return position, tuple(path)


def _assigned_in(func: Node, name: str) -> bool:
    return bool(assignments_to(field(func, "body"), name))


_CONSTANT_TYPES = ("identifier", "selector_expression", "interpreted_string_literal",
                   "raw_string_literal", "int_literal", "true", "false")


def skipped_by_constant(resolver: Resolver, file, callee: Callee, call: Node,
                        caller: Node) -> bool:
    """The factory builds its pool only for some constant values of one parameter (or
    of a field of it), and this call passes another constant: `NewReader(url, gitType)`
    where only `case ossType:` builds, `NewClient(Options{Timeout: t})` where only
    `BlockPrivateNetworks` builds. A field left out of a literal is its zero value."""
    info, index = callee.info, callee.index
    if info is None or index is None:
        return False
    guard = index.summaries.get(f"poolguard:{info.key}")
    if not isinstance(guard, tuple):
        return False
    position, path, values, negated = guard
    args = named_children(field(call, "arguments"))
    arg = unparen(args[position]) if position < len(args) else None
    value = _constant_value(file, caller, arg) if not path else _field_value(
        file, caller, arg, path, values)
    if value is None:
        return False
    return (value in values) if negated else (value not in values)


def _constant_value(file, caller: Node, arg: Node | None) -> str | None:
    """The spelling of a constant argument; None for a local variable or an expression."""
    if arg is None or arg.type not in _CONSTANT_TYPES:
        return None
    root = arg
    while root.type == "selector_expression":
        root = unparen(field(root, "operand")) or root
        if root.type not in ("identifier", "selector_expression"):
            return None
    if root.type == "identifier" and arg.type == "identifier" and _is_local(
            file, caller, text(arg)):
        return None  # a variable: any value
    return text(arg)


def _zero_value(values: frozenset[str]) -> str | None:
    """The zero value of a field left out of a literal, spelled as the guard's values
    are, when they show its type: booleans, string or integer literals."""
    if values <= _BOOLEANS:
        return "false"
    if all(v.startswith('"') for v in values):
        return '""'
    if all(v.isdigit() for v in values):
        return "0"
    return None


def _field_value(file, caller: Node, arg: Node | None, path: tuple[str, ...],
                 values: frozenset[str]) -> str | None:
    """The constant a struct literal argument gives a field path (a field left out is
    its zero value). None when not known."""
    for name in path:
        arg = unparen(arg)
        if arg is not None and arg.type == "unary_expression" and text(
                field(arg, "operator")) == "&":
            arg = unparen(field(arg, "operand"))
        if arg is None or arg.type != "composite_literal":
            return None
        found = None
        for element in named_children(field(arg, "body")):
            children = element.named_children
            if element.type != "keyed_element" or len(children) != 2:
                return None  # positional fields: not read here
            if text(children[0]).strip() == name:
                found = children[1]
                if found.type == "literal_element" and found.named_children:
                    found = found.named_children[0]
                break
        if found is None:
            return _zero_value(values)
        arg = unparen(found)
    return _constant_value(file, caller, arg)


def _memoised(file, func: Node, site: Node, carriers: Carriers) -> bool:
    """The function returns a value read from a field or a map before it builds one,
    and stores what it builds there: `if c, ok := p.clients[h]; ok { return c }`."""
    body = field(func, "body")
    if body is not None and (_cached_in_store(file, body, site)
                             or _lazily_initialised(file, func, site)):
        return True
    if body is None or not _flow(site, func, carriers, returns_only=False,
                                 count_returns=False):
        return False
    for ret in file.within("return_statement", body):
        if ret.start_byte >= site.start_byte:
            continue
        exprs = returned_values(ret)
        first = unparen(exprs[0]) if exprs else None
        while first is not None and first.type == "type_assertion_expression":
            first = unparen(field(first, "operand"))
        if first is None:
            continue
        if first.type in ("selector_expression", "index_expression"):
            return True
        if first.type == "identifier" and _read_from_store(file, body, text(first)):
            return True
    return False


def _lazily_initialised(file, func: Node, site: Node) -> bool:
    """`if defaultClient == nil { defaultClient = build() }`: built into a package
    variable or a field only while that is still nil, so every later call shares it."""
    parent = site.parent
    stmt = parent.parent if parent is not None and parent.type == "expression_list" else None
    if stmt is None or stmt.type != "assignment_statement":
        return False
    targets = named_children(field(stmt, "left"))
    if len(targets) != 1 or len(named_children(field(stmt, "right"))) != 1:
        return False
    target = targets[0]
    if target.type == "identifier" and _is_local(file, func, text(target)):
        return False  # a local dies with the call: nothing is shared
    if target.type not in ("identifier", "selector_expression"):
        return False
    spelled = text(target)
    current = stmt.parent
    while current is not None and current != func:
        if current.type == "if_statement" and _tests_nil(field(current, "condition"), spelled):
            consequence = field(current, "consequence")
            return consequence is not None and (
                consequence.start_byte <= stmt.start_byte < consequence.end_byte)
        current = current.parent
    return False


def _tests_nil(condition: Node | None, spelled: str) -> bool:
    """The condition holds only when spelled is nil (`x == nil`, maybe `|| ...`)."""
    for test in operands(condition, "||"):
        if test.type == "binary_expression" and text(field(test, "operator")) == "==":
            sides = {text(unparen(field(test, "left"))), text(unparen(field(test, "right")))}
            if sides == {spelled, "nil"}:
                return True
    return False


def _cached_in_store(file, body: Node, site: Node) -> bool:
    """`tr := cache[k]; if tr == nil { tr = build(); cache[k] = tr }`: the pool is looked
    up in a map or field first and what is built is stored there, so every call after the
    first shares it (whatever the function wraps around it and returns)."""
    parent = site.parent
    if parent is None or parent.type != "expression_list":
        return False
    stmt = parent.parent
    if stmt is None or stmt.type not in ("assignment_statement", "short_var_declaration"):
        return False
    lhs = named_children(field(stmt, "left"))
    rhs = named_children(field(stmt, "right"))
    if len(lhs) != 1 or len(rhs) != 1 or lhs[0].type != "identifier":
        return False
    name = text(lhs[0])
    if not _read_from_store(file, body, name):
        return False
    for node in file.within("assignment_statement", body):
        targets = named_children(field(node, "left"))
        values = named_children(field(node, "right"))
        if len(targets) == 1 and len(values) == 1 and targets[0].type in (
                "index_expression", "selector_expression") and text(values[0]) == name:
            return True
    return False


def _read_from_store(file, body: Node, name: str) -> bool:
    """name := m[k] / name, ok := m[k] / name, ok := cache.Load(k) / name := s.field."""
    for node in file.within("short_var_declaration", body):
        lhs = named_children(field(node, "left"))
        rhs = named_children(field(node, "right"))
        if not lhs or text(lhs[0]) != name or len(rhs) != 1:
            continue
        value = unparen(rhs[0])
        if value is None:
            continue
        if value.type in ("index_expression", "selector_expression"):
            return True
        if value.type == "call_expression" and text(field(value, "function")).endswith(
                (".Load", ".Get")):
            return True
    return False


def _passed_through(resolver: Resolver, info: FuncInfo, body: Node, env_of,
                    guards: list[Guard | None]) -> str | None:
    """FRESH when the function hands back what a factory of the module returns
    (`return newOnlineExecutor()`) and that factory builds a new pool per call: the
    wrapper is a factory too. A memoised factory (CACHED) makes it one that shares, and
    so does a wrapper that first hands back a field when it is set (`if c.cred != nil {
    return c.cred }`: the factories it calls store into it). The guard each fresh return
    sits under goes to guards (`if restricted { return newRestricted() }`)."""
    found = None
    cached = False
    for ret in info.file.within("return_statement", body):
        if enclosing_function(ret) != info.node:
            continue
        exprs = returned_values(ret)
        first = unparen(exprs[0]) if exprs else None
        if first is not None and first.type == "selector_expression":
            cached = True
        if first is None or first.type != "call_expression":
            continue
        callee = resolver.callee(first, env_of(info.node), info.file)
        if callee.info is None or callee.index is None or callee.info is info:
            continue
        pooled = pool_result(resolver, callee.info, callee.index)
        if pooled == CACHED:
            return CACHED
        if pooled == FRESH:
            guards.append(_constant_guard(info, ret))
        found = found or pooled
    return CACHED if found and cached else found


def _mentions_constructor(body: Node) -> bool:
    source = body.text or b""
    return b"Transport" in source or any(
        q.rsplit(".", 1)[-1].encode() in source for q in CONSTRUCTORS)


_PREDECLARED = frozenset({
    "error", "string", "bool", "byte", "rune", "int", "int8", "int16", "int32", "int64",
    "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64",
    "complex64", "complex128", "any"})


def _returns_client_type(info: FuncInfo) -> bool:
    """A result of a named type that may be (or hold) a client; `error`, `bool` and the
    other predeclared types cannot, whatever the function builds on the way."""
    return any(t is not None and t.pkg and t.name not in _PREDECLARED for t in info.results)


class _FileView:
    """A file seen through one subtree (so sites() scans only one function)."""

    def __init__(self, file, root: Node) -> None:
        self.imports = file.imports
        self.root = root
        self._file = file

    def within(self, kind: str, node: Node) -> list[Node]:
        return self._file.within(kind, node)

    def __getattr__(self, name):
        return getattr(self._file, name)


def in_once(resolver: Resolver, file, env_of, node: Node) -> bool:
    """Inside a func literal given to sync.Once's Do (or a similarly named once)."""
    current = node.parent
    while current is not None and current.type not in ("function_declaration",
                                                       "method_declaration"):
        if current.type == "func_literal":
            args = current.parent
            call = args.parent if args is not None else None
            if call is not None and call.type == "call_expression":
                func = unparen(field(call, "function"))
                if func is not None and func.type == "selector_expression" and text(
                        field(func, "field")) == "Do":
                    operand = field(func, "operand")
                    owner = enclosing_function(call)
                    t = None
                    if owner is not None:
                        t = resolver.type_of(operand, env_of(owner), file)
                    if t == TypeRef("sync", "Once") or "once" in text(operand).lower():
                        return True
        current = current.parent
    return False


_BASIC = {"error", "bool", "string", "byte", "rune", "int", "int8", "int16", "int32", "int64",
          "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64",
          "complex64", "complex128"}
_BUILDER_PREFIXES = ("Set", "With", "Enable", "Disable", "Add", "Use")
# Methods returning an *http.Client whose Transport is the receiver.
_ADAPTERS = {"StandardClient"}


# Methods without arguments that hand out no view of their receiver.
_NOT_ACCESSORS = frozenset({"Close", "Shutdown", "Stop", "String", "Err", "Error", "Wait",
                            "Done", "Context"})


class Carriers:
    """Which calls pass a value they are given on to their result."""

    def __init__(self, resolver: Resolver, file, env_of) -> None:
        self.resolver, self.file, self.env_of = resolver, file, env_of

    def _callee(self, call: Node) -> Callee | None:
        owner = enclosing_function(call)
        if owner is None:
            return None
        return self.resolver.callee(call, self.env_of(owner), self.file)

    def wraps_argument(self, call: Node) -> bool:
        """f(x): does the result hold x? Known signatures that return only errors and
        basic values do not; the standard library does not wrap transports."""
        callee = self._callee(call)
        if callee is None:
            return True
        if callee.kind in ("std", "builtin"):
            # context.WithValue(ctx, key, client): the context carries the client (as
            # oauth2 reads its HTTP client from one).
            return callee.name == "append" or callee.qualified() == "context.WithValue"
        if callee.info is not None:
            return any(t is not None and t.name not in _BASIC for t in callee.info.results)
        return True

    def module_call(self, call: Node) -> bool:
        """A call of a function of this module (its body can be read)."""
        callee = self._callee(call)
        return callee is not None and callee.info is not None

    def keeps_argument(self, call: Node, arg: Node) -> bool:
        """Does a same-module function store (or close) the argument it is given?"""
        if stored_in_field_container(call, arg):
            return True
        callee = self._callee(call)
        if callee is None or callee.info is None:
            return False
        args = named_children(field(call, "arguments"))
        if arg not in args:
            return False
        return summary.param(self.resolver, callee, args.index(arg)) is not None

    def builder(self, call: Node) -> bool:
        """x.SetBaseURL(...): a fluent method returning the receiver; or an adapter
        whose result sends through the receiver (retryablehttp's StandardClient)."""
        func = unparen(field(call, "function"))
        name = text(field(func, "field")) if func is not None else ""
        if name.startswith(_BUILDER_PREFIXES) or name in _ADAPTERS:
            return True
        if name == "Clone" and not named_children(field(call, "arguments")):
            return True  # `t := base.Clone()`: the copy carries on what base was built for
        callee = self._callee(call) if name else None
        if callee is not None and callee.info is None and callee.kind not in (
                "std", "builtin") and name not in _NOT_ACCESSORS and not named_children(
                field(call, "arguments")):
            # client.KV(), client.Agent(): another package's client hands out a view
            # that sends through it (consul's KV, a generated API's service): the view
            # holds the pool.
            return True
        if callee is None or callee.info is None or callee.index is None:
            return False
        if returns_receiver(callee.info, callee.index):
            return True
        # c.Cache(): a module accessor handing out a view the receiver holds (built
        # around the same pool in the constructor): the view keeps the pool.
        return name not in _NOT_ACCESSORS and not named_children(
            field(call, "arguments")) and returns_receiver(
            callee.info, callee.index, field_of=True)


def returns_receiver(info: FuncInfo, index: PackageIndex, field_of: bool = False) -> bool:
    """A same-module method whose every return hands back its receiver (a fluent
    setter, whatever its name: `func (c *Client) quiet() *Client { ...; return c }`),
    or with field_of, a field of its receiver (`return c.cache`)."""
    key = f"returns-receiver{'-field' if field_of else ''}:{info.key}"
    cached = index.summaries.get(key)
    if isinstance(cached, bool):
        return cached
    found = False
    node, body = info.node, field(info.node, "body")
    params = named_children(field(node, "receiver")) if node.type == (
        "method_declaration") else []
    names = params[0].children_by_field_name("name") if params else []
    if body is not None and names:
        receiver = text(names[0])
        returns = [r for r in info.file.within("return_statement", body)
                   if enclosing_function(r) == node]
        found = bool(returns) and all(_returns_name(r, receiver, field_of) for r in returns)
    index.summaries[key] = found
    return found


def _returns_name(ret: Node, name: str, field_of: bool = False) -> bool:
    exprs = returned_values(ret)
    first = unparen(exprs[0]) if exprs else None
    if field_of:
        operand = unparen(field(first, "operand")) if first is not None and (
            first.type == "selector_expression") else None
        return operand is not None and operand.type == "identifier" and text(operand) == name
    return first is not None and first.type == "identifier" and text(first) == name


def kept(site: Node, func: Node, carriers: Carriers) -> bool:
    """Does the value built at site outlive the call (returned, stored, sent, used by a
    loop that outlives the call)?"""
    return _flow(site, func, carriers, returns_only=False)


def flows_to_return(site: Node, func: Node, carriers: Carriers) -> bool:
    return _flow(site, func, carriers, returns_only=True)


def _flow(site: Node, func: Node, carriers: Carriers, returns_only: bool,
          count_returns: bool = True) -> bool:
    body = field(func, "body")
    work = [site]
    seen_names: set[str] = set()
    seen_selectors: set[bytes] = set()
    steps = 0
    closures: set[int] = set()
    while work and steps < _MAX_FLOW_STEPS:
        steps += 1
        expr = work.pop()
        closure = expr.id in closures
        child, parent = expr, expr.parent
        arg = expr
        while parent is not None:
            kind = parent.type
            if kind == "argument_list":
                arg = child
            if kind in ("parenthesized_expression", "unary_expression", "literal_element",
                        "literal_value", "composite_literal", "argument_list",
                        "type_assertion_expression", "variadic_argument"):
                if kind == "literal_element" and field(parent.parent, "key") == parent:
                    break
                child, parent = parent, parent.parent
                continue
            if kind == "call_expression":
                if field(parent, "function") == child:
                    break
                if not returns_only and not closure and carriers.keeps_argument(parent, arg):
                    # h.client.setHTTPClient(c): a same-module setter keeps it. (A callback
                    # handed on is more often run than kept: a closure counts only when
                    # it lands in the result, a field or a variable.)
                    return True
                receiver = _local_receiver(carriers.file, func, parent)
                if receiver is not None and child.type == "argument_list" and (
                        receiver not in seen_names and body is not None):
                    # t.RegisterProtocol("unix", rt): the receiver, a local of this
                    # function, holds the argument from now on; follow the receiver
                    # (and the result too: conf.TokenSource(ctx, tok) wraps ctx).
                    seen_names.add(receiver)
                    work.extend(_references(carriers.file, body, receiver, exclude=parent))
                if not carriers.wraps_argument(parent) or (
                        closure and not carriers.module_call(parent)):
                    # What another package does with a callback (run it, or keep it) is
                    # not known: a closure is followed only through this module's calls.
                    break
                child, parent = parent, parent.parent
                continue
            if kind == "selector_expression" and field(parent, "operand") == child:
                call = parent.parent
                if call is not None and call.type == "call_expression" and field(
                        call, "function") == parent and carriers.builder(call):
                    child, parent = call, call.parent
                    continue
            break
        if parent is None:
            continue
        kind = parent.type
        if kind == "keyed_element":  # an element of a composite literal: follow the literal
            work.append(parent)
            continue
        if kind in ("return_statement",) or (
                kind == "expression_list" and parent.parent is not None
                and parent.parent.type == "return_statement"):
            if count_returns:
                return True
            continue
        if returns_only:
            target = _assigned_name(parent, child)
            if target is not None and _returned_bare(carriers.file, func, target):
                if count_returns:
                    return True
                continue
            if target is not None and target not in seen_names and body is not None:
                seen_names.add(target)
                work.extend(_references(carriers.file, body, target, exclude=parent))
            holder = _local_holder_of(carriers.file, func, parent, child) if (
                target is None) else None
            if holder is not None and holder not in seen_names and body is not None:
                # p.Transport = tr on a local p that a closure captures: the closure,
                # returned (a handler around a reverse proxy), carries the pool out. (p
                # itself returned is left to `kept`: whether such a constructor's callers
                # run per call is judged less reliably than what it keeps.)
                seen_names.add(holder)
                refs = _references(carriers.file, body, holder, exclude=parent)
                captured = _capturing_closures(refs, func, site)
                closures.update(c.id for c in captured)
                work.extend(captured)
            continue
        if kind == "send_statement":
            return True
        if kind == "selector_expression" and field(parent, "operand") == child:
            # A method call uses the pool; even CloseIdleConnections leaves the next
            # call to dial a new connection. A field read holding a client (`h.Client`
            # of a helper that embeds one) carries the pool on: follow it.
            if _client_field_read(carriers, parent) or _method_value(carriers, parent):
                work.append(parent)
            continue
        target_node = _assignment_target(parent, child)
        if target_node is not None:
            if target_node.type == "selector_expression" and _value_receiver_field(
                    func, target_node):
                # r.transport = ... on a value receiver dies with the copy: follow it.
                spelled = target_node.text or b""
                if spelled not in seen_selectors and body is not None:
                    seen_selectors.add(spelled)
                    work.extend(n for n in _selector_references(body, spelled)
                                if n != target_node)
                continue
            if target_node.type == "selector_expression" and _local_holder(
                    carriers.file, func, target_node):
                # c.Transport = tr on a Client this function declared: follow c.
                holder = text(unparen(field(target_node, "operand")))
                stored = text(field(target_node, "field"))
                if holder not in seen_names and body is not None:
                    seen_names.add(holder)
                    holder_refs = _references(carriers.file, body, holder, exclude=parent)
                    # A closure that captures the holder (a handler around a reverse
                    # proxy given the Transport) keeps it as long as the closure lives.
                    captured = _capturing_closures(holder_refs, func, site)
                    closures.update(c.id for c in captured)
                    work.extend(captured)
                    for ref in holder_refs:
                        if _inside(ref, target_node):
                            continue
                        read = ref.parent
                        if read is not None and read.type == "selector_expression" and (
                                text(field(read, "field")) == stored) and (
                                _read_as_value(read) is not None):
                            # `&Client{httpClient: s.httpClient}`: the field read back
                            # is the stored pool, whatever its declared type.
                            work.append(read)
                        else:
                            work.append(ref)
                continue
            if target_node.type != "identifier":
                return True  # a field, map or slice element
            name = text(target_node)
            if name == "_":
                continue
            if _returned_bare(carriers.file, func, name):
                if count_returns:
                    return True
                continue
            if not _is_local(carriers.file, func, name):
                return True  # a package variable
            if name not in seen_names and body is not None:
                seen_names.add(name)
                refs = _references(carriers.file, body, name, exclude=parent)
                if any(_long_lived_loop_between(carriers.file, func, ref, site)
                       for ref in refs):
                    return True  # built once, used by a loop that outlives the call
                work.extend(refs)
                if closure:  # f := func() {...}: f is still the closure
                    closures.update(r.id for r in refs)
                # A closure that captures it holds it as long as the closure lives
                # (stored in a cache, returned): follow the closures too.
                captured = _capturing_closures(refs, func, site)
                closures.update(c.id for c in captured)
                work.extend(captured)
    return False


def _read_as_value(selector: Node) -> Node | None:
    """The function around x.F when x.F is read as a value, not called."""
    call = selector.parent
    if call is not None and call.type == "call_expression" and field(
            call, "function") == selector:
        return None
    return enclosing_function(selector)


def _client_field_read(carriers: Carriers, selector: Node) -> bool:
    """x.F read as a value (not called) whose type is an http.Client or Transport, or a
    Client's RoundTripper (`client.Transport` handed to a reverse proxy)."""
    owner = _read_as_value(selector)
    if owner is None:
        return False
    t = carriers.resolver.type_of(selector, carriers.env_of(owner), carriers.file)
    return t is not None and t.pkg == TRANSPORT.pkg and t.name in (
        "Client", "Transport", "RoundTripper")


def _method_value(carriers: Carriers, selector: Node) -> bool:
    """x.M taken as a value (not called), M a method of x's type in the module: the
    bound method keeps x, and its pool, as long as it lives (`sc.read = c.ReadData`)."""
    owner = _read_as_value(selector)
    if owner is None:
        return False
    t = carriers.resolver.type_of(field(selector, "operand"), carriers.env_of(owner),
                                  carriers.file)
    index = carriers.resolver._index_for(t.pkg) if t is not None else None
    return index is not None and t is not None and index.method(
        t.name, text(field(selector, "field"))) is not None


def _local_holder_of(file, func: Node, parent: Node, child: Node) -> str | None:
    """x when parent assigns child to a field of x, a local of func (`x.Transport =
    child`)."""
    target = _assignment_target(parent, child)
    if target is None or target.type != "selector_expression" or not _local_holder(
            file, func, target):
        return None
    return text(unparen(field(target, "operand")))


def _capturing_closures(refs: list[Node], func: Node, site: Node) -> list[Node]:
    """The func literals of func around each reference that do not contain the site:
    each holds the captured value while it lives."""
    out: list[Node] = []
    for ref in refs:
        current = ref.parent
        while current is not None and current != func:
            if current.type == "func_literal" and not (
                    current.start_byte <= site.start_byte < current.end_byte):
                out.append(current)
            current = current.parent
    return out


def _local_receiver(file, func: Node, call: Node) -> str | None:
    """x in x.Method(...) when x is a local variable of func (not a package, not a
    field): a value the call is given may be stored in x."""
    callee = unparen(field(call, "function"))
    if callee is None or callee.type != "selector_expression":
        return None
    operand = unparen(field(callee, "operand"))
    if operand is None or operand.type != "identifier":
        return None
    name = text(operand)
    if not _is_local(file, func, name) or (name in file.imports and assigned_before(
            file, func, name, call.start_byte) is None):
        return None  # a package, unless a local declared before the call shadows it
    return name


def _value_receiver_field(func: Node, target: Node) -> bool:
    """recv.field where recv is the method's receiver passed by value (not a pointer)."""
    if func.type != "method_declaration":
        return False
    operand = unparen(field(target, "operand"))
    if operand is None or operand.type != "identifier":
        return False
    for decl in named_children(field(func, "receiver")):
        names = [text(n) for n in decl.children_by_field_name("name")]
        type_node = field(decl, "type")
        if text(operand) in names and type_node is not None:
            return type_node.type != "pointer_type"
    return False


def _selector_references(body: Node, spelled: bytes) -> list[Node]:
    out = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "selector_expression" and node.text == spelled:
            out.append(node)
            continue
        stack.extend(reversed(node.named_children))
    return out


def _assignment_target(stmt: Node, child: Node) -> Node | None:
    if child.parent != stmt:
        return None
    return assigned_target(child, fallback_first=True)


def _assigned_name(stmt: Node, child: Node) -> str | None:
    target = _assignment_target(stmt, child)
    if target is None or target.type != "identifier":
        return None
    return text(target)


def _returned_bare(file, func: Node, name: str) -> bool:
    """name is a named result of func and a bare `return` hands it to the caller:
    `out = &T{client: c}; return`."""
    results = field(func, "result")
    if results is None or results.type != "parameter_list" or not any(
            text(n) == name for decl in named_children(results)
            for n in decl.children_by_field_name("name")):
        return False
    return any(not [c for c in ret.named_children if c.type != "comment"]
               and enclosing_function(ret) == func
               for ret in file.within("return_statement", func))


def _is_local(file, func: Node, name: str) -> bool:
    kinds = ("short_var_declaration", "var_spec", "parameter_declaration", "range_clause")
    for node in (n for k in kinds for n in file.within(k, func)):
        if node.type in ("short_var_declaration",):
            if any(text(n) == name for n in named_children(field(node, "left"))):
                return True
        elif node.type in ("var_spec", "parameter_declaration"):
            if any(text(n) == name for n in node.children_by_field_name("name")):
                return True
        elif node.type == "range_clause" and any(
                text(n) == name for n in named_children(field(node, "left"))):
            return True
    return False


def _references(file, body: Node, name: str, exclude: Node) -> list[Node]:
    refs = []
    for node in identifiers(body, name):
        parent = node.parent
        if parent is not None and parent.parent is not None and (
                parent.parent == exclude or parent == exclude):
            continue
        refs.append(node)
    return refs


def _long_lived_loop_between(file, func: Node, ref: Node, site: Node) -> bool:
    """ref sits in a loop that outlives the call (`for {}`, `for range ticker.C`, a
    receive loop over a channel) and does not also contain the construction site. A
    loop over a collection ends with the call: a pool built per call stays per call."""
    # A closure made inside the loop (a retry callback) that uses the pool uses it on
    # every iteration too: look past func literals up to the function itself.
    current = ref.parent
    while current is not None and current != func:
        if current.type == "for_statement" and not (
                current.start_byte <= site.start_byte < current.end_byte) and (
                _outlives_call(file, func, current)):
            return True
        current = current.parent
    return False


def _outlives_call(file, func: Node, loop: Node) -> bool:
    clause = next((c for c in loop.named_children
                   if c.type in ("for_clause", "range_clause")), None)
    if clause is None:
        # `for {}` runs until the process stops; `for cond {}` is a bounded loop.
        return not [c for c in loop.named_children if c.type not in ("block", "comment")]
    if clause.type == "for_clause":
        return field(clause, "condition") is None
    ranged = unparen(field(clause, "right"))
    return ranged is not None and _is_channel(file, func, ranged)


def _is_channel(file, func: Node, expr: Node) -> bool:
    """ticker.C, time.Tick(d), or a local name or parameter declared as a channel."""
    if expr.type == "selector_expression":
        return text(field(expr, "field")) == "C"
    if expr.type == "call_expression":
        return text(field(expr, "function")).endswith(("Tick", "After"))
    if expr.type != "identifier":
        return False
    name = text(expr)
    for decl in file.within("parameter_declaration", func):
        if any(text(n) == name for n in decl.children_by_field_name("name")):
            return (field(decl, "type") or decl).type == "channel_type"
    for decl in file.within("short_var_declaration", func):
        lhs = [text(n) for n in named_children(field(decl, "left"))]
        if name in lhs:
            return b"make(chan" in (field(decl, "right") or decl).text.replace(b" ", b"")
    return False


def _local_holder(file, func: Node, target: Node) -> bool:
    """recv.Field where recv is declared in the function body (not a parameter, the
    receiver or a package variable): storing there keeps nothing by itself."""
    operand = unparen(field(target, "operand"))
    if operand is None or operand.type != "identifier":
        return False
    name = text(operand)
    body = field(func, "body")
    if body is None:
        return False
    for node in file.within("short_var_declaration", body):
        if any(text(n) == name for n in named_children(field(node, "left"))):
            return True
    return any(text(n) == name for node in file.within("var_spec", body)
               for n in node.children_by_field_name("name"))


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


# Uses of a Transport that dial a connection of their own or drop idle ones: none of
# them sends a request through the pool.
_DIALER_USES = {"Dial", "DialContext", "DialTLS", "DialTLSContext", "CloseIdleConnections"}


def dialer_only(func: Node, call: Node) -> bool:
    """t := NewTransport(...) that func then uses only as t.DialContext(...) (and
    t.CloseIdleConnections()): the connections it dials are the caller's to close, and
    no request ever goes through its pool."""
    target = assigned_target(call, fallback_first=True)
    body = field(func, "body")
    if target is None or target.type != "identifier" or body is None:
        return False
    name = text(target)
    uses = [n for n in identifiers(body, name) if n != target]
    if not uses:
        return False
    for use in uses:
        selector = use.parent
        called = selector.parent if selector is not None else None
        if selector is None or selector.type != "selector_expression" or field(
                selector, "operand") != use or text(field(selector, "field")) not in (
                _DIALER_USES) or called is None or called.type != "call_expression":
            return False
    return True
