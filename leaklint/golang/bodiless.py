"""Requests a test sends to its own server whose handler never writes a body.

`ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request)
{ w.WriteHeader(http.StatusAccepted) }))` answers every request with `Content-Length:
0`: net/http hands the client `http.NoBody` and puts the connection back in the pool as
soon as the headers are read, so a response from `http.Get(ts.URL)` holds nothing to
close. The server is found through the URL the request is sent to (`ts.URL`, `ts.URL +
"/path"`, a local built from it), the handler through the server's construction, both in
the function that sends.
"""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang import ranged
from leaklint.golang.context import named_function
from leaklint.golang.doubles import resolver_for
from leaklint.golang.index import GoFile
from leaklint.golang.parse import (
    assigned_before,
    assigned_target,
    field,
    identifiers,
    named_children,
    own_returns,
    text,
    unparen,
    walk,
)
from leaklint.golang.resolve import Callee, Env, Resolver
from leaklint.golang.types import REQUEST_METHOD_ARG

_TEST_SERVERS = frozenset({"NewServer", "NewTLSServer", "NewUnstartedServer"})
_URL_SENDS = frozenset({"Get", "Head", "Post", "PostForm"})
# What a handler may do with its writer without writing a body.
_QUIET_WRITER_METHODS = frozenset({"WriteHeader", "Header"})
_MAX_HOPS = 3


def to_bodiless_server(resolver: Resolver, env: Env, file: GoFile, func: Node,
                       call: Node) -> bool:
    """The call sends a request to an httptest server of this function whose handler,
    written in place, never writes a body."""
    if b"httptest" not in file.data and b"Server{" not in file.data:
        return False  # cheap: no test server, nor a server literal, in the file
    outer = named_function(call) or func
    server_names, address_names = _quiet(resolver, env, file, outer)
    if not server_names and not address_names:
        return False  # the function builds no server that writes nothing
    url = _request_url(resolver, env, file, outer, call)
    # Without a URL to read (`client.Query(q)`, the client built from `ts.URL`), what the
    # call is given and called on.
    roots = [url] if url is not None else [
        n for n in (field(call, "function"), field(call, "arguments")) if n is not None]
    names = {name for root in roots for name in _names(root)}
    # `host := ts.URL; u := fmt.Sprintf("%s/x", host)`: a few steps through locals built
    # from the server.
    frontier = set(names)
    for _ in range(_MAX_HOPS):
        found: set[str] = set()
        for name in frontier:
            value = assigned_before(file, outer, name, call.start_byte)
            if value is not None and not _test_server(resolver, env, file, outer, name, call):
                found |= _names(value)
        frontier = found - names
        names |= found
    # A test server's name is confirmed at the call (its value there is the quiet
    # server); an http.Server is reached through the names its address is built from.
    if url is not None:
        return bool(names & address_names) or any(
            _bodiless_server(resolver, env, file, outer, name, call)
            for name in names & server_names)
    # Reached only through what the call is given: every test server it reaches must
    # be a quiet one.
    servers = [name for name in names if _test_server(resolver, env, file, outer, name, call)]
    return bool(servers) and all(
        _bodiless_server(resolver, env, file, outer, name, call) for name in servers) and (
        not any(_other_address(resolver, file, outer, name, call) for name in names))


def _quiet(resolver: Resolver, env: Env, file: GoFile, func: Node
           ) -> tuple[frozenset[str], frozenset[str]]:
    """The names the function gives test servers whose handler writes nothing, and the
    names the address of such an `http.Server` is built from; once per function."""
    key = f"bodiless:{file.path}:{func.start_byte}"
    cache = resolver.index.summaries
    cached = cache.get(key)
    if isinstance(cached, tuple):
        return cached
    names: set[str] = set()
    body = field(func, "body")
    for call in file.within("call_expression", body) if body is not None else ():
        function = unparen(field(call, "function"))
        if function is None or function.type != "selector_expression" or text(
                field(function, "field")) not in _TEST_SERVERS:
            continue
        maker = resolver.callee(call, env, file)
        args = named_children(field(call, "arguments"))
        if maker.kind != "std" or maker.pkg != "net/http/httptest" or len(args) != 1 or (
                not _writes_no_body(resolver, env, file, args[0], func)):
            continue
        target = assigned_target(call, fallback_first=True)
        if target is not None and target.type == "identifier":
            names.add(text(target))
    out = (frozenset(names), frozenset(_quiet_server_addresses(resolver, env, file, func)))
    cache[key] = out
    return out


