"""Is http.DefaultTransport an in-memory double where a node runs? (LL402: a request over
the default transport then dials nothing, so no peer can stall it.)

Mocking libraries for net/http install their double by replacing http.DefaultTransport
(gock.New / gock.Intercept, httpmock.Activate); a package can do the same itself with
`http.DefaultTransport = fake`, directly or through one of its own helpers. Such an
installation in the function declaration around the use, or in the package's TestMain,
covers every use of the default transport in that function.

A package type's RoundTrip is summarised once (round_trip_fact): it answers from memory
(a literal, nil, a response kept in the receiver, a naked return of such), forwards to
the RoundTrippers in some of its fields, or may reach the network. A function of the
module that builds one is summarised too (constructed): it returns a double, wraps some
of its parameters, or is unknown. A wrapper is a double only when what it forwards to is.
"""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.context import enclosing_function, named_function, outermost_function
from leaklint.golang.index import FuncInfo, GoFile, PackageIndex
from leaklint.golang.parse import (
    assigned_before,
    assignment_sides,
    assignments_to,
    field,
    fields_set_after,
    inside,
    method_operand,
    named_children,
    own_returns,
    receiver_name,
    returned_values,
    text,
    unparen,
    walk,
)
from leaklint.golang.resolve import Resolver
from leaklint.golang.types import CLIENT, HTTP, type_from_node

# Third-party calls documented to swap http.DefaultTransport for an in-memory mock.
_INSTALLERS: dict[str, frozenset[str]] = {
    "gopkg.in/h2non/gock.v1": frozenset({"New", "Intercept"}),
    "github.com/h2non/gock": frozenset({"New", "Intercept"}),
    "github.com/jarcoal/httpmock": frozenset({"Activate"}),
}


def default_transport_faked(resolver: Resolver, file: GoFile, node: Node) -> bool:
    """Does the code around node run with http.DefaultTransport replaced by a double?
    In a package-level Ginkgo container (`var _ = Describe(...)`), the container is the
    code around: a BeforeEach builds the client, its specs install the mock."""
    func = named_function(node) or outermost_function(node)
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
    func = named_function(value) or outermost_function(value)
    if func is None:
        return False
    t = resolver.type_of(value, resolver.env_for(func, file, None), file)
    return t is not None and t.pkg not in (HTTP, "")


_MAX_BUILD_DEPTH = 5


def sends_in_memory(resolver: Resolver, file: GoFile, func: Node, call: Node) -> bool:
    """x.RoundTrip(req) / x.Do(req) where x, a local of func, was built around an in-memory
    double: a package type whose RoundTrip hands back no fresh response (a canned
    response, a field, nil). `NewTransport(&mockTransport{...})`, `&http.Client{Transport:
    &stub{}}`: whatever wraps the double, the response comes from memory."""
    function = unparen(field(call, "function"))
    if function is None or function.type != "selector_expression":
        return False
    # Any method that hands back a response (Do, RoundTrip, an SDK's Perform...) sends
    # through what its receiver was built around.
    operand = unparen(field(function, "operand"))
    if operand is None:
        return False
    # A local declared by the declaration around a func literal (`rt` of a `var (...)`
    # block, sent from a `t.Run` or callback closure) is looked up there.
    outer = named_function(call) or func
    # `rt.RoundTrip`, `NewWrapper(rt).RoundTrip`, `(&stub{}).Do`, `api.http.Get`.
    return operand.type in ("identifier", "call_expression", "composite_literal",
                            "unary_expression", "selector_expression") and (
        _built_around_double(resolver, file, outer, operand, 0))


def sent_through_double_argument(resolver: Resolver, file: GoFile, func: Node,
                                 call: Node) -> bool:
    """`SendWithSender(mock, req)`, `getEndpoint(ctx, mock)`: a function of the module
    that sends only through the sender it is given, given one built around an in-memory
    double: its response comes from memory."""
    args = named_children(field(call, "arguments"))
    if not args:
        return False
    outer = named_function(call) or func
    callee = resolver.callee(call, resolver.env_for(outer, file, None), file)
    if callee.info is None or callee.index is None or field(
            callee.info.node, "body") is None:
        return False
    return any(position < len(callee.info.params) and _built_around_double(
        resolver, file, outer, arg, 0) and _sends_only_through(
        resolver, callee.info, callee.index, position)
        for position, arg in enumerate(args))


