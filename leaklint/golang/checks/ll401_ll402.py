"""LL401 (no idle timeout) and LL402 (no request timeout) on net/http values.

A field counts as set when the literal has it (and it is not the literal 0) or when the
function (or file, for package-level values) assigns it to the same variable later."""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang import buildtags, handout
from leaklint.golang.callers_outside import never_called, tree_private, unused_internal
from leaklint.golang.context import (
    GoCheckContext,
    enclosing_function,
    named_function,
    outermost_function,
)
from leaklint.golang.deadlines import (
    calls_function,
    context_bounded,
    dials_with_deadlines,
    request_bounded,
    request_bounded_by,
    transport_bounded,
)
from leaklint.golang.doubles import built_around_double, default_transport_faked
from leaklint.golang.fixes import IDLE_CONN_TIMEOUT, SERVER_TIMEOUTS, add_fields
from leaklint.golang.index import GoFile, PackageIndex
from leaklint.golang.memconn import (
    dials_in_memory,
    dials_nothing,
    in_memory_listener,
    in_memory_transport,
    serves_in_memory,
)
from leaklint.golang.module import sibling_package
from leaklint.golang.parse import (
    NEW_RESPELLED,
    assigned_before,
    assigned_target,
    field,
    identifiers,
    named_children,
    schemeless_url_literal,
    statements,
    text,
    unparen,
    walk,
)
from leaklint.golang.pools import requests_close_connections
from leaklint.golang.resolve import Env, Resolver
from leaklint.golang.summary import param_fact, resolver_for
from leaklint.golang.testify import ERROR_ASSERTIONS, assertion
from leaklint.golang.types import CLIENT, HTTP, SERVER, TRANSPORT, TypeRef, type_from_node
from leaklint.golang.unsent import dropped_unsent, inspector, never_sent
from leaklint.golang.values import (
    replaced_before_use,
    returned_beside_error,
    transport_replaced_later,
    zero_value_replaced,
)

RULES = frozenset({"LL401", "LL402"})
_DEFAULT_CLIENT_CALLS = ("Get", "Head", "Post", "PostForm")
_SERVE_CALLS = ("ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS")


# How a checked type's name ends when spelled in a literal (http.Client, Server...).
_CHECKED_TYPES = (b"Transport", b"Client", b"Server")


def run(ctx: GoCheckContext) -> None:
    http_aliases = {alias for alias, path in ctx.file.imports.items() if path == HTTP}
    dot_http = HTTP in ctx.file.dot_imports
    if not http_aliases and not dot_http:
        return
    if buildtags.wasm_only(ctx.file.path.name, ctx.file.data):
        return  # js/wasm or wasip1 only: no socket behind its clients and servers
    if ctx.file.package_name() != "main" and unused_internal(ctx.file.path.parent):
        # An internal library package nothing imports, without tests: none of its code
        # runs. (A command, package main, is never imported and still runs.)
        return
    default_client_lines: set[int] = set()
    candidates = [n for k in ("composite_literal", "literal_value", "call_expression",
                              "selector_expression", "var_spec") for n in ctx.file.nodes(k)]
    # Functions that never run, asked once each and only in a package its tree alone
    # can import (most packages are not: the question is then never asked).
    package = ctx.file.package_name()
    dead: dict[int, bool] | None = {} if package and package != "main" and not (
        ctx.file.path.name.endswith("_test.go")) and tree_private(
        ctx.file.path.parent) else None
    for node in candidates:
        if dead is not None and _in_never_called(ctx, node, dead):
            continue
        kind = node.type
        if kind == "composite_literal":
            spelled = field(node, "type")
            if spelled is None or not (spelled.text or b"").endswith(_CHECKED_TYPES):
                continue  # cheap: only http.Transport, Client and Server are checked
            t = type_from_node(spelled, ctx.file.imports, ctx.resolver.index.key)
            if t in (TRANSPORT, CLIENT, SERVER) and not replaced_before_use(node) and not (
                    t == TRANSPORT and transport_replaced_later(node)) and not (
                    returned_beside_error(node)):
                _check_value(ctx, node, t, _literal_fields(node))
        elif kind == "literal_value" and node.parent is not None and (
                node.parent.type == "literal_element"):
            # An elided element literal: []*http.Server{{Addr: ":80"}}.
            t = type_from_node(_literal_type(node), ctx.file.imports, ctx.resolver.index.key)
            if t in (TRANSPORT, CLIENT, SERVER):
                _check_value(ctx, node, t, _value_fields(node))
        elif kind == "call_expression":
            _check_call(ctx, node, http_aliases)
        elif kind == "selector_expression":
            if (node.child_by_field_name("field") or node).text != b"DefaultClient":
                continue
            operand = field(node, "operand")
            if (operand is not None and operand.type == "identifier"
                    and text(operand) in http_aliases
                    and text(field(node, "field")) == "DefaultClient"
                    and not _compared(node)
                    and not _configures(node) and not _bounded_do(ctx, node)
                    and not _requests_bounded(ctx, node)
                    and not _default_client_timed(ctx)
                    and not _callee_sends_bounded(ctx, node)
                    and not _returned_client_bounded(ctx, node)
                    and not _copy_given_timeout(ctx, node)
                    and not default_transport_faked(ctx.resolver, ctx.file, node)
                    and not _settings_read_only(ctx, node)
                    and not never_sent(ctx.resolver, ctx.file, node)
                    and not _stored_in_unread_field(ctx, node)
                    and not handout.with_deadline_context(ctx.resolver, ctx.file, node)):
                line = node.start_point[0]
                if line not in default_client_lines:
                    default_client_lines.add(line)
                    ctx.report.report("LL402", ctx.span(node), scope=ctx.scope(node),
                                      what="http.DefaultClient", missing="Timeout")
        elif kind == "var_spec" and field(node, "value") is None:
            t = type_from_node(field(node, "type"), ctx.file.imports, ctx.resolver.index.key)
            type_node = field(node, "type")
            if t == CLIENT and type_node is not None and type_node.type != "pointer_type" and (
                    not zero_value_replaced(node)):
                _check_value(ctx, node, t, {})


def _check_call(ctx: GoCheckContext, call: Node, http_aliases: set[str]) -> None:
    func = unparen(field(call, "function"))
    if func is None:
        return
    if func.type == "identifier" and text(func) in ("new", NEW_RESPELLED):
        args = named_children(field(call, "arguments"))
        if args:
            t = type_from_node(args[0], ctx.file.imports, ctx.resolver.index.key)
            if t in (TRANSPORT, CLIENT, SERVER):
                _check_value(ctx, call, t, {})
        return
    if func.type != "selector_expression":
        return
    operand = field(func, "operand")
    if operand is None or operand.type != "identifier" or text(operand) not in http_aliases:
        return
    name = text(field(func, "field"))
    if name in _DEFAULT_CLIENT_CALLS:
        if default_transport_faked(ctx.resolver, ctx.file, call) or _default_client_timed(
                ctx) or _expected_to_fail(ctx, call) or schemeless_url_literal(
                next(iter(named_children(field(call, "arguments"))), None)):
            return
        ctx.report.report("LL402", ctx.span(call), scope=ctx.scope(call),
                          what=f"http.{name}", missing="Timeout (it uses http.DefaultClient)")
    elif name in _SERVE_CALLS:
        args = named_children(field(call, "arguments"))
        if name in ("Serve", "ServeTLS") and args and in_memory_listener(
                ctx.resolver, ctx.file, args[0]):
            return  # served on a listener in memory: no peer can stall it
        ctx.report.report("LL402", ctx.span(call), scope=ctx.scope(call),
                          what=f"http.{name}",
                          missing="ReadHeaderTimeout (it runs an http.Server with no timeouts)")