def _quiet_server_addresses(resolver: Resolver, env: Env, file: GoFile, func: Node
                            ) -> set[str]:
    """The names an `&http.Server{Addr: ln.Addr().String(), Handler: h}` of the function,
    h a handler written in place that writes no body, builds its address from (`ln`):
    a request whose URL is built from them goes to that server."""
    body = field(func, "body")
    names: set[str] = set()
    for literal in file.within("composite_literal", body) if body is not None else ():
        spelled = field(literal, "type")
        if spelled is None or spelled.type != "qualified_type" or text(
                field(spelled, "name")) != "Server" or file.imports.get(
                text(field(spelled, "package"))) != "net/http":
            continue
        values: dict[str, Node] = {}
        for element in named_children(field(literal, "body")):
            if element.type == "keyed_element" and len(element.named_children) == 2:
                key, value = element.named_children
                if value.type == "literal_element" and value.named_children:
                    value = value.named_children[0]
                values[text(key).strip()] = value
        address, handler = values.get("Addr"), values.get("Handler")
        if address is not None and handler is not None and _writes_no_body(
                resolver, env, file, handler, func):
            names |= {text(n) for n in walk(address) if n.type == "identifier"}
    return names


def _request_url(resolver: Resolver, env: Env, file: GoFile, func: Node,
                 call: Node) -> Node | None:
    """The URL expression of `http.Get(u)` / `c.Get(u)`, or of the request a `Do(req)`
    sends when the function built it with http.NewRequest(WithContext)."""
    function = unparen(field(call, "function"))
    args = named_children(field(call, "arguments"))
    if function is None or function.type != "selector_expression" or not args:
        return None
    name = text(field(function, "field"))
    if name in _URL_SENDS:
        return args[0]
    if name not in ("Do", "RoundTrip"):
        return None
    request = unparen(args[0])
    if request is None or request.type != "identifier":
        return None
    built = unparen(assigned_before(file, func, text(request), call.start_byte))
    if built is None or built.type != "call_expression":
        return None
    maker = resolver.callee(built, env, file)
    method = REQUEST_METHOD_ARG.get(maker.name) if (
        maker.kind == "std" and maker.pkg == "net/http") else None
    position = method + 1 if method is not None else None  # the URL follows the method
    params = named_children(field(built, "arguments"))
    return params[position] if position is not None and position < len(params) else None


def _names(node: Node) -> set[str]:
    """The identifiers an expression reads (a literal's keys, `{Path: p}`, are not)."""
    names = set()
    for n in walk(node):
        if n.type != "identifier":
            continue
        holder = n.parent
        keyed = holder.parent if holder is not None and holder.type == "literal_element" else None
        if keyed is not None and keyed.type == "keyed_element" and (
                keyed.named_children[0] == holder):
            continue
        names.add(text(n))
    return names


# Parameter types that may carry the address of a server elsewhere.
_ADDRESS_TYPES = frozenset({"string", "[]string", "*url.URL", "url.URL", "[]*url.URL"})


def _other_address(resolver: Resolver, file: GoFile, func: Node, name: str,
                   call: Node) -> bool:
    """A name the call reaches that may hold the address of another server: a string or
    URL parameter, a package variable that is not a client, or any other name neither
    assigned in the function nor declared by the package as a function or import (a
    constant, a range variable, a func literal's parameter)."""
    if assigned_before(file, func, name, call.start_byte) is not None:
        return False  # a local: followed, or built from what was followed
    for part in ("receiver", "parameters"):
        for decl in named_children(field(func, part)):
            if any(text(n) == name for n in decl.children_by_field_name("name")):
                return text(field(decl, "type")).replace(" ", "") in _ADDRESS_TYPES
    index = resolver.index
    if name in file.imports or name in index.funcs or name in _BUILTINS:
        return False
    if name in index.vars:
        declared = index.vars.get(name)
        if declared is None and name in index.var_values:
            declared = resolver.type_of(index.var_values[name], Env(), file)
        return declared is None or declared.pkg != "net/http"
    # A constant, a range variable, a literal's parameter: any address, unless only
    # fields a table row types as no address are read.
    return not _table_fields_only(name, call, file)