def _sends_only_through(resolver: Resolver, info: FuncInfo, index: PackageIndex,
                        position: int) -> bool:
    """Every Do/RoundTrip call of the function (outside func literals) goes through what
    its parameter at position was built into, and there is at least one."""
    key = f"sendsvia:{info.key}:{position}"
    cached = index.summaries.get(key)
    if isinstance(cached, bool):
        return cached
    index.summaries[key] = False  # recursion guard
    body = field(info.node, "body")
    name = info.params[position][0] if position < len(info.params) else ""
    sub = resolver_for(resolver, index)
    sends = [call for call in info.file.within("call_expression", body)
             if (function := unparen(field(call, "function"))) is not None
             and function.type == "selector_expression"
             and text(field(function, "field")) in _SEND_METHODS
             and not inside(call, "func_literal", body)] if body is not None else []
    answer = bool(name) and name != "_" and bool(sends) and all(
        _built_around_double(sub, info.file, info.node, field(
            unparen(field(call, "function")), "operand"), 0, assumed=frozenset({name}))
        for call in sends)
    index.summaries[key] = answer
    return answer


def hijacks_recorder(resolver: Resolver, file: GoFile, func: Node, call: Node) -> bool:
    """x.Hijack() where x, a local of func, was built over an httptest.ResponseRecorder
    (`w := &wrapper{w: httptest.NewRecorder()}`, through locals and constructors): a
    writer with a connection behind it is only ever handed to a handler by the server,
    so this one hijacks nothing."""
    operand = method_operand(call, "Hijack")
    if operand is None or operand.type != "identifier":
        return False
    # In a func literal (`assert.NotPanics(t, func() { w.Hijack() })`) the writer is
    # usually built by the declaration around it.
    outer = named_function(call) or func
    value = assigned_before(file, outer, text(operand), call.start_byte)
    return value is not None and _over_recorder(resolver, file, outer, value, 0)


def _over_recorder(resolver: Resolver, file: GoFile, func: Node, value: Node | None,
                   depth: int) -> bool:
    value = unparen(value)
    if value is None or depth > 2 * _MAX_BUILD_DEPTH:  # wrappers nest deeper than doubles
        return False
    if value.type == "unary_expression":
        return _over_recorder(resolver, file, func, field(value, "operand"), depth)
    if value.type == "identifier":
        return _over_recorder(resolver, file, func, assigned_before(
            file, func, text(value), value.start_byte), depth + 1)
    if value.type == "composite_literal":
        spelled = field(value, "type")
        if spelled is not None and text(spelled).endswith("ResponseRecorder"):
            return True
        body = field(value, "body")
        return body is not None and any(
            _over_recorder(resolver, file, func, element, depth + 1)
            for element in _element_values(body))
    if value.type == "call_expression":
        owner = named_function(value) or outermost_function(value)
        if owner is not None:
            callee = resolver.callee(value, resolver.env_for(owner, file, None), file)
            if (callee.pkg, callee.name) == ("net/http/httptest", "NewRecorder"):
                return True
        return any(_over_recorder(resolver, file, func, arg, depth + 1)
                   for arg in named_children(field(value, "arguments")))
    return False


def _field_given(resolver: Resolver, file: GoFile, func: Node, selector: Node
                 ) -> Node | None:
    """For `x.f`, x a local built from a literal of a package struct, the value the
    literal gives f."""
    operand = unparen(field(selector, "operand"))
    if operand is None or operand.type != "identifier":
        return None
    built = unparen(assigned_before(file, func, text(operand), selector.start_byte))
    if built is not None and built.type == "unary_expression":
        built = unparen(field(built, "operand"))
    if built is None or built.type != "composite_literal":
        return None
    spelled = field(built, "type")
    if spelled is None or spelled.type != "type_identifier":
        return None
    return _literal_fields(resolver.index, text(spelled), field(built, "body")).get(
        text(field(selector, "field")))


def built_around_double(resolver: Resolver, file: GoFile, func: Node,
                        value: Node | None) -> bool:
    """value (an expression in func) is, or wraps, an in-memory RoundTripper."""
    return _built_around_double(resolver, file, func, value, 0)