def _check_value(ctx: GoCheckContext, node: Node, t, fields: dict[str, Node]) -> None:
    if _variable_of(node) == "_":
        return  # `var _ = http.Transport{Proxy: p.URL}`: a compile-time check, never used
    assigned = _assigned_fields(ctx, node) | _timeouts_set_by_callees(ctx, node, t)
    present = {k for k, v in fields.items() if not _is_zero(v)} | assigned
    scope = ctx.scope(node)
    if t == TRANSPORT:
        keepalives_off = "DisableKeepAlives" in fields and text(
            fields["DisableKeepAlives"]) == "true"
        if "IdleConnTimeout" not in present and not keepalives_off and not (
                _configured_by_wrapper(ctx, node, ("IdleConnTimeout",))) and (
                "DisableKeepAlives" not in assigned) and not never_sent(
                ctx.resolver, ctx.file, node) and not _idle_closed_at_cleanup(ctx, node) and (
                not _idle_closed_on_return(ctx, node)) and not dials_nothing(node) and (
                not dials_with_deadlines(ctx.resolver, ctx.file, node)) and (
                not dials_in_memory(ctx.resolver, ctx.file, node)) and (
                not requests_close_connections(ctx.file, node)):
            ctx.report.report("LL401", ctx.span(node), scope=scope,
                              what="http.Transport", missing="IdleConnTimeout",
                              fix=_idle_fix(ctx, node, fields,
                                            [("IdleConnTimeout", IDLE_CONN_TIMEOUT)]))
    elif t == CLIENT:
        if "Timeout" not in present and not in_memory_transport(
                ctx.resolver, ctx.file, fields.get("Transport")) and not dials_nothing(
                fields.get("Transport"), ctx.file) and not _fake_transport(
                ctx, node, fields.get("Transport")) and not _transport_replaced(
                ctx, node) and not _fake_assigned_later(ctx, node, fields) and not (
                "Transport" not in present
                and default_transport_faked(ctx.resolver, ctx.file, node)) and not (
                transport_bounded(ctx.resolver, ctx.file, fields.get("Transport"))) and not (
                _deadline_transport_assigned_later(ctx, node, fields)) and not (
                _requests_bounded(ctx, node)) and not _field_given_timeout(ctx, node) and not (
                _timeout_set_by_callee(ctx, node)) and not _field_sends_bounded(ctx, node) and (
                not _callee_sends_bounded(ctx, _outermost_value(node))) and (
                not _stored_in_unread_field(ctx, node)) and (
                not _returned_client_bounded(ctx, node)) and (
                not never_sent(ctx.resolver, ctx.file, node)) and (
                not handout.with_deadline_context(ctx.resolver, ctx.file, node)) and (
                not _package_var_sends_bounded(ctx, node)) and (
                not _built_for_its_transport(ctx, node)):
            ctx.report.report("LL402", ctx.span(node), scope=scope,
                              what="http.Client", missing="Timeout")
    elif t == SERVER:
        if serves_in_memory(ctx.resolver, ctx.file, node) or never_sent(
                ctx.resolver, ctx.file, node) or _placeholder_server(ctx, node, fields):
            return  # only ever served in memory, or (in a test) never served at all
        if not present & {"IdleTimeout", "ReadTimeout"} and not _keepalives_switched_off(
                ctx, node) and not _configured_by_wrapper(
                ctx, node, ("IdleTimeout", "ReadTimeout")):
            wanted = [(k, v) for k, v in SERVER_TIMEOUTS if k not in fields]
            ctx.report.report("LL401", ctx.span(node), scope=scope,
                              what="http.Server", missing="IdleTimeout or ReadTimeout",
                              fix=_idle_fix(ctx, node, fields, wanted))
        if not present & {"ReadHeaderTimeout", "ReadTimeout"} and (
                not _configured_by_wrapper(
                    ctx, node, ("ReadHeaderTimeout", "ReadTimeout"))):
            ctx.report.report("LL402", ctx.span(node), scope=scope,
                              what="http.Server", missing="ReadHeaderTimeout or ReadTimeout")


def _idle_fix(ctx: GoCheckContext, node: Node, fields: dict[str, Node],
              wanted: list[tuple[str, str]]):
    """The literal gets the missing idle timeouts (not when a field it would add is
    already spelled out, as 0 say: that is a decision to respect)."""
    if not ctx.report.wants("LL401") or node.type not in ("composite_literal",
                                                          "literal_value"):
        return None
    if any(name in fields for name, _ in wanted) or ctx.file.source is None:
        return None
    return add_fields(ctx.file.source, node, wanted, ctx.file.imports)


_NETWORK_TYPES = {"RoundTripper", "Transport", "Client"}


def _fake_transport(ctx: GoCheckContext, literal: Node, value: Node | None,
                    depth: int = 0) -> bool:
    """&http.Client{Transport: reg} over an in-memory RoundTripper never dials: no peer
    can stall it. A package type is a fake unless it wraps a net/http transport; another
    package's type counts as a test double only in a _test.go file. A package function
    given a fake (NewInstrumentedTransport(fake)) wraps the fake."""
    if value is not None and value.type == "literal_element" and value.named_children:
        value = value.named_children[0]
    value = unparen(value)
    if value is None:
        return False
    owner = enclosing_function(literal)
    env = ctx.env(owner) if owner is not None else None
    if env is None:
        # A package variable (`var client = &http.Client{Transport: &fakeRT{}}`): only a
        # literal of a type the package declares is judged, by its type alone.
        built = unparen(field(value, "operand")) if value.type == "unary_expression" else value
        spelled = field(built, "type") if built is not None and (
            built.type == "composite_literal") else None
        return spelled is not None and spelled.type == "type_identifier" and (
            _package_type_fake(ctx, text(spelled)))
    if value.type == "call_expression" and depth < 2:
        callee = ctx.resolver.callee(value, env, ctx.file)
        if callee.info is not None and callee.index is ctx.resolver.index and any(
                _fake_transport(ctx, literal, arg, depth + 1)
                for arg in named_children(field(value, "arguments"))):
            return True
    func = outermost_function(literal)
    if func is not None and built_around_double(ctx.resolver, ctx.file, func, value):
        return True  # RoundTripperFunc(func...) answering from memory, maybe wrapped
    test_file = ctx.file.path.name.endswith("_test.go")
    if test_file and value.type == "identifier" and _is_parameter(owner, text(value)):
        return True  # a test helper's injected RoundTripper: a double (httpmock & co)
    t = ctx.resolver.type_of(value, env, ctx.file)
    if t is None or t.pkg == HTTP or t.pkg == "":
        return False
    if t.pkg == ctx.resolver.index.key:
        return _package_type_fake(ctx, t.name)
    return test_file


def _package_type_fake(ctx: GoCheckContext, name: str) -> bool:
    """A type of the package used as a RoundTripper is a fake unless it wraps a net/http
    transport or client."""
    index = ctx.resolver.index
    struct = index.structs.get(name)
    if struct is None:
        # type roundTripper func(*http.Request) (*http.Response, error): an adapter
        # around a function literal, a fake unless it renames a net/http type.
        target = index.aliases.get(name)
        return name in index.aliases and (target is None or target.pkg != HTTP)
    wrapped = [*struct.fields.values(), *struct.embedded]
    return not any(f is not None and f.pkg == HTTP and f.name in _NETWORK_TYPES
                   for f in wrapped)


_TESTING_TYPES = {"*testing.T", "*testing.B", "*testing.F", "testing.TB"}