def _table_fields_only(name: str, call: Node, file: GoFile) -> bool:
    """A table row (`for _, tt := range tests`) the call reads only fields of, each
    typed, by the table's struct, as something other than an address (`tt.body` an
    io.Reader, `tt.bodyProvider(t)` a func returning one)."""
    uses = identifiers(call, name)
    if not uses:
        return False
    clause = ranged.declaring_clause(uses[0])
    struct = ranged.struct_of(ranged.element_type(clause, file), clause) if (
        clause is not None) else None
    if struct is None:
        return False
    for use in uses:
        selector = use.parent
        if selector is None or selector.type != "selector_expression" or field(
                selector, "operand") != use:
            return False
        declared = ranged.field_type(struct, text(field(selector, "field")))
        if declared is None:
            return False
        if declared.type == "function_type":
            declared = field(declared, "result")
        spelled = text(declared).replace(" ", "") if declared is not None else ""
        if not spelled or spelled in _ADDRESS_TYPES or spelled.startswith("("):
            return False
    return True


_BUILTINS = frozenset({"len", "append", "make", "new", "string", "byte", "int", "error",
                       "any", "cap", "copy", "true", "false", "nil", "iota"})


def _test_server(resolver: Resolver, env: Env, file: GoFile, func: Node, name: str,
                 call: Node) -> Node | None:
    """The httptest server construction name last holds before the call."""
    built = unparen(assigned_before(file, func, name, call.start_byte))
    if built is None or built.type != "call_expression":
        return None
    maker = resolver.callee(built, env, file)
    if maker.kind != "std" or maker.pkg != "net/http/httptest" or (
            maker.name not in _TEST_SERVERS):
        return None
    return built


def _bodiless_server(resolver: Resolver, env: Env, file: GoFile, func: Node, name: str,
                     call: Node) -> bool:
    built = _test_server(resolver, env, file, func, name, call)
    if built is None:
        return False
    args = named_children(field(built, "arguments"))
    return len(args) == 1 and _writes_no_body(resolver, env, file, args[0], func)


def _writes_no_body(resolver: Resolver, env: Env, file: GoFile, handler: Node,
                    func: Node | None = None, depth: int = 0) -> bool:
    """A handler written in the function (`http.HandlerFunc(func(w, r) {...})`, the
    literal itself, a local holding one, or a local ServeMux every handler registered
    on which is such a handler) that does nothing with its writer but set headers and
    the status."""
    handler = unparen(handler)
    if handler is not None and handler.type == "identifier" and func is not None and (
            depth < _MAX_HOPS):
        value = unparen(assigned_before(file, func, text(handler), handler.start_byte))
        if value is None:
            # `http.HandlerFunc(statusOnly)`: a package function written as a handler.
            info = resolver.index.funcs.get(text(handler))
            return info is not None and info.receiver is None and _writes_no_body(
                resolver, env, info.file, info.node, None, depth + 1)
        if _is_serve_mux(resolver, env, file, value):
            handlers = _mux_handlers(file, func, text(handler))
            return bool(handlers) and all(
                _writes_no_body(resolver, env, file, h, func, depth + 1) for h in handlers)
        return _writes_no_body(resolver, env, file, value, func, depth + 1)
    if handler is not None and handler.type == "call_expression":
        wrapper = resolver.callee(handler, env, file)
        inner = named_children(field(handler, "arguments"))
        if wrapper.info is not None and wrapper.index is not None and depth < _MAX_HOPS:
            return _returns_quiet_handler(resolver, wrapper, depth + 1)
        if not (wrapper.kind == "std" and (wrapper.pkg, wrapper.name) == (
                "net/http", "HandlerFunc")) or len(inner) != 1:
            return False
        return _writes_no_body(resolver, env, file, inner[0], func, depth + 1)
    if handler is None or handler.type not in ("func_literal", "function_declaration"):
        return False
    params = named_children(field(handler, "parameters"))
    if len(params) != 2:
        return False
    names = params[0].children_by_field_name("name")
    if not names or text(names[0]) == "_":
        return True  # the writer is not even named
    writer = text(names[0])
    body = field(handler, "body")
    for node in walk(body) if body is not None else ():
        if node.type != "identifier" or text(node) != writer:
            continue
        parent = node.parent
        member = field(parent, "field") if parent is not None and (
            parent.type == "selector_expression") else None
        if member is None and _sets_cookie(file, parent):
            continue  # http.SetCookie(w, c) adds a header
        if member is not None and text(member) == "Write" and _writes_nothing(parent):
            continue  # w.Write(nil): no byte of body
        if member is None or text(member) not in _QUIET_WRITER_METHODS:
            return False  # written to, or handed to something that may write
    return True