def _built_around_double(resolver: Resolver, file: GoFile, func: Node, value: Node | None,
                         depth: int, later: dict[str, Node] | None = None,
                         assumed: frozenset[str] = frozenset()) -> bool:
    """later: the fields the literal's variable is given after it is built; assumed: the
    names (parameters of func) taken to hold a double."""
    value = unparen(value)
    if value is None or depth > _MAX_BUILD_DEPTH:
        return False
    if value.type == "identifier" and text(value) in assumed:
        return True
    if value.type == "unary_expression":
        return _built_around_double(resolver, file, func, field(value, "operand"), depth,
                                    later, assumed=assumed)
    if value.type == "composite_literal":
        spelled = field(value, "type")
        body = field(value, "body")
        if spelled is not None and spelled.type == "type_identifier":
            fact = round_trip_fact(resolver, resolver.index, text(spelled))
            if fact == MEMORY:
                return True
            if isinstance(fact, frozenset):
                # A wrapper answers from memory when every RoundTripper it forwards to,
                # as this literal fills it, does (a missing one is nil or a default).
                fields = {**_literal_fields(resolver.index, text(spelled), body),
                          **(later or {})}
                # A wrapper falling back on http.DefaultTransport (a base left nil) is a
                # double where the default is one (gock.New in the test); a base it is
                # given must be one.
                falls_back = _DEFAULT in fact and default_transport_faked(
                    resolver, file, value)
                return bool(fact) and "" not in fact and all(
                    name == _DEFAULT
                    or _built_around_double(resolver, file, func, fields.get(_field_name(name)),
                                            depth, assumed=assumed)
                    or (name.startswith(_FUNC_FIELD) and _field_name(name) not in fields)
                    or (falls_back and name not in fields)
                    for name in fact)
            # NONE: a wrapper that sends through what it holds (`&apiClient{&http.Client{
            # Transport: stub}}`) answers as that does. NETWORK: its sending method is
            # beyond the summary (retries, tracing wrappers built per request); built
            # around a double, it is one, as whoever wrote the literal meant.
        # A literal's own nesting is finite: only references (locals, calls) count
        # toward the depth.
        # Fields given after the literal (`c := Client{}; c.Sender = mock`) count too.
        elements = [*(_element_values(body) if body is not None else []),
                    *(later or {}).values()]
        return any(
            _built_around_double(resolver, file, func, element, depth, assumed=assumed)
            for element in elements)
    if value.type == "identifier":
        built = assigned_before(file, func, text(value), value.start_byte)
        given = fields_set_after(file, func, text(value), built, value.start_byte)
        if "Transport" in given:
            return _built_around_double(resolver, file, func, given["Transport"], depth + 1,
                                        assumed=assumed)
        return _built_around_double(resolver, file, func, built, depth + 1, given,
                                    assumed=assumed)
    if value.type == "func_literal":
        return _canned_round_trip(value, resolver.index)
    if value.type == "selector_expression":
        # `api.http.Get(...)`: the field as the local's struct literal filled it.
        return _built_around_double(resolver, file, func, _field_given(
            resolver, file, func, value), depth + 1, assumed=assumed)
    if value.type == "call_expression":
        args = named_children(field(value, "arguments"))
        if len(args) == 1 and (literal := unparen(args[0])) is not None and (
                literal.type == "func_literal"):
            # RoundTripperFunc(func(req) (*http.Response, error) {...}): an adapter
            # (a conversion or a constructor) around a function that answers from memory.
            return _canned_round_trip(literal, resolver.index)
        if len(args) == 1 and literal is not None and literal.type == "identifier" and (
                (named := resolver.index.funcs.get(text(literal))) is not None) and (
                named.receiver is None and _canned_round_trip(named.node, resolver.index)):
            return True  # RoundTripperFunc(canned): the same around a package function
        # In a package-level closure (a Ginkgo spec) the outermost literal holds it.
        owner = named_function(value) or outermost_function(value)
        if owner is None:
            return False
        callee = resolver.callee(value, resolver.env_for(owner, file, None), file)
        if callee.info is None and callee.kind == "third" and callee.name.startswith("With"):
            # elastictransport.WithTransport(&mockTransp{}): a library's option installing
            # what it is given.
            return any(_built_around_double(resolver, file, func, arg, depth + 1, assumed=assumed)
                       for arg in args)
        if callee.info is None or callee.index is None:
            return False
        built = constructed(resolver, callee.info, callee.index, depth)
        if built == MEMORY:
            return True
        if isinstance(built, frozenset):
            # A constructor (of this module) wrapping some of its arguments.
            return bool(built) and all(
                int(i) < len(args) and _built_around_double(
                    resolver, file, func, args[int(i)], depth + 1, assumed=assumed)
                for i in built)
        if built == NETWORK or callee.index is not resolver.index:
            return False
        # Not summarised (a reassigned parameter, a switch of wrappers): a constructor of
        # this package is taken to keep its argument.
        return any(_built_around_double(resolver, file, func, arg, depth + 1, assumed=assumed)
                   for arg in args)
    return False


