"""Is a client or Transport built in a test ever used to send a request, or a server to
serve? (LL401, LL402)

A test that builds `&http.Client{}` only to compare it (`assert.Equal(t, c, got)`), to
hand it to a setter, or to store it in a struct whose methods it calls make no request,
opens no connection through it: no peer can stall it, no idle connection waits in its
pool. The value is followed from where it is built: a local holding it, a field of a
literal holding it (a path of field names), an argument of a function of the module
(whose parameter is followed in turn, once per function, parameter and path, and
cached), the receiver of a method of the module, a result handed back. Anything else,
an unknown or interface callee, a method of net/http that sends (Do, Get, RoundTrip...),
a store out of sight, a return from the test, counts as a send: the finding stays.
"""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.context import named_function
from leaklint.golang.index import FuncInfo, GoFile, PackageIndex
from leaklint.golang.parse import (
    assigned_target,
    field,
    identifiers,
    named_children,
    own_returns,
    receiver_name,
    text,
    unparen,
)
from leaklint.golang.ranged import CONTAINERS, field_names
from leaklint.golang.resolve import Callee, Resolver
from leaklint.golang.testify import assertion
from leaklint.golang.types import TRANSPORT

Path = tuple[str, ...]
# Outcomes of following a value: it may be sent with (UNSAFE), handed back to the
# caller at a path (RETURNED), or stored in the receiver at a path (STORED).
UNSAFE, RETURNED, STORED = "unsafe", "returned", "stored"
# A functional option built around the value (`WithHTTPClient(hc)` returning
# `func(c *Client) { c.HTTPClient = hc }`): applied to x, it stores the value at x.path.
# Followed as a value, an option holds the value at a path that starts with APPLIED.
OPTION, APPLIED = "option", "()"
# An element of a slice, array or map literal (a test table's row): ranged over, the
# value variable holds it; indexed, the element does.
ROW = "[]"
Outcome = tuple[str, Path]
_SENDS = {"Do", "Get", "Head", "Post", "PostForm", "RoundTrip", "Send", "Dial", "DialContext",
          # an http.Server's: it accepts connections
          "Serve", "ServeTLS", "ListenAndServe", "ListenAndServeTLS"}
# A Transport's dial settings: func fields, read without its pool.
_TRANSPORT_DIALERS = frozenset({"Dial", "DialContext", "DialTLS", "DialTLSContext"})
# Methods of net/http values that send nothing.
_HTTP_QUIET = {"CloseIdleConnections", "Shutdown", "Close", "RegisterOnShutdown",
               "SetKeepAlivesEnabled"}
# Library calls that only look at their arguments (compare, format, reflect on them).
_INSPECTORS: dict[str, frozenset[str]] = {
    "github.com/stretchr/testify/assert": frozenset({
        "Equal", "NotEqual", "Same", "NotSame", "Nil", "NotNil", "EqualValues", "Exactly",
        "IsType", "Implements", "Equalf", "NotEqualf", "Samef", "NotSamef", "Nilf",
        "NotNilf"}),
    "reflect": frozenset({"DeepEqual", "TypeOf", "ValueOf"}),
    "fmt": frozenset({"Sprintf", "Sprint", "Sprintln", "Printf", "Println", "Errorf"}),
    "testing": frozenset({"Errorf", "Error", "Fatalf", "Fatal", "Logf", "Log", "Skipf"}),
    # go-cmp compares, and its options take values only for their types
    # (`cmpopts.IgnoreUnexported(http.Transport{})`).
    "github.com/google/go-cmp/cmp": frozenset({"Equal", "Diff", "AllowUnexported"}),
    "github.com/google/go-cmp/cmp/cmpopts": frozenset({
        "IgnoreUnexported", "IgnoreFields", "IgnoreTypes", "EquateComparable"}),
    # Configuring HTTP/2 on a Transport or a Server sends and serves nothing.
    "golang.org/x/net/http2": frozenset({"ConfigureTransport", "ConfigureTransports",
                                         "ConfigureServer"}),
}
_INSPECTORS["github.com/stretchr/testify/require"] = _INSPECTORS[
    "github.com/stretchr/testify/assert"]