def _idle_closed_at_cleanup(ctx: GoCheckContext, node: Node) -> bool:
    """tr := &http.Transport{}; t.Cleanup(tr.CloseIdleConnections): a Transport of one
    test whose idle connections are closed when the test ends (a func literal calling
    it counts too). Its pool lives as long as the test, not forever."""
    holders = _idle_holders(node)
    func = named_function(node)
    body = field(func, "body") if func is not None else None
    if not holders or body is None:
        return False
    testing = {text(n) for decl in named_children(field(func, "parameters"))
               if text(field(decl, "type")).replace(" ", "") in _TESTING_TYPES
               for n in decl.children_by_field_name("name")}
    for call in ctx.file.within("call_expression", body):
        callee = unparen(field(call, "function"))
        if callee is None or callee.type != "selector_expression" or text(
                field(callee, "field")) != "Cleanup" or text(
                field(callee, "operand")) not in testing:
            continue
        args = named_children(field(call, "arguments"))
        arg = unparen(args[0]) if len(args) == 1 else None
        if arg is None:
            continue
        if arg.type == "selector_expression" and any(_closes_idle(arg, h) for h in holders):
            return True
        if arg.type == "func_literal" and any(
                _closes_idle(unparen(field(c, "function")), h)
                for c in ctx.file.within("call_expression", arg) for h in holders):
            return True
    return False


def _idle_holders(node: Node) -> set[str]:
    """The local names whose CloseIdleConnections reaches the Transport literal: the
    variable it is assigned to, and the client literal's variable when it is built as
    that client's `Transport:` field."""
    holders = {name} if (name := _variable_of(node)) else set()
    element = node.parent
    while element is not None and element.type in ("unary_expression", "literal_element"):
        element = element.parent
    if element is not None and element.type == "keyed_element" and text(
            element.named_children[0]).strip() == "Transport":
        literal = element.parent.parent if element.parent is not None else None
        if literal is not None and literal.type == "composite_literal" and (
                client := _variable_of(literal)):
            holders.add(client)
    return holders


def _placeholder_server(ctx: GoCheckContext, node: Node, fields: dict[str, Node]) -> bool:
    """`server: &http.Server{}` in a constructor's literal (or `m.server = &http.Server{}`)
    with nothing set, where the package assigns that field another server literal: the
    empty one is a placeholder the configured one replaces before anything serves."""
    if fields:
        return False
    stored = _stored_field(ctx, node)
    if stored is None:
        return False
    _owner, name = stored
    for file in ctx.resolver.index.files:
        if file.root is None or f".{name}".encode() not in file.data:
            continue
        for stmt in file.within("assignment_statement", file.root):
            targets = named_children(field(stmt, "left"))
            values = named_children(field(stmt, "right"))
            for target, value in zip(targets, values, strict=False):
                value = unparen(value)
                if value is not None and value.type == "unary_expression":
                    value = unparen(field(value, "operand"))
                if target.type == "selector_expression" and text(
                        field(target, "field")) == name and value is not None and (
                        value.type == "composite_literal") and value != node and (
                        named_children(field(value, "body"))):
                    return True
    return False


def _idle_closed_on_return(ctx: GoCheckContext, node: Node) -> bool:
    """`defer tr.CloseIdleConnections()` (or on a client of the function sending through
    tr): the Transport's idle connections are closed when the function that built it
    returns, so none waits in its pool for an idle timeout. (Building one per call is
    LL301's concern, not this rule's.)"""
    func = enclosing_function(node)
    body = field(func, "body") if func is not None else None
    if body is None:
        return False
    holders = _idle_holders(node)
    if not holders:
        return False
    for defer in ctx.file.within("defer_statement", body):
        if enclosing_function(defer) != func:
            continue
        call = next((c for c in defer.named_children if c.type == "call_expression"), None)
        function = unparen(field(call, "function")) if call is not None else None
        if any(_closes_idle(function, holder) for holder in holders):
            return True
    return _idle_closed_after_last_use(node, holders)


def _idle_closed_after_last_use(node: Node, holders: set[str]) -> bool:
    """`tr.CloseIdleConnections()` as a statement of the block that builds the Transport,
    after it, with no use of the Transport or its client after that statement (in the
    function): every idle connection it kept is closed once it is done with."""
    statement = node
    while statement.parent is not None and statement.parent.type not in (
            "block", "statement_list"):
        statement = statement.parent
    block = statement.parent
    func = enclosing_function(node)
    if block is None or func is None:
        return False
    closing = None
    sibling = statement.next_named_sibling
    while sibling is not None:
        call = next((c for c in sibling.named_children if c.type == "call_expression"),
                    None) if sibling.type == "expression_statement" else None
        if call is not None and any(_closes_idle(unparen(field(call, "function")), h)
                                    for h in holders):
            closing = sibling
        sibling = sibling.next_named_sibling
    if closing is None:
        return False
    body = field(func, "body")
    # What is built from the Transport (`client := &http.Client{Transport: tr}`) uses it.
    holders = set(holders)
    for _ in range(3):
        for decl in walk(body):
            if decl.type not in ("short_var_declaration", "assignment_statement"):
                continue
            values = named_children(field(decl, "right"))
            value = unparen(values[0]) if len(values) == 1 else None
            if value is not None and value.type == "unary_expression":
                value = unparen(field(value, "operand"))
            if value is not None and value.type == "composite_literal" and any(
                    n.type == "identifier" and text(n) in holders for n in walk(value)):
                holders.update(text(n) for n in named_children(field(decl, "left"))
                               if n.type == "identifier" and text(n) != "_")
    return not any(n.start_byte >= closing.end_byte for h in holders
                   for n in identifiers(body, h))


def _closes_idle(selector: Node | None, name: str) -> bool:
    return selector is not None and selector.type == "selector_expression" and text(
        field(selector, "operand")) == name and text(
        field(selector, "field")) == "CloseIdleConnections"


def _transport_replaced(ctx: GoCheckContext, literal: Node) -> bool:
    """In a test, the client is handed to a package function that sets its Transport
    (httpmock.ReplaceTripper(c, reg)): the transport is a double, as if injected."""
    return ctx.file.path.name.endswith("_test.go") and _set_by_callee(
        ctx, literal, "Transport", after=False)


def _configured_by_wrapper(ctx: GoCheckContext, literal: Node,
                           names: tuple[str, ...]) -> bool:
    """`srv := graceful.WithDefaults(&http.Server{...})`,
    `utilnet.SetOldTransportDefaults(&http.Transport{...})`: the literal goes straight
    into a call whose result is kept in its place. A module function counts when it
    assigns one of the named fields on that parameter; another module's function, which
    cannot be read, when its name says it fills in defaults (an instrumentation wrapper,
    `otelhttp.NewTransport(tr)`, fills in nothing)."""
    outer = literal
    if outer.parent is not None and outer.parent.type == "unary_expression":
        outer = outer.parent
    arguments = outer.parent
    call = arguments.parent if arguments is not None and (
        arguments.type == "argument_list") else None
    if call is None or call.type != "call_expression" or call.parent is None or (
            call.parent.type == "expression_statement"):
        return False
    owner = enclosing_function(call)
    if owner is None:
        return False
    callee = ctx.resolver.callee(call, ctx.env(owner), ctx.file)
    if callee.info is not None and callee.index is not None:
        position = named_children(arguments).index(outer)
        return any(_sets_param_field(callee.info, callee.index, position, name)
                   for name in names)
    return callee.kind == "third" and "Default" in callee.name


_TIMEOUT_FIELDS = {TRANSPORT: ("IdleConnTimeout",),
                   SERVER: ("IdleTimeout", "ReadTimeout", "ReadHeaderTimeout")}


def _timeouts_set_by_callees(ctx: GoCheckContext, node: Node, t) -> set[str]:
    """`transport := http.Transport{}; initTransport(&transport)`: the timeouts a module
    function it is handed to sets on it on every path (a statement of its body, not of a
    branch: one set only for some schemes leaves the others without)."""
    return {name for name in _TIMEOUT_FIELDS.get(t, ())
            if _set_by_callee(ctx, node, name, after=True, always=True)}


def _timeout_set_by_callee(ctx: GoCheckContext, literal: Node) -> bool:
    """c := &http.Client{}; configure(c, opts): the client is handed to a module function
    that writes its Timeout (`p.Timeout = d` on that parameter), as if the function
    assigned it itself."""
    return _set_by_callee(ctx, literal, "Timeout", after=True)