# What a type's RoundTrip does (a package-level fact): MEMORY (answers without the
# network), NETWORK (may dial, or unknown), or the frozenset of its fields whose
# RoundTrip it forwards to ("" for a func type calling itself).
MEMORY, NETWORK = "memory", "network"
UNKNOWN = "unknown"  # a constructor's result the summary cannot follow
NONE = "none"  # the type sends nothing itself: what it holds does (a client wrapper)
# The methods through which a value sends: an http.RoundTripper's, or a Doer's (an
# `interface{ Do(*http.Request) (*http.Response, error) }` that SDKs accept for tests).
_SEND_METHODS = ("RoundTrip", "Do")
Fact = str | frozenset[str]


def round_trip_fact(resolver: Resolver, index: PackageIndex, type_name: str) -> Fact:
    """The fact of the package type type_name's RoundTrip (or Do, for a Doer): NONE when
    it has neither, NETWORK when one has no body."""
    key = f"roundtrip:{type_name}"
    cached = index.summaries.get(key)
    if isinstance(cached, str | frozenset):
        return cached
    index.summaries[key] = NETWORK  # recursion guard
    info = next((found for name in _SEND_METHODS
                 if (found := index.funcs.get(f"{type_name}.{name}")) is not None), None)
    fact: Fact = NONE if info is None else NETWORK
    if info is not None and field(info.node, "body") is not None:
        fact = _method_fact(resolver_for(resolver, index), info, index)
    index.summaries[key] = fact
    return fact


def _method_fact(resolver: Resolver, info: FuncInfo, index: PackageIndex) -> Fact:
    from leaklint.golang import summary
    from leaklint.golang.resolve import Callee

    if summary.result(resolver, Callee("local", index.key, info.name, info, index)) != (
            summary.FRESH):
        return MEMORY  # every return hands back no fresh response: a canned one
    receiver = receiver_name(info.node)
    func_type = info.receiver is not None and info.receiver not in index.structs and (
        info.receiver in index.aliases)
    return _Returns(resolver, info, receiver, func_type, index).fact()