_MAX_DEPTH = 5
_MAX_PATH = 6
# Keys of a table case that hold what the test expects, not what it uses.
_EXPECTATIONS = ("want", "expect", "exp")


def never_sent(resolver: Resolver, file: GoFile, node: Node) -> bool:
    """In a _test.go file, the value built at node is only compared, configured or kept
    where nothing the test runs sends a request with it."""
    if not file.path.name.endswith("_test.go"):
        return False
    return dropped_unsent(resolver, file, node)


def dropped_unsent(resolver: Resolver, file: GoFile, node: Node) -> bool:
    """The value built at node, in any file, is only configured or compared, and then
    dropped: no path leads it to a send, a return, a field or a call that may keep it
    (a pooled client built and then left unused opens no connection)."""
    func = named_function(node)
    if func is None:
        return False
    outcomes = _Walk(resolver, file, func, None, 0).value(node, ())
    return not outcomes


class _Walk:
    """Follows a value inside one function (the test, or a callee of the module)."""

    def __init__(self, resolver: Resolver, file: GoFile, func: Node, receiver: str | None,
                 depth: int) -> None:
        self.r, self.file, self.func, self.receiver, self.depth = (
            resolver, file, func, receiver, depth)
        self.env = resolver.env_for(func, file, None)
        self.seen: set[tuple[str, Path, int]] = set()

    def value(self, node: Node, path: Path) -> set[Outcome]:
        """What becomes of the value of expression node (its part at path)."""
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        parent = node.parent
        if parent is None:
            return {(UNSAFE, path)}
        kind = parent.type
        if kind == "unary_expression" and text(field(parent, "operator")) in ("&", "*"):
            return self.value(parent, path)
        if kind == "type_assertion_expression" and field(parent, "operand") == node:
            return self.value(parent, path)
        if kind == "variadic_argument":  # `newService(opts...)`: handed on whole
            return self.value(parent, path)
        if kind == "binary_expression" and text(field(parent, "operator")) in ("==", "!="):
            return set()
        if kind == "selector_expression" and field(parent, "operand") == node:
            return self.member(parent, path)
        if kind == "literal_element":
            return self.element(parent, path)
        if kind == "argument_list" and parent.parent is not None:
            args = named_children(parent)
            return self.argument(parent.parent, args.index(node), path)
        if path[:1] == (ROW,):
            if kind == "range_clause" and field(parent, "right") == node:
                left = named_children(field(parent, "left"))
                if len(left) == 2 and left[1].type == "identifier":
                    name = text(left[1])
                    return set() if name == "_" else self.variable(name, path[1:])
                return set()  # only the keys are ranged over
            if kind == "index_expression" and field(parent, "operand") == node:
                return self.value(parent, path[1:])
        if path[:1] == (APPLIED,):
            applied = self.applied(node, parent, path[1:])
            if applied is not None:
                return applied
        if kind == "expression_statement":
            return set()  # a result dropped
        if kind == "expression_list":
            return self.listed(parent, node, path)
        return {(UNSAFE, path)}

    def applied(self, node: Node, parent: Node, rest: Path) -> set[Outcome] | None:
        """An option value (at path (APPLIED, *rest)) called on x stores the value at
        x.rest; a range over options hands each to its value variable."""
        if parent.type == "call_expression" and field(parent, "function") == node:
            args = named_children(field(parent, "arguments"))
            target = unparen(args[0]) if args else None
            if target is not None and target.type == "unary_expression" and text(
                    field(target, "operator")) == "&":
                target = unparen(field(target, "operand"))
            if target is None or target.type != "identifier":
                return {(UNSAFE, rest)}
            name = text(target)
            if name == self.receiver:
                return {(STORED, rest)}
            if self._local(name):
                return self.variable(name, rest)
            return {(UNSAFE, rest)}
        if parent.type == "range_clause" and field(parent, "right") == node:
            left = named_children(field(parent, "left"))
            if len(left) == 2 and left[1].type == "identifier":
                return self.variable(text(left[1]), (APPLIED, *rest)) if text(
                    left[1]) != "_" else set()
            return {(UNSAFE, rest)}
        return None

    def element(self, element: Node, path: Path) -> set[Outcome]:
        """The value of an element: a struct literal holds it at that field (keyed, or by
        position), a slice, array or map literal as one of its rows."""
        keyed = element.parent
        if keyed is not None and keyed.type == "literal_value":
            return self.positional(element, keyed, path)
        if keyed is None or keyed.type != "keyed_element" or (
                keyed.named_children and keyed.named_children[0] == element):
            return {(UNSAFE, path)}
        key = keyed.named_children[0] if keyed.named_children else None
        body = keyed.parent
        literal = body.parent if body is not None else None
        if literal is not None and literal.type == "composite_literal" and _collection(literal):
            return self.value(literal, (ROW, *path))  # a map's value
        if key is not None and self.file.path.name.endswith("_test.go") and text(
                key).lower().startswith(_EXPECTATIONS):
            return set()  # a table case's expected value (`want: http.DefaultClient`)
        if key is None or body is None:
            return {(UNSAFE, path)}
        return self.held_by(body, (text(key), *path))

    def positional(self, element: Node, body: Node, path: Path) -> set[Outcome]:
        """An element given by position: a row of a collection literal, or the field of
        that position in a struct literal (`{"basic", tr, client}` in a test table)."""
        owner = body.parent
        if owner is not None and owner.type == "composite_literal" and _collection(owner):
            return self.value(owner, (ROW, *path))
        names = _struct_fields(self.file, body)
        elements = [c for c in body.named_children if c.type == "literal_element"]
        position = elements.index(element) if element in elements else len(elements)
        if names is None or position >= len(names):
            return {(UNSAFE, path)}
        name = names[position]
        if self.file.path.name.endswith("_test.go") and name.lower().startswith(
                _EXPECTATIONS):
            return set()
        return self.held_by(body, (name, *path))

    def held_by(self, body: Node, path: Path) -> set[Outcome]:
        """The literal whose braces are body holds the value at path: a composite
        literal, or a row written without its type inside a table."""
        parent = body.parent
        if parent is not None and parent.type == "composite_literal":
            return self.value(parent, path)
        if parent is not None and parent.type == "literal_element":
            return self.element(parent, path)
        return {(UNSAFE, path)}

    def listed(self, holder: Node, node: Node, path: Path) -> set[Outcome]:
        stmt = holder.parent
        if stmt is None:
            return {(UNSAFE, path)}
        if stmt.type == "return_statement":
            return {(RETURNED, path)}
        if stmt.type in ("assignment_statement", "short_var_declaration", "var_spec"):
            if stmt.type != "var_spec" and field(stmt, "left") == holder:
                return set()  # the target of an assignment: overwritten, not used
            target = assigned_target(node, fallback_first=True)
            if target is None:
                return {(UNSAFE, path)}
            if target.type == "identifier":
                name = text(target)
                if name == "_":
                    return set()
                if stmt.type == "assignment_statement" and not self._local(name):
                    return {(UNSAFE, path)}  # a package variable or a parameter
                return self.variable(name, path)
            if target.type == "selector_expression" and self.receiver and (
                    stored := _receiver_path(target, self.receiver)) is not None:
                return {(STORED, (*stored, *path))}
            option = self._option_target(target)
            if option is not None:
                return {(OPTION, (*option, *path))}
            holder = unparen(field(target, "operand")) if target.type == (
                "selector_expression") else None
            if holder is not None and holder.type == "identifier" and self._local(
                    text(holder)):
                # `s.Client = c` on a local struct: follow s with the field on the path.
                return self.variable(text(holder), (text(field(target, "field")), *path))
        return {(UNSAFE, path)}

    def _option_target(self, target: Node) -> Path | None:
        """`c.HTTPClient` (as a path) when target is rooted at the first parameter of a
        func literal the function returns: a functional option's store."""
        literal = target.parent
        while literal is not None and literal.type != "func_literal":
            if literal == self.func:
                return None
            literal = literal.parent
        holder = literal.parent if literal is not None else None
        if holder is not None and holder.type == "expression_list":
            holder = holder.parent
        if literal is None or holder is None or holder.type != "return_statement":
            return None
        params = _literal_params(literal)
        return _receiver_path(target, params[0]) if params and params[0] not in (
            "", "_") else None

    def _local(self, name: str) -> bool:
        """name is declared in the function (`:=` or var), not a parameter or global."""
        body = field(self.func, "body")
        if body is None:
            return False
        for ident in identifiers(body, name):
            parent = ident.parent
            holder = parent.parent if parent is not None else None
            if parent is not None and parent.type == "var_spec":
                return True
            if holder is not None and holder.type == "short_var_declaration" and field(
                    holder, "left") == parent:
                return True
        return False

    def variable(self, name: str, path: Path, after: int = 0) -> set[Outcome]:
        """Every use of a variable of the function (from `after` on: the uses after a
        call that stored the value in it, outside loops)."""
        if (name, path, after) in self.seen:
            return set()
        if len(path) > _MAX_PATH:
            # `s.server = &http.Server{Handler: s}`: a value stored in what holds it
            # grows the path on every turn; past a few fields nothing is proven.
            return {(UNSAFE, path)}
        self.seen.add((name, path, after))
        body = field(self.func, "body")
        if body is None:
            return {(UNSAFE, path)}
        out: set[Outcome] = set()
        for ident in identifiers(body, name):
            if _declared_or_key(ident) or ident.start_byte < after:
                continue
            out |= self.value(ident, path)
            if any(o[0] == UNSAFE for o in out):
                break
        return out

    def member(self, selector: Node, path: Path) -> set[Outcome]:
        name = text(field(selector, "field"))
        call = selector.parent
        if call is not None and call.type == "call_expression" and field(
                call, "function") == selector:
            return self.method(call, selector, path)
        if path:
            return self.value(selector, path[1:]) if name == path[0] else set()
        if name in _TRANSPORT_DIALERS and self.r.type_of(
                field(selector, "operand"), self.env, self.file) == TRANSPORT:
            return set()  # `t.DialContext`: the Transport's dial setting, not its pool
        if name in _SENDS or self._module_method(selector):
            return {(UNSAFE, path)}  # a method value: it may be called to send
        return set()  # a field of the client or transport read or set: no request

    def _module_method(self, selector: Node) -> bool:
        owner = self.r.type_of(field(selector, "operand"), self.env, self.file)
        index = self.r._index_for(owner.pkg) if owner is not None else None
        return index is not None and owner is not None and index.method(
            owner.name, text(field(selector, "field"))) is not None

    def method(self, call: Node, selector: Node, path: Path) -> set[Outcome]:
        name = text(field(selector, "field"))
        if not path and name in _SENDS:
            return {(UNSAFE, path)}
        callee = self.r.callee(call, self.env, self.file)
        if callee.info is not None and callee.index is not None and field(
                callee.info.node, "body") is not None:
            outcomes = _follow(self.r, callee.info, callee.index, None, path, self.depth)
            return self._after_call(call, selector, outcomes)
        if not path and callee.kind == "std" and name in _HTTP_QUIET:
            return set()
        return {(UNSAFE, path)}

    def argument(self, call: Node, position: int, path: Path) -> set[Outcome]:
        callee = self.r.callee(call, self.env, self.file)
        if callee.info is not None and callee.index is not None and field(
                callee.info.node, "body") is not None:
            params = callee.info.params
            if not params:
                return {(UNSAFE, path)}
            position = min(position, len(params) - 1)  # variadic
            outcomes = _follow(self.r, callee.info, callee.index, position, path, self.depth)
            return self._after_call(call, field(call, "function"), outcomes)
        if inspector(callee) or assertion(self.file, call) is not None:
            return set()  # `require.Equal(t, c, got)`, a suite's `s.Require().Equal(c, got)`
        if callee.kind == "builtin" and callee.name in ("len", "cap"):
            return set()
        if callee.kind == "builtin" and callee.name == "append":
            # `senders = append(senders, &webhook{Client: c})`: the value becomes a row
            # of the result (the slice itself, or one spread into it, keeps its rows).
            args = named_children(field(call, "arguments"))
            spread = position < len(args) and args[position].type == "variadic_argument"
            return self.value(call, path if position == 0 or spread else (ROW, *path))
        if self._applies_option(call):
            return set()  # `opt(c)`: the caller's options configure c (followed there)
        literals = self._option_literals(call)
        if literals:
            # `opt := WithCACert(pem); opt(tr)`, `ng.withTimeouts()(srv)`: an option of the
            # module configures what it is given.
            for literal in literals:
                params = _literal_params(literal)
                if not params:
                    return {(UNSAFE, path)}
                name = params[min(position, len(params) - 1)]
                if not name or name == "_":
                    continue
                walk = _Walk(self.r, self.file, literal, None, self.depth + 1)
                walk.env = self.env
                for kind, at in walk.variable(name, path):
                    if kind != RETURNED or at != path:
                        return {(UNSAFE, at)}
            return set()
        return {(UNSAFE, path)}

    def _applies_option(self, call: Node) -> bool:
        """`for _, opt := range opts { opt(c) }` with opts a parameter of the function:
        the functional options its callers pass are applied (each is followed from the
        call that built it)."""
        function = unparen(field(call, "function"))
        if function is None or function.type != "identifier":
            return False
        name = text(function)
        node = call.parent
        while node is not None and node != self.func:
            if node.type == "for_statement":
                clause = next((c for c in node.named_children if c.type == "range_clause"),
                              None)
                left = named_children(field(clause, "left")) if clause is not None else []
                right = unparen(field(clause, "right")) if clause is not None else None
                if len(left) == 2 and text(left[1]) == name:
                    return right is not None and right.type == "identifier" and text(
                        right) in _parameter_names(self.func)
            node = node.parent
        return False

    def _option_literals(self, call: Node) -> list[Node]:
        """The func literals a call invokes when its function is an option built by the
        module: a local given a call's result, or that call itself."""
        function = unparen(field(call, "function"))
        if function is not None and function.type == "identifier":
            from leaklint.golang.parse import assigned_before

            function = unparen(assigned_before(self.file, self.func, text(function),
                                               call.start_byte))
        if function is None or function.type != "call_expression" or self.depth >= _MAX_DEPTH:
            return []
        callee = self.r.callee(function, self.env, self.file)
        body = field(callee.info.node, "body") if callee.info is not None else None
        if body is None:
            return []
        literals = []
        for ret in own_returns(body):
            values = named_children(ret.named_children[0]) if ret.named_children else []
            value = unparen(values[0]) if len(values) == 1 else None
            if value is None or value.type != "func_literal":
                return []
            literals.append(value)
        return literals

    def _after_call(self, call: Node, function: Node | None,
                    outcomes: frozenset[Outcome]) -> set[Outcome]:
        """A callee's outcomes seen from the call: a result handed back is followed from
        the call; a store in the receiver, from the variable the method is called on."""
        out: set[Outcome] = set()
        for kind, at in outcomes:
            if kind == RETURNED:
                out |= self.value(call, at)
            elif kind == OPTION:
                out |= self.value(call, (APPLIED, *at))
            elif kind == STORED:
                operand = unparen(field(function, "operand")) if function is not None and (
                    function.type == "selector_expression") else None
                if operand is None or operand.type != "identifier":
                    return {(UNSAFE, at)}
                name = text(operand)
                if name == self.receiver:
                    out.add((STORED, at))
                elif self._local(name):
                    # `c.TraceOn()` wrapping what c holds: from then on c holds it at
                    # the new path (before the call, in a loop, too).
                    after = 0 if _in_loop(call, self.func) else call.end_byte
                    out |= self.variable(name, at, after)
                else:
                    return {(UNSAFE, at)}
            else:
                return {(UNSAFE, at)}
        return out