def _set_by_callee(ctx: GoCheckContext, literal: Node, name: str, after: bool,
                   always: bool = False) -> bool:
    """The variable holding the literal is passed (after it, with `after`) to a module
    function that assigns `p.<name>` on that parameter (with `always`, in a statement of
    its body itself)."""
    variable = _variable_of(literal)
    owner = enclosing_function(literal)
    body = field(owner, "body") if owner is not None else None
    if not variable or body is None:
        return False
    env = ctx.env(owner)
    for call in ctx.file.within("call_expression", body):
        if after and call.start_byte < literal.end_byte:
            continue
        spelled = [text(a).lstrip("&") for a in named_children(field(call, "arguments"))]
        if variable not in spelled:
            continue
        callee = ctx.resolver.callee(call, env, ctx.file)
        if callee.info is not None and callee.index is not None and _sets_param_field(
                callee.info, callee.index, spelled.index(variable), name, always):
            return True
    return False


def _sets_param_field(info, index, position: int, name: str, always: bool = False) -> bool:
    """Does the function assign `p.<name> = ...` to its position-th parameter p (and not
    rebind p)? With `always`, in a statement of the body itself, not of a branch."""
    def sets(body: Node, param: str) -> bool:
        top = statements(body)
        assignments = [(stmt, t) for stmt in info.file.within("assignment_statement", body)
                       for t in named_children(field(stmt, "left"))]
        return any(t.type == "selector_expression" and text(field(t, "operand")) == param
                   and text(field(t, "field")) == name and (not always or stmt in top)
                   for stmt, t in assignments) and not any(
            t.type == "identifier" and text(t) == param for _, t in assignments)  # rebound

    return param_fact(info, index, position,
                      f"sets-param-field{':always' if always else ''}:{name}", sets)


def _fake_assigned_later(ctx: GoCheckContext, node: Node, fields: dict[str, Node]) -> bool:
    """c := &http.Client{}; ...; c.Transport = reg: the transport installed after
    construction is what the client dials with. When the literal names none and every
    later `c.Transport = ...` installs an in-memory double, nothing can stall it."""
    values = _transports_installed_later(ctx, node, fields)
    return bool(values) and all(_fake_transport(ctx, node, v) for v in values)


def _deadline_transport_assigned_later(ctx: GoCheckContext, node: Node,
                                       fields: dict[str, Node]) -> bool:
    """c := &http.Client{}; tr = &http.Transport{Dial: ...}; c.Transport = tr: every
    Transport installed after construction dials connections with read deadlines."""
    scope = enclosing_function(node)
    values = _transports_installed_later(ctx, node, fields)
    if scope is None or not values:
        return False
    for value in values:
        value = unparen(value)
        if value is not None and value.type == "identifier":
            value = unparen(assigned_before(ctx.file, scope, text(value), value.start_byte))
        if value is None or not dials_with_deadlines(ctx.resolver, ctx.file, value):
            return False
    return True


def _transports_installed_later(ctx: GoCheckContext, node: Node,
                                fields: dict[str, Node]) -> list[Node]:
    """The values of `c.Transport = v` after a client literal that names no Transport."""
    return [] if "Transport" in fields else _assigned_values(ctx, node, "Transport")


def _assigned_values(ctx: GoCheckContext, node: Node, name: str) -> list[Node]:
    """The values assigned as `v.<name> = value` to the variable holding node, in the
    function that builds it."""
    variable = _variable_of(node)
    scope = enclosing_function(node)
    root = field(scope, "body") if scope is not None else None
    if not variable or root is None:
        return []
    out = []
    for stmt in ctx.file.within("assignment_statement", root):
        targets = named_children(field(stmt, "left"))
        values = named_children(field(stmt, "right"))
        if len(targets) != len(values):
            continue
        for target, value in zip(targets, values, strict=True):
            if target.type == "selector_expression" and text(
                    field(target, "operand")) == variable and text(
                    field(target, "field")) == name:
                out.append(value)
    return out


def _is_parameter(func: Node | None, name: str) -> bool:
    """name is a parameter of func or of a function enclosing it."""
    while func is not None:
        for decl in named_children(field(func, "parameters")):
            if any(text(n) == name for n in decl.children_by_field_name("name")):
                return True
        func = enclosing_function(func)
    return False


def _literal_type(literal: Node) -> Node | None:
    """The literal's type, or for an elided element ([]*http.Server{{...}}) the
    element type of the enclosing slice, array or map literal."""
    own = field(literal, "type") if literal.type == "composite_literal" else None
    if own is not None:
        return own
    parent = literal.parent
    if parent is not None and parent.type == "literal_element":
        parent = parent.parent
        if parent is not None and parent.type == "keyed_element":
            parent = parent.parent
    if parent is None or parent.type != "literal_value":
        return None
    outer = parent.parent
    if outer is None or outer.type != "composite_literal":
        return None
    outer_type = _literal_type(outer)
    if outer_type is None:
        return None
    if outer_type.type in ("slice_type", "array_type", "implicit_length_array_type"):
        return field(outer_type, "element")
    if outer_type.type == "map_type":
        return field(outer_type, "value")
    return None


def _literal_fields(literal: Node) -> dict[str, Node]:
    return _value_fields(field(literal, "body"))


def _value_fields(body: Node | None) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for element in named_children(body):
        if element.type != "keyed_element":
            continue
        key = field(element, "key")
        value = field(element, "value")
        if key is None:
            children = element.named_children
            key, value = (children[0], children[1]) if len(children) == 2 else (None, None)
        if key is not None and value is not None:
            out[text(key).strip()] = value
    return out


def _is_zero(value: Node) -> bool:
    return text(value).strip() in ("0", "0 * time.Second", "time.Duration(0)")


def _variable_of(node: Node) -> str | None:
    """The local or package variable a constructed value is assigned to."""
    child, parent = node, node.parent
    while parent is not None and parent.type in ("unary_expression", "parenthesized_expression"):
        child, parent = parent, parent.parent
    if node.type == "var_spec":
        names = node.children_by_field_name("name")
        return text(names[0]) if names else None
    if parent is None:
        return None
    target = assigned_target(child)
    return text(target) if target is not None else None


def _assigned_fields(ctx: GoCheckContext, node: Node) -> set[str]:
    """Fields set later as `v.Field = ...` on the variable holding the value."""
    name = _variable_of(node)
    if not name:
        return set()
    scope = enclosing_function(node)
    root = field(scope, "body") if scope is not None else None
    if root is None:
        root = node
        while root.parent is not None:
            root = root.parent
    out = set()
    for stmt in ctx.file.within("assignment_statement", root):
        for target in named_children(field(stmt, "left")):
            if target.type == "selector_expression" and text(field(target, "operand")) == name:
                out.add(text(field(target, "field")))
            elif target.type == "unary_expression" and text(target).replace(" ", "") == (
                    "*" + name):
                out.update(("Timeout", "IdleConnTimeout", "IdleTimeout", "ReadTimeout",
                            "ReadHeaderTimeout"))  # *c = *orig copies every field
    return out


def _keepalives_switched_off(ctx: GoCheckContext, node: Node) -> bool:
    """srv.SetKeepAlivesEnabled(false) on the variable holding the server: it closes every
    connection after its response, so none sits idle."""
    name = _variable_of(node)
    scope = enclosing_function(node)
    root = field(scope, "body") if scope is not None else None
    if not name or root is None:
        return False
    for call in ctx.file.within("call_expression", root):
        callee = unparen(field(call, "function"))
        if callee is not None and callee.type == "selector_expression" and text(
                field(callee, "operand")) == name and text(
                field(callee, "field")) == "SetKeepAlivesEnabled" and [
                text(a) for a in named_children(field(call, "arguments"))] == ["false"]:
            return True
    return False


# Fields of a Client read as settings to copy (`&http.Client{Transport: src.Transport}`).
_CLIENT_SETTINGS = frozenset({"Transport", "Jar", "CheckRedirect", "Timeout"})