class _Returns:
    """Classifies what a RoundTrip method returns first: from memory (a literal, nil, a
    field of the receiver), forwarded to a field's RoundTrip, or possibly the network."""

    def __init__(self, resolver: Resolver, info: FuncInfo, receiver: str,
                 func_type: bool, index: PackageIndex | None = None,
                 params_given: bool = False, seen: frozenset[str] = frozenset()) -> None:
        self.r, self.info, self.receiver, self.func_type = resolver, info, receiver, func_type
        self.body = field(info.node, "body")
        self.named = _result_names(info.node)
        self.index = index
        # An unexported helper method of the type (`rt.roundTrip(req, n, prev)`): what its
        # parameters hold comes from the type's own paths, judged there.
        self.params_given = params_given
        self.seen = seen

    def fact(self) -> Fact:
        """NETWORK if any first result may come from the network, else the fields every
        result is forwarded from (MEMORY when none)."""
        delegated: set[str] = set()
        for value in self.first_results():
            kind = self.classify(value, 0)
            if kind == NETWORK:
                return NETWORK
            if isinstance(kind, frozenset):
                delegated |= kind
        return frozenset(delegated) if delegated else MEMORY

    def first_results(self) -> list[object]:
        out: list[object] = []
        for ret in own_returns(self.body) if self.body is not None else []:
            values = named_children(ret.named_children[0]) if ret.named_children else []
            if values:
                out.append(values[0])
            elif self.named:
                out.extend(self.assigned(self.named[0]))  # a naked return
            else:
                out.append(None)
        return out

    def assigned(self, name: str) -> list[object]:
        """Every value given to a local (closures included); a named result never
        assigned stays nil, which is from memory."""
        out: list[object] = []
        if self.body is None:
            return [None]
        for node in walk(self.body):
            if node.type not in ("short_var_declaration", "assignment_statement", "var_spec"):
                continue
            lhs, rhs = assignment_sides(node)
            for i, target in enumerate(lhs):
                if text(target) != name:
                    continue
                if node.type == "var_spec" and not rhs:
                    out.append(None)  # `var resp *http.Response`: nil until assigned
                elif len(rhs) == len(lhs):
                    out.append(rhs[i])
                elif len(rhs) == 1 and i == 0:
                    out.append(rhs[0])  # out, err = f(): the call gives the response
                else:
                    out.append(_UNKNOWN)
        return out

    def classify(self, given: object, depth: int) -> Fact:
        if given is _UNKNOWN or depth > 4:
            return NETWORK
        value = unparen(given) if isinstance(given, Node) else None
        if value is None or value.type == "nil":
            return MEMORY
        if value.type == "unary_expression":
            return self.classify(field(value, "operand"), depth)
        if value.type == "composite_literal":
            return MEMORY
        if value.type in ("selector_expression", "index_expression") and (
                self._rooted_at_receiver(value)):
            return MEMORY  # a response kept in the receiver (canned, recorded)
        if value.type == "identifier":
            name = text(value)
            if name == self.receiver:
                return NETWORK
            if self.info.param_index(name) is not None:
                return MEMORY if self.params_given else NETWORK
            values = self.assigned(name)
            if not values:
                return NETWORK
            kinds = [self.classify(v, depth + 1) for v in values]
            if NETWORK in kinds:
                return NETWORK
            return frozenset().union(*(k for k in kinds if isinstance(k, frozenset))) or (
                MEMORY)
        if value.type == "call_expression":
            return self._call(value)
        return NETWORK

    def _rooted_at_receiver(self, value: Node) -> bool:
        """r.resp, r.resps[i]: a chain of field reads and indexes on the receiver."""
        current: Node | None = value
        while current is not None and current.type in ("selector_expression",
                                                        "index_expression"):
            current = unparen(field(current, "operand"))
        return current is not None and current.type == "identifier" and bool(
            self.receiver) and text(current) == self.receiver

    def _call(self, call: Node) -> Fact:
        function = unparen(field(call, "function"))
        if function is None:
            return NETWORK
        if function.type == "identifier" and text(function) == self.receiver and (
                self.func_type):
            return frozenset({""})  # f(req): the adapted function answers
        if function.type == "identifier" and self.index is not None:
            # defaultRoundTripFunc(req): a package variable holding a func literal.
            literal = _package_func_literal(self.index, text(function))
            if literal is not None:
                return MEMORY if _canned_round_trip(literal, self.index) else NETWORK
        if function.type == "selector_expression" and text(
                field(function, "field")) in _SEND_METHODS:
            holder = unparen(field(function, "operand"))
            if holder is not None and holder.type == "selector_expression" and text(
                    field(holder, "operand")) == self.receiver:
                return frozenset({text(field(holder, "field"))})
            if holder is not None and holder.type == "call_expression":
                # `t.base().RoundTrip(req)`: a getter handing back a field of the
                # receiver, or http.DefaultTransport when it is nil.
                return self._getter(holder)
        if function.type == "selector_expression" and self.index is not None and text(
                field(function, "operand")) == self.receiver and self.info.receiver:
            return self._helper_method(text(field(function, "field")))
        return NETWORK

    def _getter(self, call: Node) -> Fact:
        """What `recv.m()` (a method of the receiver's type, no arguments) returns: the
        fields of its receiver it hands back, and _DEFAULT for http.DefaultTransport."""
        function = unparen(field(call, "function"))
        if function is None or function.type != "selector_expression" or text(
                field(function, "operand")) != self.receiver or named_children(
                field(call, "arguments")) or self.index is None or not self.info.receiver:
            return NETWORK
        info = self.index.funcs.get(f"{self.info.receiver}.{text(field(function, 'field'))}")
        body = field(info.node, "body") if info is not None else None
        if info is None or body is None:
            return NETWORK
        own = receiver_name(info.node)
        out: set[str] = set()
        for ret in own_returns(body):
            values = returned_values(ret)
            value = unparen(values[0]) if len(values) == 1 else None
            if value is None or value.type != "selector_expression":
                return NETWORK
            operand, name = text(field(value, "operand")), text(field(value, "field"))
            if own and operand == own:
                out.add(name)
            elif info.file.imports.get(operand) == HTTP and name == "DefaultTransport":
                out.add(_DEFAULT)
            else:
                return NETWORK
        return frozenset(out) if out else NETWORK

    def _helper_method(self, name: str) -> Fact:
        """`rt.roundTrip(req, ...)`: an unexported method of the same type, summarised
        the same way (its results are what RoundTrip returns)."""
        key = f"{self.info.receiver}.{name}"
        info = self.index.funcs.get(key) if self.index is not None else None
        if key in self.seen:
            return MEMORY  # recursion: its results are those of its other returns
        struct = self.index.structs.get(self.info.receiver) if self.index else None
        if info is None and struct is not None and name in struct.fields:
            # `m.roundTripFunc(req)`: a func-typed field answers, as the literal fills it
            # (left nil, the call panics unless a nil guard falls back on another path).
            return frozenset({_FUNC_FIELD + name})
        if info is None or name[:1].isupper() or field(
                info.node, "body") is None or len(self.seen) > 4:
            return NETWORK
        return _Returns(self.r, info, receiver_name(info.node), False, self.index,
                        params_given=True, seen=self.seen | {key, self.info.key}).fact()