def _follow(resolver: Resolver, info: FuncInfo, index: PackageIndex, position: int | None,
            path: Path, depth: int) -> frozenset[Outcome]:
    """Outcomes of a function of the module for its parameter at position (the receiver
    when None) holding the value at path; cached in the package's summaries."""
    key = f"unsent:{info.key}:{position}:{'.'.join(path)}"
    cached = index.summaries.get(key)
    if isinstance(cached, frozenset):
        return cached
    unsafe = frozenset({(UNSAFE, path)})
    if depth >= _MAX_DEPTH:
        return unsafe
    index.summaries[key] = unsafe  # recursion: assume the worst
    from leaklint.golang.summary import resolver_for

    sub = resolver_for(resolver, index)
    receiver = receiver_name(info.node)
    walk = _Walk(sub, info.file, info.node, receiver or None, depth + 1)
    name = receiver if position is None else info.params[position][0]
    if not name or name == "_":
        result: frozenset[Outcome] = frozenset()
    else:
        result = frozenset(walk.variable(name, path))
    if any(kind == UNSAFE for kind, _ in result):
        result = unsafe
    index.summaries[key] = result
    return result


def _in_loop(node: Node, func: Node) -> bool:
    current = node.parent
    while current is not None and current != func:
        if current.type == "for_statement":
            return True
        current = current.parent
    return False