def _settings_read_only(ctx: GoCheckContext, selector: Node) -> bool:
    """`http.DefaultClient.Transport`, or `src = http.DefaultClient` into a local read
    only for its settings and compared with nil: the default client never sends here."""
    if _reads_setting(selector):
        return True
    target = assigned_target(selector)
    if target is None or target.type != "identifier" or target.parent is None or len(
            named_children(target.parent)) != 1:
        return False
    name = text(target)
    owner = enclosing_function(selector)
    body = field(owner, "body") if owner is not None else None
    if body is None or not (_local_variable(ctx.file, body, selector, name)
                            or _is_parameter(owner, name)):
        return False
    for ident in identifiers(body, name):
        if ident == target:
            continue
        parent = ident.parent
        if parent is not None and parent.type == "binary_expression" and text(
                field(parent, "operator")) in ("==", "!=") and text(
                field(parent, "right")) == "nil":
            continue
        if parent is not None and parent.type == "expression_list" and parent.parent and (
                parent.parent.type == "assignment_statement") and field(
                parent.parent, "left") == parent:
            continue  # given another value
        if _restores_default(ident):
            continue  # `http.DefaultClient = orig`: saved to be put back, never sent on
        if not _reads_setting(ident):
            return False
    return True


def _restores_default(ident: Node) -> bool:
    """The identifier is the one value assigned back to X.DefaultClient (a test's
    `t.Cleanup(func() { http.DefaultClient = orig })`)."""
    values = ident.parent
    statement = values.parent if values is not None else None
    if values is None or statement is None or statement.type != "assignment_statement" or (
            field(statement, "right") != values) or len(named_children(values)) != 1:
        return False
    targets = named_children(field(statement, "left"))
    return len(targets) == 1 and targets[0].type == "selector_expression" and text(
        field(targets[0], "field")) == "DefaultClient"


def _reads_setting(value: Node) -> bool:
    parent = value.parent
    if parent is None or parent.type != "selector_expression" or field(
            parent, "operand") != value or text(field(parent, "field")) not in (
            _CLIENT_SETTINGS):
        return False
    outer = parent.parent
    return not (outer is not None and outer.type == "expression_list" and outer.parent and (
        outer.parent.type == "assignment_statement") and field(outer.parent, "left") == outer)


def _bounded_do(ctx: GoCheckContext, selector: Node) -> bool:
    """http.DefaultClient.Do(req) where req carries a context with a deadline."""
    method = selector.parent
    call = method.parent if method is not None else None
    if method is None or call is None or method.type != "selector_expression" or (
            text(field(method, "field")) != "Do") or call.type != "call_expression":
        return False
    args = named_children(field(call, "arguments"))
    return len(args) == 1 and request_bounded(ctx.resolver, ctx.file, args[0])


def _default_client_timed(ctx: GoCheckContext) -> bool:
    """The package sets `http.DefaultClient.Timeout = d`: the process's default client
    has a timeout wherever it is used."""
    key = "ll402:default-client-timed"
    index = ctx.resolver.index
    cached = index.summaries.get(key)
    if isinstance(cached, bool):
        return cached
    found = False
    for file in index.files:
        if b"DefaultClient.Timeout" not in file.data or file.root is None:
            continue
        aliases = {alias for alias, path in file.imports.items() if path == HTTP}
        for stmt in file.within("assignment_statement", file.root):
            targets = named_children(field(stmt, "left"))
            if any(text(t).replace(" ", "") in {f"{a}.DefaultClient.Timeout" for a in aliases}
                   for t in targets):
                found = True
                break
        if found:
            break
    index.summaries[key] = found
    return found


def _callee_sends_bounded(ctx: GoCheckContext, node: Node) -> bool:
    """`hpke.FetchPublicKey(ctx, http.DefaultClient, url)`: the client is handed to a
    function of the module that only sends, through that parameter, requests carrying
    a deadline context (its own, or one its callers pass)."""
    args = node.parent
    call = args.parent if args is not None else None
    if args is None or call is None or args.type != "argument_list":
        return False
    owner = enclosing_function(call)
    return _param_sends_bounded(ctx.resolver, ctx.file, call, named_children(args).index(
        node), ctx.env(owner) if owner is not None else None)


def _param_sends_bounded(resolver: Resolver, file: GoFile, call: Node, position: int,
                         env=None, depth: int = 0) -> bool:
    """The module function a call reaches only sends, through its position-th parameter,
    requests carrying a deadline (its own, or from the context arguments of this call),
    or gives the client it is handed (or the copy it keeps) a Timeout; handing the
    parameter on to another module function counts as that function's sends
    (`uploadWithRetry(client)` calling `upload(ctx, client)` under a timeout)."""
    owner = enclosing_function(call)
    if depth > 3:
        return False
    if env is None:
        # A package variable's initialiser (`var d = NewDiscovery(&http.Client{})`)
        # has no locals.
        env = resolver.env_for(owner, file, None) if owner is not None else Env()
    callee = resolver.callee(call, env, file)
    info = callee.info
    body = field(info.node, "body") if info is not None else None
    if info is None or callee.index is None or body is None:
        return False
    if position >= len(info.params):
        return False
    if _sets_param_field(info, callee.index, position, "Timeout") or (
            _copies_param_with_timeout(info, callee.index, position)):
        # `p.Timeout = d`, or `cp := *p; cp.Timeout = d` and p used for nothing else:
        # whatever the function sends through the client it is given is bounded.
        return True
    name = info.params[position][0]
    args = named_children(field(call, "arguments"))
    sub = resolver_for(resolver, callee.index)
    sends = 0
    for ident in walk(body):
        if ident.type != "identifier" or text(ident) != name:
            continue
        use = ident.parent
        if use is not None and use.type == "parameter_declaration":
            continue
        if use is not None and use.type == "argument_list" and use.parent is not None and (
                use.parent.type == "call_expression"):
            if not _param_sends_bounded(sub, info.file, use.parent,
                                        named_children(use).index(ident), None, depth + 1):
                return False
            sends += 1
            continue
        if use is not None and use.type == "literal_element" and use.parent is not None and (
                use.parent.type == "keyed_element") and use.parent.named_children[0] == use:
            continue  # the key of `{c: c}`, a field name
        if use is not None and use.type == "literal_element":
            # `return &Discovery{c: client}`: a constructor storing the client in a field
            # whose every reader sends only requests with a deadline.
            if not _literal_field_bounded(resolver, info.file, callee.index, use):
                return False
            sends += 1
            continue
        method = use if use is not None and use.type == "selector_expression" else None
        send = method.parent if method is not None else None
        if method is None or send is None or send.type != "call_expression" or text(
                field(method, "field")) != "Do":
            return False
        request = named_children(field(send, "arguments"))
        by = request_bounded_by(sub, info.file, request[0]) if len(request) == 1 else None
        if by is None or any(p >= len(args) or not context_bounded(
                resolver, file, args[p]) for p in by):
            return False
        sends += 1
    return sends > 0


def _expected_to_fail(ctx: GoCheckContext, call: Node) -> bool:
    """`_, err := http.Get(u); require.Error(t, err)`: a test asserting at once that the
    request fails (a refused connection) expects no peer to answer it."""
    if not ctx.file.path.name.endswith("_test.go"):
        return False
    values = call.parent
    stmt = values.parent if values is not None and values.type == "expression_list" else None
    if stmt is None or stmt.type not in ("short_var_declaration", "assignment_statement"):
        return False
    targets = named_children(field(stmt, "left"))
    err = targets[-1] if len(targets) >= 2 else None
    if err is None or err.type != "identifier":
        return False
    following = stmt.next_named_sibling
    while following is not None and following.type == "comment":
        following = following.next_named_sibling
    check = following.named_children[0] if following is not None and (
        following.type == "expression_statement") and following.named_children else None
    found = assertion(ctx.file, check) if check is not None else None
    return found is not None and found.name in ERROR_ASSERTIONS and any(
        text(a) == text(err) for a in found.args)