_UNKNOWN = object()  # a value the classifier cannot see (a tuple element of a call)
_FUNC_FIELD = "func:"  # marks a forward to a func-typed field rather than a RoundTripper
# Marks a forward to http.DefaultTransport (a wrapper's fallback when its base is nil):
# no field of a literal can fill it, so only a double installed as the default does.
_DEFAULT = "default:"


def _field_name(name: str) -> str:
    return name.removeprefix(_FUNC_FIELD)


def _package_func_literal(index: PackageIndex, name: str) -> Node | None:
    """The func literal a package-level `var name = func(...) ... {...}` holds."""
    for file in index.files:
        if file.root is None or name.encode() not in file.data:
            continue
        for spec in file.within("var_spec", file.root):
            names = spec.children_by_field_name("name")
            values = named_children(field(spec, "value"))
            if len(names) == 1 and text(names[0]) == name and len(values) == 1 and (
                    enclosing_function(spec) is None):
                value = unparen(values[0])
                return value if value is not None and value.type == "func_literal" else None
    return None


def resolver_for(resolver: Resolver, index: PackageIndex) -> Resolver:
    from leaklint.golang.summary import resolver_for as over

    return over(resolver, index)


def constructed(resolver: Resolver, info: FuncInfo, index: PackageIndex, depth: int) -> Fact:
    """What a function of the module returns: MEMORY (an in-memory RoundTripper),
    NETWORK (one that may dial: the default transport, a type forwarding to it), UNKNOWN,
    or the frozenset of the indices (as strings) of the parameters it wraps, so that the
    result answers from memory when those arguments do."""
    key = f"constructed:{info.key}"
    cached = index.summaries.get(key)
    if isinstance(cached, str | frozenset):
        return cached
    index.summaries[key] = UNKNOWN  # recursion guard
    body = field(info.node, "body")
    fact: Fact = UNKNOWN
    if body is not None and depth <= _MAX_BUILD_DEPTH:
        sub = resolver_for(resolver, index)
        kinds = [_constructed_value(sub, info, index, values[0] if values else None, depth)
                 for ret in own_returns(body)
                 for values in [named_children(ret.named_children[0])
                                if ret.named_children else []]]
        if NETWORK in kinds:
            fact = NETWORK
        elif kinds and UNKNOWN not in kinds:
            fact = frozenset().union(*(k for k in kinds if isinstance(k, frozenset))) or (
                MEMORY)
    index.summaries[key] = fact
    return fact