def _parameter_names(func: Node) -> set[str]:
    return {text(n) for decl in named_children(field(func, "parameters"))
            for n in decl.children_by_field_name("name")}


def _literal_params(literal: Node) -> list[str]:
    names: list[str] = []
    for decl in named_children(field(literal, "parameters")):
        found = decl.children_by_field_name("name")
        names += [text(n) for n in found] or [""]
    return names


def _collection(literal: Node) -> bool:
    spelled = field(literal, "type")
    return spelled is not None and spelled.type in CONTAINERS


def _struct_fields(file: GoFile, body: Node) -> list[str] | None:
    """The field names, in order, of the struct type of the literal whose braces are
    body: spelled in place (`struct{...}{...}`), declared in the file by name, or the
    element type of the table the literal is a row of."""
    parent = body.parent
    spelled: Node | None = None
    if parent is not None and parent.type == "composite_literal":
        spelled = field(parent, "type")
    elif parent is not None and parent.type == "literal_element":
        holder = parent.parent
        if holder is not None and holder.type == "keyed_element":
            holder = holder.parent
        table = holder.parent if holder is not None else None
        table_type = field(table, "type") if table is not None and (
            table.type == "composite_literal") else None
        if table_type is not None and table_type.type in CONTAINERS:
            spelled = field(table_type, CONTAINERS[table_type.type])
    if spelled is not None and spelled.type == "type_identifier":
        spelled = _declared_struct(file, text(spelled))
    if spelled is None or spelled.type != "struct_type":
        return None
    return field_names(spelled)