def _built_for_its_transport(ctx: GoCheckContext, node: Node) -> bool:
    """`client := &http.Client{Transport: tr}; proxy(client.Transport)`: the client is
    built only to hand its Transport on (to a reverse proxy, which has no use for a
    client timeout) and is then dropped; it never sends. (Outside tests, a client that
    is merely dropped stays reported: it is more likely unfinished code than unused.)"""
    name = _variable_of(node)
    func = enclosing_function(node)
    body = field(func, "body") if func is not None else None
    if not name or body is None:
        return False
    handed = any(
        text(field(sel, "field")) == "Transport" and text(field(sel, "operand")) == name
        and not _configures_field(sel) for sel in ctx.file.within("selector_expression", body))
    return handed and dropped_unsent(ctx.resolver, ctx.file, node)


def _compared(value: Node) -> bool:
    """`c == http.DefaultClient`: an identity test sends nothing."""
    parent = value.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    return parent is not None and parent.type == "binary_expression" and text(
        field(parent, "operator")) in ("==", "!=")


def _returned_client_bounded(ctx: GoCheckContext, value: Node) -> bool:
    """A client a package function hands back (`return http.DefaultClient` in a getter,
    `return &http.Client{Transport: tr}` in a factory) whose every call in the package
    uses the result only for deadline-bound requests: `s.client().Do(req)`, kept in a
    field or a local that only sends such requests, or compared (a test of which client
    it hands out)."""
    holder = _outermost_value(value).parent
    if holder is not None and holder.type == "expression_list":
        holder = holder.parent
    func = enclosing_function(value)
    if holder is None or holder.type != "return_statement" or func is None or (
            func.type not in ("function_declaration", "method_declaration")):
        return False
    name = text(field(func, "name"))
    if not name or not ctx.resolver.index.load_mentioning(name.encode() + b"("):
        return False  # a caller that cannot be read
    sends = 0
    for file in ctx.resolver.index.files:
        if name.encode() not in file.data:
            continue
        other = ctx if file is ctx.file else GoCheckContext(file, ctx.resolver, ctx.report)
        for call in file.calls_named(name):
            owner = enclosing_function(call)
            if owner is None or not calls_function(ctx.resolver, file, owner, call, func):
                continue  # a same-named method or function elsewhere
            if _compared(call):
                continue  # not a send: at least one bounded one is still wanted
            if not (_sent_inline_bounded(other, call) or _field_sends_bounded(other, call)
                    or _local_sends_bounded(ctx.resolver, file, call)):
                return False
            sends += 1
    return sends > 0


def _copy_given_timeout(ctx: GoCheckContext, selector: Node) -> bool:
    """c := *http.DefaultClient; c.Timeout = d: the copy is bounded, the default client
    itself is never used."""
    parent = selector.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is not None and parent.type == "expression_list":
        # client := http.DefaultClient; client.Timeout = d: the default client itself is
        # given a timeout (every user of it shares that setting).
        return "Timeout" in _assigned_fields(ctx, selector)
    if parent is None or parent.type != "unary_expression" or text(
            field(parent, "operator")) != "*":
        return False
    return "Timeout" in _assigned_fields(ctx, parent)


def _copies_param_with_timeout(info, index, position: int) -> bool:
    """`cp := *httpClient; cp.Timeout = d` and the parameter used for nothing else (but
    a nil check): the function keeps a bounded copy of the client it is given."""
    def copies_bounded(body: Node, param: str) -> bool:
        copies: list[str] = []
        for ident in identifiers(body, param):
            parent = ident.parent
            if (parent is not None and parent.type == "binary_expression") or _defines(
                    ident):
                continue  # `if httpClient == nil { httpClient = &http.Client{} }`
            if parent is not None and parent.type == "literal_element" and (
                    parent.parent is not None and parent.parent.type == "keyed_element"
                    and parent.parent.named_children[0] == parent):
                continue  # `&Client{httpClient: &cp}`: a field's key, not the parameter
            if parent is None or parent.type != "unary_expression" or text(
                    field(parent, "operator")) != "*":
                return False
            copy = assigned_target(parent)
            if copy is None or copy.type != "identifier":
                return False
            copies.append(text(copy))
        set_fields = {text(t).replace(" ", "")
                      for stmt in info.file.within("assignment_statement", body)
                      for t in named_children(field(stmt, "left"))}
        return bool(copies) and all(f"{c}.Timeout" in set_fields for c in copies)

    return param_fact(info, index, position, "copies-param-timeout", copies_bounded)


# What a function may do with a local client besides sending bounded requests: set it up.
_CLIENT_SETUP = {"Transport", "CheckRedirect", "Jar", "Timeout"}


def _requests_bounded(ctx: GoCheckContext, node: Node) -> bool:
    return _local_sends_bounded(ctx.resolver, ctx.file, node) or _sent_inline_bounded(
        ctx, node)


def _sent_inline_bounded(ctx: GoCheckContext, node: Node) -> bool:
    """`(&http.Client{Transport: tr}).Do(req)`: built and used for one request in one
    expression, whose request carries a deadline."""
    outer = node
    while outer.parent is not None and (outer.parent.type == "parenthesized_expression" or (
            outer.parent.type == "unary_expression" and text(
                field(outer.parent, "operator")) == "&")):
        outer = outer.parent
    method = outer.parent
    call = method.parent if method is not None else None
    if method is None or method.type != "selector_expression" or field(
            method, "operand") != outer or text(field(method, "field")) != "Do" or (
            call is None or call.type != "call_expression"):
        return False
    args = named_children(field(call, "arguments"))
    return len(args) == 1 and request_bounded(ctx.resolver, ctx.file, args[0])


def _local_sends_bounded(resolver: Resolver, file: GoFile, node: Node) -> bool:
    """A client held in a local variable whose every use in the function is Do(req) with
    a request carrying a deadline context (or a write of its setup fields, or the
    variable given another client): each request it sends is bounded. A client that
    escapes (returned, stored, passed, other methods) may send unbounded ones."""
    name = _variable_of(node)
    func = enclosing_function(node)
    body = field(func, "body") if func is not None else None
    if not name or body is None or node.type == "var_spec":
        return False
    if not _local_variable(file, body, _outermost_value(node), name):
        return False  # only a variable this function declares is known to stay here
    bounded = False
    for ident in walk(body):
        if ident.type != "identifier" or text(ident) != name or _defines(ident):
            continue
        if ident.end_byte <= node.start_byte and name in file.imports:
            continue  # before the declaration the name is an imported package's
        use = ident.parent
        if use is not None and use.type == "argument_list" and use.parent is not None and (
                use.parent.type == "call_expression"):
            # `c.probe(ctx, client)`: a module function that only sends bounded requests
            # through that parameter; `ctxhttp.Do(ctx, client, req)` under a deadline.
            if not (_ctxhttp_bounded(resolver, file, ident) or _param_sends_bounded(
                    resolver, file, use.parent, named_children(use).index(ident))):
                return False
            bounded = True
            continue
        if _compared(ident):
            continue  # `if client == nil`: a test, not a send
        if use is None or use.type != "selector_expression" or field(use, "operand") != ident:
            return False
        member = text(field(use, "field"))
        call = use.parent
        if member == "Do" and call is not None and call.type == "call_expression":
            args = named_children(field(call, "arguments"))
            if len(args) != 1 or not request_bounded(resolver, file, args[0]):
                return False
            bounded = True
        elif member == "CloseIdleConnections" and call is not None and (
                call.type == "call_expression"):
            continue  # `defer client.CloseIdleConnections()`: sends nothing
        elif not (member in _CLIENT_SETUP and _configures_field(use)):
            return False
    return bounded