def _constructed_value(resolver: Resolver, info: FuncInfo, index: PackageIndex,
                       value: Node | None, depth: int) -> Fact:
    value = unparen(value)
    if value is not None and value.type == "unary_expression":
        value = unparen(field(value, "operand"))
    if value is None or depth > _MAX_BUILD_DEPTH:
        return UNKNOWN
    if value.type == "identifier":
        position = info.param_index(text(value))
        if position is not None and not _reassigned(info.node, text(value)):
            return frozenset({str(position)})
        local = assigned_before(info.file, info.node, text(value), value.start_byte)
        if local is None or position is not None:
            return UNKNOWN
        return _constructed_value(resolver, info, index, local, depth + 1)
    if value.type == "composite_literal":
        spelled = field(value, "type")
        if _http_client_literal(info.file, value):
            # `&http.Client{Transport: rt}`: answers as its Transport does. Without one
            # it is left unknown, as before (a default set by a helper, a fallback).
            transport = _keyed_values(field(value, "body")).get("Transport")
            return UNKNOWN if transport is None else _constructed_value(
                resolver, info, index, transport, depth + 1)
        if spelled is None or spelled.type != "type_identifier":
            return NETWORK if _real_transport(info.file, value) else UNKNOWN
        fact = round_trip_fact(resolver, index, text(spelled))
        if fact == NONE:
            return MEMORY if _built_around_double(
                resolver, info.file, info.node, value, depth + 1) else UNKNOWN
        if not isinstance(fact, frozenset):
            return fact
        fields = _literal_fields(index, text(spelled), field(value, "body"))
        out: set[str] = set()
        for name in fact:
            if _field_name(name) not in fields:
                if name.startswith(_FUNC_FIELD):
                    continue  # a func field left nil: only a nil-guarded fallback runs
                return NETWORK  # nil, or a default the type falls back on
            part = _constructed_value(resolver, info, index, fields[_field_name(name)],
                                      depth + 1)
            if not isinstance(part, frozenset):
                if part != MEMORY:
                    return part
                continue
            out |= part
        return frozenset(out) if out else MEMORY
    if _built_around_double(resolver, info.file, info.node, value, depth + 1):
        return MEMORY
    return NETWORK if _real_transport(info.file, value) else UNKNOWN


def _real_transport(file: GoFile, value: Node) -> bool:
    """http.DefaultTransport, or a net/http Transport literal: a RoundTripper that dials."""
    if value.type == "selector_expression":
        operand = field(value, "operand")
        return operand is not None and file.imports.get(text(operand)) == HTTP and text(
            field(value, "field")) == "DefaultTransport"
    if value.type == "composite_literal":
        spelled = field(value, "type")
        return spelled is not None and spelled.type == "qualified_type" and file.imports.get(
            text(field(spelled, "package"))) == HTTP and text(field(spelled, "name")) == (
            "Transport")
    return False


def _http_client_literal(file: GoFile, value: Node) -> bool:
    return type_from_node(field(value, "type"), file.imports, "") == CLIENT


def _reassigned(func: Node, name: str) -> bool:
    """The parameter is given another value, other than a default under `if p == nil`
    (an in-memory argument is never nil, so that default never applies to it)."""
    body = field(func, "body")
    return body is not None and any(not _under_nil_test(node, name, body)
                                    for node in assignments_to(body, name))


def _under_nil_test(node: Node, name: str, stop: Node) -> bool:
    current = node.parent
    while current is not None and current != stop:
        if current.type == "if_statement":
            condition = text(field(current, "condition")).replace(" ", "")
            if condition == f"{name}==nil":
                consequence = field(current, "consequence")
                return consequence is not None and (
                    consequence.start_byte <= node.start_byte < consequence.end_byte)
        current = current.parent
    return False


def _result_names(func: Node) -> list[str]:
    result = field(func, "result")
    if result is None or result.type != "parameter_list":
        return []
    return [text(n) for decl in named_children(result)
            for n in decl.children_by_field_name("name")]