def _writes_nothing(selector: Node) -> bool:
    """`w.Write(nil)`, `w.Write([]byte{})`, `w.Write([]byte(""))`: a write of no bytes."""
    call = selector.parent
    if call is None or call.type != "call_expression" or field(call, "function") != selector:
        return False
    args = named_children(field(call, "arguments"))
    if len(args) != 1:
        return False
    arg = unparen(args[0])
    spelled = text(arg).replace(" ", "") if arg is not None else ""
    return spelled in ("nil", "[]byte{}", '[]byte("")', "[]byte(``)")


def _sets_cookie(file: GoFile, arguments: Node | None) -> bool:
    """arguments are those of net/http's SetCookie."""
    call = arguments.parent if arguments is not None and (
        arguments.type == "argument_list") else None
    function = unparen(field(call, "function")) if call is not None else None
    return function is not None and function.type == "selector_expression" and (
        file.imports.get(text(field(function, "operand"))) == "net/http") and text(
        field(function, "field")) == "SetCookie"


def _returns_quiet_handler(resolver: Resolver, maker: Callee, depth: int) -> bool:
    """A module function whose every return is a handler that writes no body
    (`health.ReadinessHandler()` returning `http.HandlerFunc(func(w, r) {...})` that only
    sets headers and the status)."""
    info, index = maker.info, maker.index
    body = field(info.node, "body") if info is not None else None
    if body is None or index is None:
        return False
    sub = resolver_for(resolver, index)
    env = sub.env_for(info.node, info.file)
    returns = own_returns(body)
    return bool(returns) and all(
        len(ret.named_children) == 1 and len(named_children(ret.named_children[0])) == 1
        and _writes_no_body(sub, env, info.file, named_children(ret.named_children[0])[0],
                            info.node, depth)
        for ret in returns)


def _is_serve_mux(resolver: Resolver, env: Env, file: GoFile, value: Node) -> bool:
    if value.type != "call_expression":
        return False
    maker = resolver.callee(value, env, file)
    return maker.kind == "std" and (maker.pkg, maker.name) == ("net/http", "NewServeMux")


def _mux_handlers(file: GoFile, func: Node, mux: str) -> list[Node]:
    """The handlers the function registers on its ServeMux (`mux.HandleFunc(p, h)`,
    `mux.Handle(p, h)`); an empty list when the mux is used any other way (handed to
    code that may register more)."""
    body = field(func, "body")
    handlers: list[Node] = []
    for node in walk(body) if body is not None else ():
        if node.type != "identifier" or text(node) != mux:
            continue
        parent = node.parent
        holder = parent.parent if parent is not None and parent.type == "expression_list" else None
        if (parent is not None and parent.type == "var_spec") or (holder is not None and (
                holder.type in ("short_var_declaration", "assignment_statement")) and (
                field(holder, "left") == parent)):
            continue  # where it is declared
        member = field(parent, "field") if parent is not None and (
            parent.type == "selector_expression") else None
        call = parent.parent if member is not None else None
        args = named_children(field(call, "arguments")) if call is not None and (
            call.type == "call_expression") else []
        if member is not None and text(member) in ("HandleFunc", "Handle") and len(args) == 2:
            handlers.append(args[1])
            continue
        maker = field(parent.parent, "function") if parent is not None and (
            parent.type == "argument_list") and parent.parent is not None else None
        if maker is not None and maker.type == "selector_expression" and text(
                field(maker, "field")) in _TEST_SERVERS:
            continue  # httptest.NewServer(mux): the server it serves
        return []
    return handlers