def _package_var_sends_bounded(ctx: GoCheckContext, node: Node) -> bool:
    """An unexported package variable (`var apiClient = &http.Client{}`) whose every use
    in the package is `apiClient.Do(req)` with a request carrying a deadline context, a
    write of its setup fields or CloseIdleConnections: each request it sends is bounded.
    Every identifier spelled so in the package must be one of those or the declaration
    (a local of the same name makes the answer no, never yes)."""
    name = _variable_of(node)
    value = _outermost_value(node)
    holder = value.parent
    if holder is not None and holder.type == "expression_list":
        holder = holder.parent
    if not name or not name[0].islower() or holder is None or holder.type != "var_spec" or (
            enclosing_function(node) is not None):
        return False
    if not ctx.resolver.index.load_mentioning(name.encode()):
        return False  # a file of the package naming it cannot be parsed
    mentions = uses = sends = 0
    for file in ctx.resolver.index.files:
        if name.encode() not in file.data:
            continue
        named = identifiers(file.root, name)
        mentions += len(named)
        for selector in file.nodes("selector_expression"):
            operand = field(selector, "operand")
            if operand is None or operand.type != "identifier" or text(operand) != name:
                continue
            member = text(field(selector, "field"))
            call = selector.parent
            if member == "Do" and call is not None and call.type == "call_expression":
                args = named_children(field(call, "arguments"))
                if len(args) != 1 or not request_bounded(ctx.resolver, file, args[0]):
                    return False
                sends += 1
            elif not ((member == "CloseIdleConnections" and call is not None and (
                    call.type == "call_expression")) or (
                    member in _CLIENT_SETUP and _configures_field(selector))):
                return False
            uses += 1
        for ident in named:
            arguments = ident.parent
            if arguments is None or arguments.type != "argument_list" or (
                    arguments.parent is None):
                continue
            # `p.fetch(ctx, defaultClient)`: a module function sending through its
            # parameter only requests with a deadline (the caller's, traced up).
            caller = enclosing_function(ident)
            env = ctx.resolver.env_for(caller, file, None) if caller is not None else None
            if env is None or not _param_sends_bounded(
                    ctx.resolver, file, arguments.parent,
                    named_children(arguments).index(ident), env):
                return False
            sends += 1
            uses += 1
    return sends > 0 and mentions == uses + 1


def _local_variable(file: GoFile, body: Node, value: Node, name: str) -> bool:
    """The value lands in a variable the function declares: `c := v`, `var c = v`, or
    `c = v` after `var c *http.Client` in the same function (and no other declaration of
    the name)."""
    target = assigned_target(value)
    if target is not None and target.parent is not None and target.parent.type == "var_spec":
        return True  # `var c = v` in the function
    holder = target.parent.parent if target is not None and target.parent else None
    if holder is None:
        return False
    if holder.type == "short_var_declaration":
        return True
    if holder.type != "assignment_statement":
        return False
    specs = [s for s in file.within("var_spec", body)
             if any(text(n) == name for n in s.children_by_field_name("name"))]
    shorts = [s for s in file.within("short_var_declaration", body)
              if any(text(n) == name for n in named_children(field(s, "left")))]
    if len(shorts) == 1 and not specs:
        # `client := r.HTTPClient; if client == nil { client = http.DefaultClient }`
        return shorts[0].start_byte < holder.start_byte
    return len(specs) == 1 and not shorts and field(specs[0], "value") is None and (
        specs[0].start_byte < holder.start_byte)


def _defines(ident: Node) -> bool:
    """The identifier is declared (`var c T`, `c :=`) or given a whole new value
    (`c = v`) here: not a use of the client it held."""
    parent = ident.parent
    if parent is not None and parent.type == "var_spec":
        return True
    stmt = parent.parent if parent is not None and parent.type == "expression_list" else None
    return stmt is not None and stmt.type in (
        "short_var_declaration", "assignment_statement") and field(stmt, "left") == parent and (
        stmt.type == "short_var_declaration" or text(field(stmt, "operator")) == "=")


def _field_sends_bounded(ctx: GoCheckContext, node: Node) -> bool:
    """A client stored in a field of a module struct (`d.F = c` or `T{F: c}`) whose
    every read, in the struct's package and in this one, is a nil check or lands in a
    local variable that only sends requests carrying a deadline context."""
    stored = _stored_field(ctx, node)
    if stored is None:
        return False
    owner, name = stored
    index = ctx.resolver.index if owner.pkg == ctx.resolver.index.key else sibling_package(
        owner.pkg, ctx.resolver.directory)
    return index is not None and _field_bounded(ctx.resolver, index, owner, name)


def _field_bounded(resolver: Resolver, index: PackageIndex, owner: TypeRef,
                   name: str) -> bool:
    """Every read of owner's field name, in owner's package (index, summarised once)
    and in the resolver's, sends only requests carrying a deadline, and one does."""
    if owner.pkg != index.key or owner.name not in index.structs:
        return False
    key = f"field-sends-bounded:{owner.pkg}.{owner.name}.{name}"
    cached = index.summaries.get(key)
    if not isinstance(cached, bool):
        index.summaries[key] = False  # recursion guard
        cached = _field_reads_bounded(resolver_for(resolver, index), index, owner,
                                      name) == 1
        index.summaries[key] = cached
    return cached and (resolver.index is index or _field_reads_bounded(
        resolver, resolver.index, owner, name) >= 0)


def _keyed_field(element: Node | None) -> tuple[Node, str] | None:
    """(struct literal, field name) when element is the value of a keyed element
    (`T{F: v}`: the element wrapping v)."""
    keyed = element.parent if element is not None and (
        element.type == "literal_element") else None
    literal = keyed.parent.parent if keyed is not None and keyed.parent is not None else None
    if keyed is None or keyed.type != "keyed_element" or literal is None or (
            literal.type != "composite_literal") or keyed.named_children[-1] != element:
        return None
    return literal, text(keyed.named_children[0]).strip()


def _stored_in_unread_field(ctx: GoCheckContext, node: Node) -> bool:
    """`h := &Recv{Client: http.DefaultClient}` (or `suite.client = &http.Client{}`)
    where nothing in the package reads `.Client`, and nothing outside can (package main,
    or an unexported field): the client is never used to send."""
    index = ctx.resolver.index
    stored = _stored_field(ctx, node)  # `&Recv{Client: c}`, or `suite.client = c`
    if stored is None or stored[0].pkg != index.key:
        return False
    owner, name = stored
    # An exported field of even an unexported type is readable wherever a value of it
    # is handed out.
    private = ctx.file.package_name() == "main" or not name[:1].isupper()
    if not private or owner.name not in index.structs or not index.load_mentioning(
            f".{name}".encode()):
        return False
    for file in index.files:
        if f".{name}".encode() not in file.data:
            continue
        for selector in file.nodes("selector_expression"):
            if text(field(selector, "field")) != name or _configures_field(selector):
                continue
            func = enclosing_function(selector)
            found = ctx.resolver.type_of(field(selector, "operand"), _env(
                ctx.resolver, file, func), file) if func is not None else None
            found = index.unalias(found) if found is not None else None
            if found is None or (found.pkg == index.key and _declaring_struct(
                    index, found.name, name) in (owner.name, None)):
                return False  # read on this type, on one embedding it, or on one not known
    return True


def _declaring_struct(index: PackageIndex, type_name: str, name: str,
                      depth: int = 0) -> str | None:
    """The struct of the package that declares the field name reached on type_name
    (itself, or one it embeds); None when it cannot be told."""
    struct = index.structs.get(type_name)
    if struct is None or depth > 3:
        return None
    if name in struct.fields:
        return type_name
    for embedded in struct.embedded:
        if embedded.pkg == index.key:
            found = _declaring_struct(index, embedded.name, name, depth + 1)
            if found is not None:
                return found
    return None


def _literal_field_bounded(resolver: Resolver, file: GoFile, index: PackageIndex,
                           element: Node) -> bool:
    """element, a keyed value of a struct literal of index's package, lands in a field
    every reader of which (there and in the resolver's package) sends only requests
    carrying a deadline."""
    stored = _keyed_field(element)
    if stored is None:
        return False
    literal, name = stored
    owner = type_from_node(field(literal, "type"), file.imports, index.key)
    return owner is not None and _field_bounded(resolver, index, owner, name)