def _literal_fields(index: PackageIndex, type_name: str, body: Node | None
                    ) -> dict[str, Node]:
    """The field values a struct literal gives, by key, or by position (`&T{inner}`)
    when the struct embeds nothing, so that its field order is known."""
    elements = named_children(body)
    if elements and all(e.type == "literal_element" for e in elements):
        struct = index.structs.get(type_name)
        if struct is None or struct.embedded or len(struct.fields) != len(elements):
            return {}
        return {name: e.named_children[0] for name, e in zip(struct.fields, elements,
                                                               strict=True)
                if e.named_children}
    return _keyed_values(body)


def _keyed_values(body: Node | None) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for element in named_children(body):
        if element.type != "keyed_element" or len(element.named_children) != 2:
            continue
        key, value = element.named_children
        if value.type == "literal_element" and value.named_children:
            value = value.named_children[0]
        if key.type == "literal_element" and key.named_children:
            key = key.named_children[0]
        out[text(key)] = value
    return out


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


def _canned_round_trip(literal: Node, index: PackageIndex | None = None,
                       depth: int = 0) -> bool:
    """A func literal returning *http.Response whose every return hands back a response
    built in memory (a composite literal) or nil: it dials nothing. Given the package's
    index, a call to a package function that is itself such a builder
    (`newTestResponse(200)`) counts as built in memory."""
    result = text(field(literal, "result"))
    body = field(literal, "body")
    if "Response" not in result or body is None or depth > 3:
        return False
    returns = own_returns(body)
    if not returns:
        return False
    for ret in returns:
        values = named_children(ret.named_children[0]) if ret.named_children else []
        first = unparen(values[0]) if values else None
        if first is not None and first.type == "identifier":
            # `res := rec.Result(); res.ContentLength = n; return res, nil`
            first = unparen(_local_value(body, text(first), first.start_byte))
        if first is not None and first.type == "unary_expression":
            first = unparen(field(first, "operand"))
        if first is None or (first.type not in ("composite_literal", "nil") and not (
                _recorded_result(first)) and not _built_by_helper(index, first, depth)):
            return False
    return True


def _built_by_helper(index: PackageIndex | None, call: Node, depth: int) -> bool:
    """`newTestResponse(200, h)`: a function of the package whose every return is a
    response built in memory."""
    function = unparen(field(call, "function")) if call.type == "call_expression" else None
    if index is not None and function is not None and function.type == "call_expression":
        # `mockResponse(404, nil, "")(req)`: a package function handing back a function
        # that answers from memory, called at once.
        maker = unparen(field(function, "function"))
        info = index.funcs.get(text(maker)) if maker is not None and (
            maker.type == "identifier") else None
        body = field(info.node, "body") if info is not None and info.receiver is None else None
        returns = own_returns(body) if body is not None else []
        firsts = [unparen(values[0]) if (values := returned_values(ret)) else None
                  for ret in returns]
        return bool(firsts) and all(
            value is not None and value.type == "func_literal" and _canned_round_trip(
                value, index, depth + 1) for value in firsts)
    if index is None or function is None or function.type != "identifier":
        return False
    info = index.funcs.get(text(function))
    return info is not None and info.receiver is None and _canned_round_trip(
        info.node, index, depth + 1)


def _local_value(body: Node, name: str, before: int) -> Node | None:
    """The value last given to name by `name := v` / `name = v` in body before a point."""
    found: tuple[int, Node] | None = None
    for node in walk(body):
        if node.type not in ("short_var_declaration", "assignment_statement") or (
                node.end_byte > before):
            continue
        lhs = named_children(field(node, "left"))
        rhs = named_children(field(node, "right"))
        if len(lhs) == len(rhs) and (found is None or node.start_byte > found[0]):
            for target, value in zip(lhs, rhs, strict=True):
                if text(target) == name:
                    found = (node.start_byte, value)
    return found[1] if found is not None else None


def _recorded_result(node: Node) -> bool:
    """`rec.Result()`: what an httptest.ResponseRecorder recorded, a response in memory."""
    function = unparen(field(node, "function")) if node.type == "call_expression" else None
    return function is not None and function.type == "selector_expression" and text(
        field(function, "field")) == "Result" and not named_children(
        field(node, "arguments"))