def _declared_struct(file: GoFile, name: str) -> Node | None:
    specs = [spec for decl in file.root.named_children if decl.type == "type_declaration"
             for spec in decl.named_children if spec.type == "type_spec"]
    for spec in specs:
        if text(field(spec, "name")) == name:
            declared = field(spec, "type")
            return declared if declared is not None and declared.type == "struct_type" else None
    return None


def inspector(callee: Callee) -> bool:
    """A library call that only looks at its arguments (testify's Equal, NotNil...)."""
    names = _INSPECTORS.get(callee.pkg)
    return names is not None and callee.name in names and callee.kind in ("std", "third")


def _receiver_path(target: Node, receiver: str) -> Path | None:
    """recv.a.b as the path (a, b); None when not rooted at the receiver."""
    names: list[str] = []
    current: Node | None = target
    while current is not None and current.type == "selector_expression":
        names.append(text(field(current, "field")))
        current = unparen(field(current, "operand"))
    if current is None or current.type != "identifier" or text(current) != receiver:
        return None
    return tuple(reversed(names))


def _declared_or_key(ident: Node) -> bool:
    """A declaration of the name, a field key, or a parameter: not a use of the value."""
    parent = ident.parent
    if parent is None:
        return True
    if parent.type in ("parameter_declaration", "variadic_parameter_declaration",
                       "var_spec", "keyed_element"):
        return parent.type != "keyed_element" or parent.named_children[0] == ident
    if parent.type == "literal_element":
        keyed = parent.parent
        return keyed is not None and keyed.type == "keyed_element" and (
            keyed.named_children[0] == parent)
    if parent.type == "expression_list":
        holder = parent.parent
        return holder is not None and holder.type in (
            "short_var_declaration", "assignment_statement", "range_clause") and field(
            holder, "left") == parent
    return False