def _stored_field(ctx: GoCheckContext, node: Node) -> tuple[TypeRef, str] | None:
    """(struct type, field name) when the value is stored in a field of a struct."""
    value = _outermost_value(node)
    element = value.parent
    if element is not None and element.type == "literal_element":
        stored = _keyed_field(element)
        if stored is None:
            return None
        literal, name = stored
        owner = type_from_node(field(literal, "type"), ctx.file.imports,
                               ctx.resolver.index.key)
    else:
        target = assigned_target(value)
        stmt = target.parent.parent if target is not None and target.parent else None
        if target is None or target.type != "selector_expression" or stmt is None or (
                stmt.type != "assignment_statement"):
            return None
        func = enclosing_function(node)
        if func is None:
            return None
        owner = ctx.resolver.type_of(field(target, "operand"), ctx.env(func), ctx.file)
        name = text(field(target, "field"))
    if owner is None or owner.pkg in ("", HTTP):
        return None
    return owner, name


def _field_reads_bounded(resolver: Resolver, index: PackageIndex, owner: TypeRef,
                         name: str) -> int:
    """-1 when some read of `.name` in the package (on an owner value, or one of an
    unknown type) may let a client send an unbounded request, 1 when every read is
    safe and one sends a bounded request, 0 when every read is safe and none sends."""
    if not index.load_mentioning(f".{name}".encode()):
        return -1  # a file reading the field cannot be parsed: its reads are unknown
    sends = 0
    for file in index.files:
        if f".{name}".encode() not in file.data:
            continue
        for selector in file.nodes("selector_expression"):
            if text(field(selector, "field")) != name or _configures_field(selector):
                continue
            if _nil_checked(selector) or _other_type(resolver, file, selector, owner) or (
                    _inspected(resolver, file, selector)):
                continue
            if _copy_given_timeout(GoCheckContext(file, resolver, None), selector):
                sends = 1  # `c := *f.defaultClient; c.Timeout = d`: only copies send
                continue
            if not (_sends_bounded_directly(resolver, file, selector)
                    or _local_sends_bounded(resolver, file, selector)
                    or _returned_client_bounded(GoCheckContext(file, resolver, None),
                                                selector)
                    or _passed_to_bounded_sender(resolver, file, selector)):
                return -1
            sends = 1
    return sends


def _passed_to_bounded_sender(resolver: Resolver, file: GoFile, value: Node) -> bool:
    """`fetch(ctx, d.c, url)`: the field read is handed to a module function that sends
    through it only requests carrying a deadline (from this call's context arguments)."""
    args = value.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    if call is None or call.type != "call_expression":
        return False
    return _param_sends_bounded(resolver, file, call, named_children(args).index(value))


def _inspected(resolver: Resolver, file: GoFile, value: Node) -> bool:
    """The value is an argument of a call that only looks at it (`assert.NotNil(t,
    p.client)`, `reflect.DeepEqual(a, p.client)`): no request."""
    args = value.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    func = enclosing_function(value)
    if call is None or call.type != "call_expression" or func is None:
        return False
    return inspector(resolver.callee(call, _env(resolver, file, func), file))


def _sends_bounded_directly(resolver: Resolver, file: GoFile, selector: Node) -> bool:
    """`s.client.Do(req)` with a request carrying a deadline context (or
    `ctxhttp.Do(ctx, s.client, req)` with a deadline ctx): the field read sends one
    bounded request and goes no further."""
    if _ctxhttp_bounded(resolver, file, selector):
        return True
    do = selector.parent
    call = do.parent if do is not None else None
    if do is None or do.type != "selector_expression" or field(do, "operand") != selector or (
            text(field(do, "field")) != "Do") or call is None or (
            call.type != "call_expression") or field(call, "function") != do:
        return False
    args = named_children(field(call, "arguments"))
    return len(args) == 1 and request_bounded(resolver, file, args[0])


_CTXHTTP = "golang.org/x/net/context/ctxhttp"
_CTXHTTP_SENDS = frozenset({"Do", "Get", "Head", "Post", "PostForm"})


def _ctxhttp_bounded(resolver: Resolver, file: GoFile, client: Node) -> bool:
    """client is the second argument of ctxhttp.Do (Get, Post...), whose first, the
    context the request is sent under, has a deadline."""
    args = client.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    function = unparen(field(call, "function")) if call is not None else None
    if function is None or function.type != "selector_expression" or text(
            field(function, "field")) not in _CTXHTTP_SENDS or file.imports.get(
            text(field(function, "operand"))) != _CTXHTTP:
        return False
    values = named_children(args)
    return len(values) >= 2 and values[1] == client and context_bounded(
        resolver, file, values[0])


def _other_type(resolver: Resolver, file: GoFile, selector: Node, owner: TypeRef) -> bool:
    """The selector's operand is known to be of another type than owner."""
    func = enclosing_function(selector)
    if func is None:
        return False
    t = resolver.type_of(field(selector, "operand"), _env(resolver, file, func), file)
    return t is not None and t != owner


def _env(resolver: Resolver, file: GoFile, func: Node):
    outer = enclosing_function(func)
    return resolver.env_for(func, file, _env(resolver, file, outer) if outer else None)


def _nil_checked(selector: Node) -> bool:
    """`x.F == nil` / `x.F != nil`: a read that uses nothing of the client."""
    parent = selector.parent
    return parent is not None and parent.type == "binary_expression" and any(
        c.type == "nil" for c in parent.named_children)


def _field_given_timeout(ctx: GoCheckContext, node: Node) -> bool:
    """Client: &http.Client{} in a struct literal, and `x.Client.Timeout = d` somewhere
    in the package: the client gets its Timeout through the field before it is used."""
    element = _outermost_value(node).parent
    if element is None or element.type != "literal_element":
        return False
    keyed = element.parent
    if keyed is None or keyed.type != "keyed_element" or keyed.named_children[-1] != element:
        return False
    key = text(keyed.named_children[0])
    wanted = f".{key}.Timeout".encode()
    for file in ctx.resolver.index.files:
        if wanted not in file.data:
            continue
        for stmt in file.nodes("assignment_statement"):
            for target in named_children(field(stmt, "left")):
                if target.type != "selector_expression" or text(field(target, "field")) != (
                        "Timeout"):
                    continue
                holder = unparen(field(target, "operand"))
                if holder is not None and holder.type == "selector_expression" and text(
                        field(holder, "field")) == key:
                    return True
    return False


def _outermost_value(node: Node) -> Node:
    while node.parent is not None and node.parent.type in (
            "unary_expression", "parenthesized_expression"):
        node = node.parent
    return node


def _configures_field(selector: Node) -> bool:
    """c.Field = ...: the selector is the target of an assignment."""
    holder = selector.parent
    stmt = holder.parent if holder is not None else None
    return holder is not None and holder.type == "expression_list" and stmt is not None and (
        stmt.type == "assignment_statement" and field(stmt, "left") == holder)


def _configures(selector: Node) -> bool:
    """http.DefaultClient.Timeout = ... and similar writes configure, not use, it."""
    parent = selector.parent
    if parent is not None and parent.type == "selector_expression":
        holder = parent.parent
        if holder is not None and holder.type == "expression_list":
            stmt = holder.parent
            if stmt is not None and stmt.type == "assignment_statement" and field(
                    stmt, "left") == holder:
                return True
    return False


def _in_never_called(ctx: GoCheckContext, node: Node, dead: dict[int, bool]) -> bool:
    """node sits in an exported function of a package only its own tree can import
    (under internal/, test/, cmd/...) that no code of the tree names: generated client
    constructors nothing calls never run, nor do the clients they build."""
    func = named_function(node)
    if func is None or func.type != "function_declaration":
        return False
    if func.id not in dead:
        dead[func.id] = never_called(ctx.file.path.parent, ctx.file.package_name(),
                                     text(field(func, "name")))
    return dead[func.id]
