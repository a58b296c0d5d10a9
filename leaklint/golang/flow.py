"""Path-aware ownership of responses and connections inside one function.

A structured walk over the function body (the Go analogue of a CFG search, after
x/tools' lostcancel): each path carries, per acquired resource, the set of states it
may be in. The `if err != nil` branch makes a resource nil; a close, a defer of a close,
or a hand-over (returned, stored, sent, captured by a closing closure, passed to a
function that closes it or that leaklint cannot see) makes it done. A resource that may
still be open or unchecked when a path leaves the function, ends a loop iteration or is
overwritten is a leak at that exit. A use before the error check is LL201.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from leaklint.golang.bodiless import to_bodiless_server
from leaklint.golang.doubles import (
    hijacks_recorder,
    sends_in_memory,
    sent_through_double_argument,
)
from leaklint.golang.index import GoFile, var_specs
from leaklint.golang.parse import (
    assigned_before,
    assigned_target,
    block_statement,
    identifiers,
    inside,
    named_children,
    operands,
    schemeless_url_literal,
    statements,
    text,
    unparen,
    walk,
)
from leaklint.golang.parse import field as fld
from leaklint.golang.resolve import Callee, Env, Resolver, display_callee
from leaklint.golang.testify import ERROR_ASSERTIONS, assertion
from leaklint.golang.types import REQUEST_METHOD_ARG
from leaklint.golang.values import stored_in_field_container

UNCHECKED, OPEN, NIL, DONE = "unchecked", "open", "nil", "done"
# Assertion helpers of test frameworks that only compare their argument with nil.
_NIL_ASSERTION = re.compile(r"(Assert|Expect|Require|Must)?(Not)?(Is)?Nil(f)?")
LIVE = frozenset({UNCHECKED, OPEN})
# A block's declared-names key recording resources whose error a `:=` of the block
# shadowed (no Go identifier starts with a NUL).
_SHADOWED = "\0shadowed:"

TERMINATORS = {"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "Exit",
               "FailNow", "SkipNow", "Skip", "Skipf", "Goexit"}
# Standard functions that read a body only partially: closing after them is LL103.
NON_DRAINING = {("encoding/json", "NewDecoder"), ("encoding/xml", "NewDecoder")}
# Standard functions whose result takes ownership of the connection passed first.
OWNERSHIP_WRAPPERS = {("crypto/tls", "Client"), ("crypto/tls", "Server"),
                      ("net/http/httputil", "NewClientConn"),
                      ("net/http/httputil", "NewServerConn")}
# testify/assert's assertions return whether they passed: used as a condition, each says
# whether its subject is nil when true (exact: and the opposite when false).
_ASSERT_NIL_WHEN_TRUE = {"NoError": True, "NoErrorf": True, "Nil": True, "Nilf": True,
                         "Error": False, "Errorf": False, "NotNil": False, "NotNilf": False}
# Gomega: a failed assertion stops the test (Ginkgo's Fail panics, NewWithT's calls
# t.Fatalf, an Eventually func's Gomega panics to retry), like testify's require.
_GOMEGA = "github.com/onsi/gomega"
# The assertion methods, true for those that pass when the matcher matches.
_GOMEGA_VERBS = {"To": True, "Should": True, "ToNot": False, "NotTo": False,
                 "ShouldNot": False}
# Matchers of a nil value (True) or of a set error (False); MatchError matches only a set
# error, but failing to match says nothing.
_GOMEGA_NIL_MATCHERS = {"BeNil": True, "Succeed": True, "HaveOccurred": False,
                        "MatchError": False}
_GOMEGA_ACTUALS = {"Expect": 0, "Ω": 0, "ExpectWithOffset": 1, "ΩWithOffset": 1}

# Standard functions that own the connection passed first from then on: the client or
# codec they return closes it (smtp.Client.Quit/Close), and they close it on failure.
OWNERSHIP_TAKERS = {("net/smtp", "NewClient"), ("net/textproto", "NewConn"),
                    ("net/rpc", "NewClient"), ("net/rpc", "ServeConn"),
                    ("net/rpc/jsonrpc", "NewClient"), ("net/rpc/jsonrpc", "ServeConn")}


# The fields and methods of net/http's Response.
_RESPONSE_MEMBERS = frozenset({
    "Status", "StatusCode", "Proto", "ProtoMajor", "ProtoMinor", "Header", "Body",
    "ContentLength", "TransferEncoding", "Close", "Uncompressed", "Trailer", "Request",
    "TLS", "Cookies", "Location", "ProtoAtLeast", "Write"})
# Builtins and decoders that take a byte slice, never a reader.
_BYTES_BUILTINS = frozenset({"string", "len", "cap", "copy", "append"})
_BYTES_DECODERS = frozenset({"Unmarshal", "Valid", "Equal", "Contains", "HasPrefix",
                             "HasSuffix", "Index", "NewReader", "NewBuffer", "TrimSpace"})


# Standard packages whose functions read streams.
_STREAM_PACKAGES = frozenset({"io", "io/ioutil", "bufio", "encoding/json", "encoding/xml",
                              "encoding/csv", "compress/gzip", "compress/flate",
                              "compress/zlib", "mime/multipart", "net/http",
                              "net/http/httputil", "golang.org/x/net/html"})


_BODILESS = frozenset({"StatusNotModified", "StatusNoContent", "304", "204"})


# Web frameworks whose App.Test runs the handler in-process over an in-memory connection.
_IN_PROCESS_APPS = ("github.com/gofiber/fiber",)
# Standard reads that take a reader to its end (or to the error that stopped them).
_WHOLE_READS = {("io", "ReadAll"), ("io/ioutil", "ReadAll"), ("io", "Copy")}


def _not_nil_operand(cond: Node | None) -> str | None:
    """`err != nil`: the name tested."""
    cond = unparen(cond)
    if cond is None or cond.type != "binary_expression" or text(
            fld(cond, "operator")) != "!=":
        return None
    left, right = unparen(fld(cond, "left")), unparen(fld(cond, "right"))
    if left is not None and right is not None and right.type == "nil" and (
            left.type == "identifier"):
        return text(left)
    return None


def _last_assignment(if_stmt: Node, name: str) -> Node | None:
    """The statement that last gave name a value ahead of if_stmt's condition: its
    initializer, else the latest of the statements before it in its block."""
    init = fld(if_stmt, "initializer")
    candidates = [init] if init is not None else []
    if not candidates and if_stmt.parent is not None:
        candidates = [s for s in reversed(if_stmt.parent.named_children)
                      if s.end_byte <= if_stmt.start_byte]
    for stmt in candidates:
        if stmt.type in ("short_var_declaration", "assignment_statement") and any(
                text(t) == name for t in named_children(fld(stmt, "left"))):
            return stmt
    return None


def _bodiless_code(node: Node) -> bool:
    """http.StatusNotModified, http.StatusNoContent, 304, 204: statuses whose responses
    carry no body."""
    spelled = text(node)
    return spelled.rpartition(".")[2] in _BODILESS


_RESPONSE_GETTER = re.compile(r"(Raw|HTTP|Http|Last|Underlying|Original)?Response")


def _getter(call: Node, kind: str) -> bool:
    """An argument-less method named for the connection (`x.RawConn()`, `x.NetConn()`)
    or response (`err.Response()`, `r.RawResponse()`) it hands back, held elsewhere, not
    for an action that opens or sends one."""
    function = unparen(fld(call, "function"))
    if function is None or function.type != "selector_expression" or named_children(
            fld(call, "arguments")):
        return False
    name = text(fld(function, "field"))
    if kind == "response":
        return _RESPONSE_GETTER.fullmatch(name) is not None
    return name.endswith(("Conn", "Connection")) and not name.startswith(
        ("Dial", "Open", "New", "Accept", "Connect", "Create", "Acquire", "Get"))


# Methods named for handing out a cached value, creating it on a miss.
_MEMO_GETTER = re.compile(r"(Get|Load|Fetch)Or(Create|Add|Dial|New|Init|Make|Open|Connect)\w*")


def _memo_getter(call: Node) -> bool:
    """`svc.GetOrCreateGRPCConn(url)`: by its name, a method that returns the cached
    connection, creating and caching it on a miss; the cache owns it."""
    function = unparen(fld(call, "function"))
    return function is not None and function.type == "selector_expression" and (
        _MEMO_GETTER.fullmatch(text(fld(function, "field"))) is not None)


def _read_as_stream(file, node: Node) -> bool:
    """x.Body closed or read (`x.Body.Close()`, `x.Body.Read(b)`), or handed to a
    function of a standard package that reads streams (`io.ReadAll(x.Body)`,
    `json.NewDecoder(x.Body)`)."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "selector_expression" and fld(parent, "operand") == node:
        return text(fld(parent, "field")) in ("Close", "Read", "WriteTo")
    if parent.type != "argument_list" or parent.parent is None:
        return False
    function = unparen(fld(parent.parent, "function"))
    return function is not None and function.type == "selector_expression" and (
        file.imports.get(text(fld(function, "operand")), "") in _STREAM_PACKAGES)


def _byte_slice_use(file, node: Node) -> bool:
    """x.Body used as a byte slice: converted, measured, sliced or indexed, or handed to
    a function of the standard library's decoders or package bytes that takes one."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type in ("slice_expression", "index_expression") and fld(
            parent, "operand") == node:
        return True
    if parent.type != "argument_list" or parent.parent is None:
        return False
    function = unparen(fld(parent.parent, "function"))
    if function is None:
        return False
    if function.type == "identifier":
        return text(function) in _BYTES_BUILTINS
    if function.type == "selector_expression":
        path = file.imports.get(text(fld(function, "operand")), "")
        return text(fld(function, "field")) in _BYTES_DECODERS and path in (
            "bytes", "encoding/json", "encoding/xml", "sigs.k8s.io/yaml", "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v3", "google.golang.org/protobuf/proto",
            "github.com/golang/protobuf/proto")
    return False


@dataclass
class Resource:
    id: int
    kind: str  # response | conn
    var: str
    err: str | None
    call: Node
    callee: str
    leaks: list[tuple[Node, str]] = field(default_factory=list)
    closes: list[Node] = field(default_factory=list)
    drained: bool = False
    handed_over: bool = False
    # Every hand-over was a store into a field or a field's container (`c.conns[k] =
    # conn`): returned afterwards, the value is shared with the object, not the caller's.
    stored_only: bool = True
    helped: bool = False  # given to a function that closes it
    premature: Node | None = None
    # A HEAD response: no body, the transport pools its connection with the headers, so
    # an unclosed one leaks nothing (LL101, LL103); a use before the check still panics.
    bodiless: bool = False

    def never_released(self) -> bool:
        """No path closes it, hands it over or gives it to a closing function."""
        return not (self.closes or self.handed_over or self.helped)


Binding = frozenset[tuple[int, str]]  # {(resource id, via)}: via is "whole" or "body"


@dataclass
class State:
    status: dict[int, frozenset[str]] = field(default_factory=dict)
    binds: dict[str, Binding] = field(default_factory=dict)
    reachable: bool = True
    # Resources whose error variable was reassigned on this path: an err check no
    # longer says anything about them.
    err_lost: frozenset[int] = frozenset()
    # Bool locals set true on every path where a resource is live (`found = true;
    # break` after the loop's request): where the flag is false, the resource is not.
    flagged: dict[int, frozenset[str]] = field(default_factory=dict)

    def copy(self) -> State:
        return State(dict(self.status), dict(self.binds), self.reachable, self.err_lost,
                     dict(self.flagged))

    def set(self, res: int, value: str) -> None:
        self.status[res] = frozenset({value})

    def live(self, res: int) -> bool:
        return bool(self.status.get(res, frozenset()) & LIVE)


DEAD = State(reachable=False)


def merge(*states: State) -> State:
    alive = [s for s in states if s.reachable]
    if not alive:
        return State(reachable=False)
    out = alive[0].copy()
    for other in alive[1:]:
        for res, values in other.status.items():
            out.status[res] = out.status.get(res, frozenset()) | values
        for name, binding in other.binds.items():
            out.binds[name] = out.binds.get(name, frozenset()) | binding
    # An error reassigned on a path where the resource was already closed says nothing
    # about the paths where it is still open.
    out.err_lost = frozenset(
        r for s in alive for r in s.err_lost if s.status.get(r, frozenset()) - {DONE, NIL})
    # A flag ties a resource only if it is set on every path where the resource is live.
    flagged: dict[int, frozenset[str]] = {}
    for res in out.status:
        sets = [s.flagged.get(res, frozenset()) for s in alive
                if s.status.get(res, frozenset()) & LIVE]
        if sets and (common := frozenset.intersection(*sets)):
            flagged[res] = common
    out.flagged = flagged
    return out


@dataclass
class Frame:
    kind: str  # loop | switch
    label: str | None
    breaks: list[State] = field(default_factory=list)
    continues: list[tuple[State, Node]] = field(default_factory=list)
    first_resource: int = 0


@dataclass
class FlowResult:
    resources: list[Resource]


class FunctionFlow:
    def __init__(self, resolver: Resolver, file: GoFile, func: Node, env: Env) -> None:
        self.r = resolver
        self.file = file
        self.func = func
        self.env = env
        self.resources: list[Resource] = []
        self.frames: list[Frame] = []
        self.result_names = self._result_names()
        self._body_users: set[str] | None = None
        self.closes_only = False  # summarising a helper for LL202: only closes count
        self._deferred: set[str] | None = None
        # Summarising the function for its callers: what each return hands back.
        self.returns: list[str] | None = None
        # Summarising: some return hands back an open response together with an error
        # it builds (`return resp, checkResponse(resp)`).
        self.fresh_with_error = False
        # ok -> err for `t, ok := err.(*T)`: a true ok means the error is set.
        self.witnesses: dict[str, str] = {}
        # x -> err for `x := convert(err)` with a module function that returns nil for
        # a nil error: a non-nil x means the error is set.
        self.converted: dict[str, str] = {}
        # Parents of the nodes the scans walked down to. tree-sitter finds a node's
        # parent by descending from the root, a cost that grows with the depth: a chain
        # of 20,000 `else if`s made each lookup, and so the whole walk, quadratic.
        self._parents: dict[int, Node] = {}
        self._local_funcs: dict[str, Node] | None = None

    def up(self, node: Node) -> Node | None:
        """The node's parent (from the scans' record when they passed it)."""
        parent = self._parents.get(node.id)
        return parent if parent is not None else node.parent

    # ---- entry --------------------------------------------------------------------

    def run(self) -> FlowResult:
        body = fld(self.func, "body")
        if body is None:
            return FlowResult([])
        state = self.block(body, State())
        if state.reachable:
            closing = body.children[-1] if body.children else body
            self.exit(state, closing, "end of function", returned=())
        return FlowResult(self.resources)

    def _result_names(self) -> list[str]:
        result = fld(self.func, "result")
        names: list[str] = []
        if result is not None and result.type == "parameter_list":
            for decl in result.named_children:
                names.extend(text(n) for n in decl.children_by_field_name("name"))
        return names

    # ---- exits --------------------------------------------------------------------

    def exit(self, state: State, node: Node, label: str, returned: tuple[int, ...]) -> None:
        for res in self.resources:
            if res.id in returned:
                continue
            if state.live(res.id):
                res.leaks.append((node, label))

    def leak_loop_resources(self, state: State, first: int, node: Node, label: str,
                            loop: Node | None = None,
                            carried: frozenset[int] = frozenset()) -> None:
        for res in self.resources[first:]:
            if state.live(res.id) and res.id not in carried and not (
                    loop is not None and self._carried(res, loop)):
                res.leaks.append((node, label))
                state.set(res.id, DONE)

    def _nil_when_repeating(self, cond: Node | None, state: State,
                            first: int) -> frozenset[int]:
        """Resources of the loop that its condition proves nil whenever it goes round
        again (`for err != nil && tries < n { resp, err = c.Do(req) }`): a retry loop
        repeats only after a failure, and a success leaves the loop with the response
        open for the code after it."""
        if cond is None or not state.reachable:
            return frozenset()
        live = [r for r in self.resources[first:] if state.live(r.id) and r.err]
        if not live or not any(text(n) == r.err for r in live for n in walk(cond)
                               if n.type == "identifier"):
            return frozenset()
        # Evaluating the condition again must not record anything on the resources.
        saved = [(r.premature, len(r.closes), len(r.leaks), r.drained, r.helped,
                  r.handed_over, r.stored_only) for r in self.resources]
        again, _leave = self.condition(cond, state.copy())
        del self.resources[len(saved):]
        for r, (premature, closes, leaks, drained, helped, handed, stored) in zip(
                self.resources, saved, strict=False):
            r.premature, r.drained, r.helped = premature, drained, helped
            r.handed_over, r.stored_only = handed, stored
            del r.closes[closes:]
            del r.leaks[leaks:]
        return frozenset(r.id for r in live if not again.live(r.id))

    def _carried(self, res: Resource, loop: Node) -> bool:
        """A retry loop: the response lands in a variable declared outside the loop,
        which the loop closes before acquiring again (`if err == nil {
        resp.Body.Close() }` ahead of `resp, err = c.Do(req)`): it survives the
        iteration, and the next one closes it or the code after the loop does."""
        body = fld(loop, "body")
        if body is None or not res.var or res.var == "the response":
            return False
        for kind in ("short_var_declaration", "var_spec"):
            for decl in self.file.within(kind, body):
                names = (named_children(fld(decl, "left")) if kind == "short_var_declaration"
                         else decl.children_by_field_name("name"))
                if any(text(n) == res.var for n in names):
                    return False  # declared per iteration: it dies at the iteration's end
        closers = (f"{res.var}.Body.Close", f"{res.var}.Close")
        earlier = [call for call in self.file.within("call_expression", body)
                   if call.start_byte < res.call.start_byte]
        return any(text(fld(call, "function")) in closers for call in earlier) or any(
            self._closes_argument(call, res.var) for call in earlier)

    def _closes_argument(self, call: Node, name: str) -> bool:
        """`drainAndClose(resp)`: a function of the module that closes what it is given
        (a retry loop's close of the previous response, through a helper)."""
        from leaklint.golang import summary  # summaries walk functions with flows

        args = named_children(fld(call, "arguments"))
        positions = [i for i, a in enumerate(args) if text(unparen(a)) == name]
        if not positions:
            return False
        callee = self.r.callee(call, self.env, self.file)
        return callee.info is not None and any(
            summary.consumes(self.r, callee, i, "response", closes_only=True)
            for i in positions)

    # ---- blocks and statements ----------------------------------------------------

    def block(self, node: Node, state: State) -> State:
        declared: dict[str, Binding | None] = {}
        for stmt in statements(node):
            if not state.reachable:
                break
            state = self.statement(stmt, state, declared)
        return self._restore(state, declared)

    @staticmethod
    def _restore(state: State, declared: dict[str, Binding | None]) -> State:
        if not state.reachable:
            return state
        for name, previous in declared.items():
            if name.startswith(_SHADOWED):
                # The shadowing error went out of scope: the outer one speaks again.
                state.err_lost = state.err_lost - {res for res, _ in previous or ()}
                continue
            if previous is None:
                state.binds.pop(name, None)
            else:
                state.binds[name] = previous
        return state

    def statement(self, stmt: Node, state: State, declared: dict) -> State:
        kind = stmt.type
        if kind in ("short_var_declaration", "assignment_statement"):
            return self.assignment(stmt, state, declared, define=kind == "short_var_declaration")
        if kind == "var_declaration":
            for spec in walk(stmt):
                if spec.type == "var_spec":
                    state = self.var_spec(spec, state, declared)
            return state
        if kind == "expression_statement":
            expr = unparen(stmt.named_children[0]) if stmt.named_children else None
            return self.expression_statement(expr, stmt, state)
        if kind == "return_statement":
            return self.return_statement(stmt, state)
        if kind == "if_statement":
            return self.if_statement(stmt, state)
        if kind == "block":
            return self.block(stmt, state)
        if kind == "for_statement":
            return self.for_statement(stmt, state, None)
        if kind in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            return self.switch_statement(stmt, state, None)
        if kind == "labeled_statement":
            label = text(fld(stmt, "label"))
            inner = [c for c in stmt.named_children if c.type != "label_name"]
            if not inner:
                return state
            target = inner[-1]
            if target.type == "for_statement":
                return self.for_statement(target, state, label)
            if target.type in ("expression_switch_statement", "type_switch_statement",
                               "select_statement"):
                return self.switch_statement(target, state, label)
            return self.statement(target, state, declared)
        if kind == "defer_statement" or kind == "go_statement":
            for child in stmt.named_children:
                state = self.scan(child, state)
            return state
        if kind == "send_statement":
            return self.scan(stmt, state)
        if kind == "break_statement":
            frame = self._frame(stmt, loops_only=False)
            if frame is not None:
                frame.breaks.append(state)
            return State(reachable=False)
        if kind == "continue_statement":
            frame = self._frame(stmt, loops_only=True)
            if frame is not None:
                frame.continues.append((state, stmt))
            return State(reachable=False)
        if kind == "goto_statement":
            return State(reachable=False)  # unstructured: stay silent rather than guess
        if kind == "fallthrough_statement":
            return state
        return self.scan(stmt, state)

    def _frame(self, stmt: Node, loops_only: bool) -> Frame | None:
        label_node = next((c for c in stmt.named_children if c.type == "label_name"), None)
        label = text(label_node) if label_node is not None else None
        for frame in reversed(self.frames):
            if label is not None:
                if frame.label == label:
                    return frame
                continue
            if loops_only and frame.kind != "loop":
                continue
            return frame
        return None

    # ---- assignments and acquisitions ---------------------------------------------

    def acquisition(self, expr: Node | None, target: str | None = None
                    ) -> tuple[str, str] | None:
        expr = unparen(expr)
        if expr is None or expr.type != "call_expression":
            return None
        callee = self.r.callee(expr, self.env, self.file)
        kind = self.r.acquired_kind(callee, expr)
        if kind == "response" and (callee.pkg, callee.name) == (
                "net/http", "ReadResponse") and self._reads_dialled_conn(expr):
            # Read off a connection this function dialled: that connection is what must be
            # closed (LL102 follows it); the body holds nothing of its own.
            return None
        if kind == "response" and self._parsed_from_memory(expr, callee):
            return None  # http.ReadResponse over a string or a byte slice: no socket
        if kind in ("conn", "response") and callee.kind != "std" and (
                callee.info is None or fld(callee.info.node, "body") is None) and (
                _getter(expr, kind) or _memo_getter(expr)):
            # v.RawConn(), respErr.Response(): a view of one held elsewhere;
            # d.GetOrCreateGRPCConn(url) on an interface: the cache's shared one.
            return None
        if kind == "conn" and callee.kind != "std" and self._rewraps_outside_conn(expr):
            # mask.WrapConn(conn), UnwrapStats(conn) on a connection this function did not
            # open, or closes by a defer: a view of it, closed with it.
            return None
        if kind is None and target and callee.kind in ("unknown", "third") and (
                callee.info is None and target in self.body_users()) and (
                self._body_read_in_scope(expr, target)):
            # No type for the receiver, but the result's Body is read: a response.
            kind = "response"
        if kind == "response" and callee.kind != "std" and self._over_dialled_client(expr):
            # `c, _ := fcgi.Dial(...); defer c.Close(); resp, _ := c.Get(env)`: the body
            # reads off the one connection the client dialled, which the defer closes.
            return None
        if kind is None or _nil_request(expr) or self._urlless_request(expr) or (
                self._schemeless_url(expr, callee)) or (
                kind == "response" and sends_in_memory(self.r, self.file, self.func, expr)) or (
                kind == "response" and sent_through_double_argument(
                    self.r, self.file, self.func, expr)) or (
                kind == "conn" and hijacks_recorder(self.r, self.file, self.func, expr)):
            return None
        return kind, display_callee(expr)

    def _in_process_app(self, call: Node) -> bool:
        """`app.Test(req)` where app is built by a web framework whose Test serves the
        request in-process and parses the answer from memory (fiber's App.Test)."""
        func = unparen(fld(call, "function"))
        operand = unparen(fld(func, "operand")) if func is not None and (
            func.type == "selector_expression") else None
        if operand is None or operand.type != "identifier" or text(
                fld(func, "field")) != "Test":
            return False
        declared = self.r.type_of(operand, self.env, self.file)
        if declared is not None and declared.name == "App" and declared.pkg.startswith(
                _IN_PROCESS_APPS):
            return True  # `app *fiber.App`, a parameter or a field
        origin = self._assigned_call(text(operand), call.start_byte)
        maker = unparen(fld(origin, "function")) if origin is not None else None
        alias = unparen(fld(maker, "operand")) if maker is not None and (
            maker.type == "selector_expression") else None
        path = self.r.package_of_alias(text(alias), self.env, self.file) if (
            alias is not None and alias.type == "identifier") else None
        return path is not None and path.startswith(_IN_PROCESS_APPS)

    def head_request(self, call: Node, callee: Callee) -> bool:
        """http.Head / client.Head; a module helper handed the HEAD method
        (`s.request(ctx, "HEAD", key)`) or one that only sends HEAD requests
        (`httputil.Head(url)` over `Send("HEAD", url)`); or a send, by net/http or by a
        module helper (`a.doHTTP(t, req)`), of a request built in this function with the
        HEAD method."""
        args = named_children(fld(call, "arguments"))
        if callee.info is not None:
            from leaklint.golang import summary  # summaries walk functions with flows

            position = summary.method_parameter(self.r, callee)
            if position is not None and position < len(args) and _is_head(args[position]):
                return True
            return summary.sends_head(self.r, callee) or any(
                self._head_built(arg, call) for arg in args)
        if callee.name in ("Do", "RoundTrip") and bool(args) and self._head_built(
                args[0], call):
            # Whatever RoundTripper sends it (one from a library, of unknown type), the
            # response to a HEAD request has no body.
            return True
        return callee.kind == "std" and callee.pkg == "net/http" and callee.name == "Head"

    def _head_built(self, arg: Node, call: Node) -> bool:
        """The request variable `arg` was last assigned, before `call`, a request built
        with the HEAD method: by http.NewRequest(WithContext), or by a module helper that
        passes its method parameter on to one (`a.newHTTPRequest("HEAD", rel)`)."""
        arg = unparen(arg)
        if arg is None or arg.type != "identifier":
            return False
        built = unparen(assigned_before(self.file, self.func, text(arg), call.start_byte))
        if built is None or built.type != "call_expression":
            return False
        maker = self.r.callee(built, self.env, self.file)
        params = named_children(fld(built, "arguments"))
        if maker.info is not None:
            from leaklint.golang import summary  # summaries walk functions with flows

            position = summary.method_parameter(self.r, maker)
            return position is not None and position < len(params) and _is_head(
                params[position])
        if maker.kind != "std" or maker.pkg != "net/http" or (
                maker.name not in REQUEST_METHOD_ARG) or len(params) < 3:
            return False
        return _is_head(params[REQUEST_METHOD_ARG[maker.name]])

    def _server_side_request(self, call: Node) -> bool:
        """A send (by net/http or another module) handed a request no client can send,
        so that a response can only come from an in-process harness (Fiber's
        `app.Test(req)`): one built by
        httptest.NewRequest, which sets RequestURI as a server would (http.Client refuses
        it; RoundTrip, which does not check, is left out), or by http.NewRequest with a
        bare path for URL (`"/users"`: no scheme nor host, no transport can dial it)."""
        func = unparen(fld(call, "function"))
        if func is None:
            return False
        info = self.r.callee(call, self.env, self.file).info
        if info is not None and fld(info.node, "body") is not None:
            return False  # a helper of the module may set the URL or RoundTrip it itself
        round_trip = func.type == "selector_expression" and text(
            fld(func, "field")) == "RoundTrip"
        body = fld(self.func, "body")
        for arg in named_children(fld(call, "arguments")):
            arg, name = unparen(arg), None
            if arg is not None and arg.type == "identifier":
                name = text(arg)
                arg = unparen(assigned_before(self.file, self.func, name, call.start_byte))
            if arg is None or arg.type != "call_expression":
                continue
            maker = self.r.callee(arg, self.env, self.file)
            if maker.kind != "std" or maker.name not in REQUEST_METHOD_ARG:
                continue
            # `req.RequestURI = ""`, `req.URL.Host = h` make it a client request again.
            changed = name is not None and body is not None and re.search(
                rf"\b{re.escape(name)}\.(RequestURI|URL)\b[^=\n]*=[^=]".encode(), body.text)
            if changed:
                continue
            if maker.pkg == "net/http/httptest" and not round_trip:
                return True
            params = named_children(fld(arg, "arguments"))
            position = REQUEST_METHOD_ARG[maker.name] + 1
            url = unparen(params[position]) if position < len(params) else None
            if maker.pkg == "net/http" and url is not None and url.type in (
                    "interpreted_string_literal", "raw_string_literal") and text(
                    url)[1:2] == "/":
                return True
        return False

    def _schemeless_url(self, call: Node, callee: Callee) -> bool:
        """`http.Get("localhost")`, `c.Post("not a url", ...)`: net/http refuses a URL
        literal with no scheme ("unsupported protocol scheme") before dialling, so the
        call only ever returns an error."""
        if callee.kind != "std" or callee.pkg != "net/http" or callee.name not in (
                "Get", "Head", "Post", "PostForm"):
            return False
        args = named_children(fld(call, "arguments"))
        return bool(args) and schemeless_url_literal(args[0])

    def _urlless_request(self, call: Node) -> bool:
        """Do / RoundTrip of a request literal that names no URL (`&http.Request{}`, as a
        test probes what a RoundTripper sets on it): the send fails with "nil
        Request.URL" before any connection, so there is no response."""
        func = unparen(fld(call, "function"))
        args = named_children(fld(call, "arguments"))
        if func is None or func.type != "selector_expression" or text(
                fld(func, "field")) not in ("Do", "RoundTrip") or len(args) != 1:
            return False
        arg = unparen(args[0])
        name = None
        if arg is not None and arg.type == "identifier":
            name = text(arg)
            arg = unparen(assigned_before(self.file, self.func, name, call.start_byte))
        if arg is not None and arg.type == "unary_expression":
            arg = unparen(fld(arg, "operand"))
        if arg is None or arg.type != "composite_literal":
            return False
        spelled = fld(arg, "type")
        if spelled is None or spelled.type != "qualified_type" or text(
                fld(spelled, "name")) != "Request" or self.file.imports.get(
                text(fld(spelled, "package"))) != "net/http":
            return False
        elements = named_children(fld(arg, "body"))
        if any(e.type != "keyed_element" or not e.named_children or text(
                e.named_children[0]).strip() == "URL" for e in elements):
            return False  # a URL given, or positional elements (the URL among them)
        body = fld(self.func, "body")
        # `req.URL = u` (or `req.URL, _ = url.Parse(...)`) later gives it one.
        return name is None or body is None or f"{name}.URL".encode() not in body.text

    def _parsed_from_memory(self, call: Node, callee: Callee) -> bool:
        return parsed_from_memory(self.r, self.env, self.file, self.func, call, callee)

    def _rewraps_outside_conn(self, call: Node) -> bool:
        """The call is given a connection this function did not open: a parameter, or a
        local taken from one, typed as a connection."""
        dialled = {r.var for r in self.resources if r.kind == "conn"}
        deferred = self._deferred_closes()
        for arg in named_children(fld(call, "arguments")):
            arg = unparen(arg)
            if arg is None or arg.type != "identifier":
                continue
            if text(arg) in dialled:
                if text(arg) in deferred:
                    return True
                continue
            t = self.r.type_of(arg, self.env, self.file)
            spelled = t.name if t is not None else self._declared_type(text(arg))
            if spelled.endswith(("Conn", "Connection")):
                return True
        return False

    def _over_dialled_client(self, call: Node) -> bool:
        """The call is a method of a local this function got from a Dial call (a client
        of one connection: `fcgiclient.DialTimeout`, `textproto.Dial`) and closes with
        `defer x.Close()`."""
        function = unparen(fld(call, "function"))
        operand = unparen(fld(function, "operand")) if function is not None and (
            function.type == "selector_expression") else None
        if operand is None or operand.type != "identifier" or (
                text(operand) not in self._deferred_closes()):
            return False
        made = unparen(assigned_before(self.file, self.func, text(operand), call.start_byte))
        maker = unparen(fld(made, "function")) if made is not None and (
            made.type == "call_expression") else None
        if maker is not None and maker.type == "selector_expression":
            maker = fld(maker, "field")
        return maker is not None and maker.type in ("identifier", "field_identifier") and (
            text(maker).startswith("Dial"))

    def _deferred_closes(self) -> set[str]:
        """Names the function closes with `defer name.Close()` (found once per flow)."""
        if self._deferred is None:
            self._deferred = self._find_deferred_closes()
        return self._deferred

    def _find_deferred_closes(self) -> set[str]:
        body = fld(self.func, "body")
        out: set[str] = set()
        for defer in self.file.within("defer_statement", body) if body is not None else ():
            call = next((c for c in defer.named_children if c.type == "call_expression"),
                        None)
            function = unparen(fld(call, "function")) if call is not None else None
            if function is not None and function.type == "selector_expression" and text(
                    fld(function, "field")) == "Close":
                out.add(text(fld(function, "operand")))
        return out

    def _declared_type(self, name: str) -> str:
        """The type a parameter of the function is declared with, as spelled."""
        for decl in named_children(fld(self.func, "parameters")):
            if any(text(n) == name for n in decl.children_by_field_name("name")):
                return text(fld(decl, "type")).lstrip("*").rpartition(".")[2]
        return ""

    def _reads_dialled_conn(self, call: Node) -> bool:
        """ReadResponse's reader is a connection this function dialled, closes or
        returns (a tunnel's raw conn, a 101 upgrade's: it owns the stream), or a local
        the function built over one before the call (`br := bufio.NewReader(conn)`)."""
        args = fld(call, "arguments")
        if args is None:
            return False
        for node in walk(args):
            if node.type != "identifier":
                continue
            if self._owned_conn(node):
                return True
            value = assigned_before(self.file, self.func, text(node), call.start_byte)
            if value is not None and any(n.type == "identifier" and self._owned_conn(n)
                                         for n in walk(value)):
                return True
        return False

    def _owned_conn(self, ident: Node) -> bool:
        name = text(ident)
        if name in {r.var for r in self.resources if r.kind == "conn"}:
            return True
        body = fld(self.func, "body")
        for use in identifiers(body, name) if body is not None else ():
            parent = use.parent
            if parent is not None and parent.type == "selector_expression" and text(
                    fld(parent, "field")) == "Close" and parent.parent is not None and (
                    parent.parent.type == "call_expression"):
                return True
            if parent is not None and parent.type == "expression_list" and (
                    parent.parent is not None and parent.parent.type == "return_statement"):
                return True
        return False

    def body_users(self) -> set[str]:
        """Names whose .Body field the function reads (not calls: resty's Body())."""
        if self._body_users is None:
            names: set[str] = set()
            structs: set[str] = set()
            # Evidence that the Body is a stream: read, closed or handed to a reader API.
            # (A parser's `file.Body` only goes to functions of its own library.)
            readers: set[str] = set()
            body = fld(self.func, "body")
            for node in self.file.within("selector_expression", body) if body else ():
                if text(fld(node, "field")) != "Body":
                    continue
                operand = fld(node, "operand")
                parent = node.parent
                if operand is None or operand.type != "identifier":
                    continue
                if parent is not None and parent.type == "call_expression" and fld(
                        parent, "function") == node:
                    continue
                if self._redeclared_on_the_way(operand, text(operand)):
                    continue
                if (parent is not None and parent.type == "selector_expression" and fld(
                        parent, "operand") == node and text(fld(parent, "field")) not in (
                        "Close", "Read")) or _byte_slice_use(self.file, node):
                    # resp.Body.Items: an SDK's decoded struct; string(resp.Body),
                    # json.Unmarshal(resp.Body, &v): a byte slice (knative's spoof,
                    # httpgrpc). Neither is an io.ReadCloser.
                    structs.add(text(operand))
                names.add(text(operand))
                if _read_as_stream(self.file, node):
                    readers.add(text(operand))
            self._body_users = {name for name in names - structs
                                if not self._foreign_members(body, name)
                                and name in readers}
        return self._body_users

    def _foreign_members(self, body: Node, name: str) -> bool:
        """name.X where X is no field or method of http.Response (`resp.Headers`,
        `resp.Code`): whatever the value is, it is not a response."""
        for node in self.file.within("selector_expression", body):
            operand = fld(node, "operand")
            if operand is not None and operand.type == "identifier" and text(
                    operand) == name and text(fld(node, "field")) not in _RESPONSE_MEMBERS:
                return True
        return False

    def _body_read_in_scope(self, expr: Node, name: str) -> bool:
        """For `name, err := call()`, a `name.Body` read inside the block the short
        declaration scopes name to (another loop's `resp` is another variable)."""
        stmt = block_statement(expr)
        if stmt.parent is None:
            return True
        scope = stmt.parent if stmt.type == "short_var_declaration" else (
            _declaring_block(stmt, name))
        if scope is None:
            return True  # a parameter or a captured variable: its scope is the function's
        return any(text(fld(node, "field")) == "Body" and text(fld(node, "operand")) == name
                   and node.start_byte > stmt.start_byte
                   and not _shadowed_within(node, scope, name)
                   for node in self.file.within("selector_expression", scope))

    def _redeclared_on_the_way(self, ident: Node, name: str) -> bool:
        """A func literal between ident and the function declares its own name (a
        parameter or a `:=`): the .Body read there is another variable's."""
        node = ident.parent
        while node is not None and node != self.func:
            if node.type == "func_literal" and _declares(node, name):
                return True
            node = node.parent
        return False

    def assignment(self, stmt: Node, state: State, declared: dict, define: bool) -> State:
        lhs = named_children(fld(stmt, "left"))
        rhs = named_children(fld(stmt, "right"))
        op = fld(stmt, "operator")
        if op is not None and text(op) not in ("=", ":="):
            return self.scan(stmt, state)  # x += ...
        first = lhs[0] if lhs and lhs[0].type == "identifier" else None
        acquired = self.acquisition(rhs[0], text(first) if first is not None and len(
            lhs) == 2 else None) if len(rhs) == 1 else None
        # Everything on the right is evaluated first.
        for expr in rhs:
            state = self.scan(expr, state)
        self._forget_error_checks(lhs, state, declared if define and _nested_scope(
            stmt) else None)
        _track_flags(lhs, rhs, state)
        assigned = {text(t) for t in lhs}
        self.witnesses = {ok: err for ok, err in self.witnesses.items()
                          if ok not in assigned and err not in assigned}
        self.converted = {x: err for x, err in self.converted.items()
                          if x not in assigned and err not in assigned}
        if acquired is not None:
            return self.bind_acquisition(lhs, rhs[0], acquired, state, declared, define)
        self._note_witness(lhs, rhs)
        # Aliases: x := resp / body := resp.Body; stores: s.f = resp.
        for i, target in enumerate(lhs):
            value = rhs[i] if len(rhs) == len(lhs) else None
            if value is None and i == 0 and len(rhs) == 1 and unparen(rhs[0]) is not None and (
                    unparen(rhs[0]).type == "type_assertion_expression"):
                value = rhs[0]  # rwc, ok := res.Body.(io.ReadWriteCloser)
            binding = self.value_binding(value, state)
            if target.type == "selector_expression":
                self._body_replaced(target, stmt, state, value)
            if target.type != "identifier":
                if binding:
                    # stored in a field, map, slice: shared with the object if returned
                    self._hand_over(binding, state, stored=True)
                continue
            name = text(target)
            if name == "_":
                continue
            local = define or self._is_local(name, state, declared)
            if define and name not in declared:
                declared[name] = state.binds.get(name)
            if binding and not local:
                self._hand_over(binding, state)  # stored in a package variable
            elif binding:
                state.binds[name] = binding
            else:
                state.binds.pop(name, None)  # the name holds something else now
        return state

    def var_spec(self, spec: Node, state: State, declared: dict) -> State:
        names = spec.children_by_field_name("name")
        values = named_children(fld(spec, "value"))
        if len(values) == 1 and len(names) >= 1:
            acquired = self.acquisition(values[0], text(names[0]) if len(names) == 2 else None)
            if acquired is not None:
                state = self.scan(values[0], state)
                return self.bind_acquisition(names, values[0], acquired, state, declared, True)
        for i, name_node in enumerate(names):
            name = text(name_node)
            declared.setdefault(name, state.binds.get(name))
            value = values[i] if i < len(values) else None
            if value is not None:
                state = self.scan(value, state)
            binding = self.value_binding(value, state)
            if binding:
                state.binds[name] = binding
            else:
                state.binds.pop(name, None)
        return state

    def bind_acquisition(self, lhs: list[Node], call: Node, acquired: tuple[str, str],
                         state: State, declared: dict, define: bool) -> State:
        kind, callee = acquired
        target = lhs[0] if lhs else None
        err_node = lhs[-1] if len(lhs) > 1 and self._returns_error(call) else None
        # err is the error variable's name, "_" when discarded, None when there is none.
        err = text(err_node) if err_node is not None and err_node.type == "identifier" else None
        res = Resource(len(self.resources), kind, "", err, unparen(call) or call, callee)
        if kind == "response":
            resolved = self.r.callee(res.call, self.env, self.file)
            # A HEAD request, one to the function's own test server whose handler
            # writes no body, or one served in process (`app.Test(req)`): the response
            # holds no connection to close (it is still a response: used before its
            # error check, it is nil).
            res.bodiless = self._bodiless(res.call, resolved)
            if err not in (None, "_") and resolved.info is not None:
                from leaklint.golang import summary

                if summary.fresh_with_error(self.r, resolved):
                    # The error does not say the response is nil: it must be closed on
                    # the error path too.
                    res.err = err = None
        if target is None or target.type != "identifier":
            return state  # stored straight into a field, map or slice: handed over
        name = text(target)
        if name == "_":
            # Nothing can close it, but the error still tells whether there is one:
            # `_, err := c.Get(u); if err == nil { t.Fatal(...) }` leaks on no path.
            res.var = "the response"
            self.resources.append(res)
            state.set(res.id, UNCHECKED if err not in (None, "_") else OPEN)
            if err in (None, "_"):
                res.leaks.append((call, "result discarded"))
                state.set(res.id, DONE)
            return state
        res.var = name
        if not define and not self._is_local(name, state, declared):
            return state  # assigned to a package variable: handed over
        if not define or name in declared:  # the same variable gets a new value
            for old, _via in state.binds.get(name, frozenset()):
                if state.live(old):
                    self.resources[old].leaks.append((call, "overwritten"))
                    state.set(old, DONE)
        if define and name not in declared:
            declared[name] = state.binds.get(name)
        self.resources.append(res)
        state.set(res.id, UNCHECKED if err is not None else OPEN)
        state.err_lost -= {res.id}
        state.flagged.pop(res.id, None)
        state.binds[name] = frozenset({(res.id, "whole")})
        return state

    def _bodiless(self, call: Node, resolved: Callee) -> bool:
        """A HEAD request, one to the function's own test server whose handler writes no
        body, or one served in process (`app.Test(req)`): the response holds no
        connection to close."""
        from leaklint.golang import summary

        return self.head_request(call, resolved) or to_bodiless_server(
            self.r, self.env, self.file, self.func, call) or self._server_side_request(
            call) or self._in_process_app(call) or (
            resolved.info is not None and summary.result(self.r, resolved) == (
                summary.BODILESS))

    def _returns_error(self, call: Node) -> bool:
        """Is the callee's last result an error? Unknown signatures are assumed to be."""
        call = unparen(call) or call
        callee = self.r.callee(call, self.env, self.file)
        if callee.info is None:
            return True
        results = callee.info.results
        return len(results) >= 2 and self.r.error_result(results[-1])

    def _is_local(self, name: str, state: State, declared: dict) -> bool:
        """Declared in this function; a variable captured by a func literal from the
        enclosing function belongs to that function (storing into it hands over)."""
        if name in declared or name in state.binds:
            return True
        return self.env.has_own(name)

    def _forget_error_checks(self, lhs: list[Node], state: State,
                             scope: dict | None = None) -> None:
        """A reassigned error variable no longer tells whether an older resource is nil.
        With scope (a `:=` in a nested block or an if/for/switch header), a name new to
        that scope is another variable shadowing the error: checks of it say nothing
        either, but the outer error is whole again once the scope ends."""
        names = {text(n) for n in lhs if n.type == "identifier"}
        for res in self.resources:
            if res.err in names and res.id in state.status:  # acquired on this path
                if scope is not None and res.err not in scope:
                    if res.id not in state.err_lost:
                        key = _SHADOWED + res.err
                        scope[key] = (scope.get(key) or frozenset()) | {(res.id, "err")}
                        state.err_lost |= {res.id}
                    continue
                state.err_lost |= {res.id}
                if UNCHECKED in state.status[res.id]:
                    state.status[res.id] = (state.status[res.id] - {UNCHECKED}) | {OPEN}

    def value_binding(self, value: Node | None, state: State) -> Binding:
        """The resources a value expression denotes as a whole: resp, resp.Body, conn."""
        value = unparen(value)
        if value is None:
            return frozenset()
        if value.type == "identifier":
            return state.binds.get(text(value), frozenset())
        if value.type == "type_assertion_expression":  # tlsConn := conn.(*tls.Conn)
            return self.value_binding(fld(value, "operand"), state)
        if value.type == "call_expression" and self._wraps(value):
            args = named_children(fld(value, "arguments"))
            return self.value_binding(args[0], state) if args else frozenset()
        if value.type == "selector_expression" and text(fld(value, "field")) == "Body":
            operand = unparen(fld(value, "operand"))
            if operand is not None and operand.type == "identifier":
                binding = state.binds.get(text(operand), frozenset())
                return frozenset((res, "body") for res, via in binding if via == "whole"
                                 and self.resources[res].kind == "response")
        return frozenset()

    def _body_replaced(self, target: Node, stmt: Node, state: State,
                       value: Node | None = None) -> None:
        """resp.Body = io.NopCloser(...) while the original body is still open: nothing
        can close the original any more (a wrapper of resp.Body was handed it above).
        A wrapper built around the original body (http.MaxBytesReader(nil, resp.Body, n),
        a package's counting reader) closes it when it is closed: still one body."""
        operand = unparen(fld(target, "operand"))
        if text(fld(target, "field")) != "Body" or operand is None or (
                operand.type != "identifier"):
            return
        if _wraps_body(value, text(operand), self._body_aliases(text(operand), stmt)):
            return
        for res, via in state.binds.get(text(operand), frozenset()):
            if via == "whole" and self.resources[res].kind == "response" and (
                    OPEN in state.status.get(res, frozenset())):
                self.resources[res].leaks.append((stmt, "body replaced"))
                state.set(res, DONE)

    def _body_aliases(self, name: str, before: Node) -> set[str]:
        """Locals that hold name.Body itself ahead of a point: `rbody := (io.Reader)(
        rsp.Body)`, `cbody := rsp.Body.(io.Closer)`, and one re-wrapped in place
        (`cbody = drainOnClose(cbody)` keeps holding it)."""
        body = fld(self.func, "body")
        aliases: set[str] = set()
        if body is None or f"{name}.Body".encode() not in (body.text or b""):
            return aliases
        pairs = []
        for kind in ("short_var_declaration", "assignment_statement"):
            for node in self.file.within(kind, body):
                lhs, rhs = named_children(fld(node, "left")), named_children(fld(node, "right"))
                if node.end_byte <= before.start_byte and len(lhs) == 1 and len(rhs) == 1 and (
                        lhs[0].type == "identifier"):
                    pairs.append((node.start_byte, text(lhs[0]), rhs[0]))
        for _start, target, value in sorted(pairs, key=lambda p: p[0]):
            held = _converted(value)
            if held is not None and (text(held) == f"{name}.Body" or (
                    held.type == "identifier" and text(held) in aliases)):
                aliases.add(target)
            elif not _rewraps(value, target):
                aliases.discard(target)
        return aliases

    def _hand_over(self, binding: Binding, state: State, stored: bool = False) -> None:
        for res, _via in binding:
            self.resources[res].handed_over = True
            self.resources[res].stored_only = self.resources[res].stored_only and stored
            state.set(res, DONE)

    # ---- other statements ---------------------------------------------------------

    def expression_statement(self, expr: Node | None, stmt: Node, state: State) -> State:
        if expr is None:
            return state
        acquired = self.acquisition(expr)
        claim = self._gomega_claim(expr) if expr.type == "call_expression" else None
        if claim is not None and acquired is None:
            # The asserted value is compared with nil, not used: only the matcher runs.
            state = self.scan(fld(expr, "arguments"), state)
            return self._claimed(claim, state)
        state = self.scan(expr, state)
        if acquired is not None:
            kind, callee = acquired
            res = Resource(len(self.resources), kind, "", None, expr, callee)
            if kind == "response":
                res.bodiless = self._bodiless(expr, self.r.callee(expr, self.env, self.file))
            res.leaks.append((expr, "result discarded"))
            self.resources.append(res)
            return state
        if expr.type == "call_expression" and self._terminates(expr):
            return State(reachable=False)
        if expr.type == "call_expression" and self._expects_error(expr):
            self._error_asserted(expr, state)
        elif expr.type == "call_expression":
            self._error_passed(expr, state)
            self._bodiless_required(expr, state)
            self._error_dereferenced(expr, state)
        return state

    def _error_dereferenced(self, call: Node, state: State) -> None:
        """`r.Contains(err.Error(), "refused")`: calling Error on a nil error panics, so
        the statement completes only when the error is set and its result nil."""
        names: set[str] = set()
        for node in walk(call):
            if node.type == "func_literal":
                return  # a callback may never run
            if node.type == "call_expression" and not named_children(
                    fld(node, "arguments")):
                func = unparen(fld(node, "function"))
                operand = unparen(fld(func, "operand")) if func is not None and (
                    func.type == "selector_expression") else None
                if operand is not None and operand.type == "identifier" and text(
                        fld(func, "field")) == "Error":
                    names.add(text(operand))
        for res in self.resources:
            current = state.status.get(res.id, frozenset())
            if res.err in names and UNCHECKED in current and res.id not in state.err_lost:
                state.status[res.id] = (current - LIVE) | {NIL}

    def _bodiless_required(self, call: Node, state: State) -> None:
        """require.Equal(t, http.StatusNoContent, resp.StatusCode): the test goes on only
        with a bodiless response (require stops it otherwise), so nothing is left open."""
        found = assertion(self.file, call)
        if found is None or not found.stops or found.name not in ("Equal", "EqualValues"):
            return
        compared = found.args[:2]
        if len(compared) != 2:
            return
        for code, status in (compared, compared[::-1]):
            if _bodiless_code(unparen(code)):
                for res in self._status_of(unparen(status), state):
                    state.set(res, DONE)

    def _claimed(self, claim: tuple[str, bool], state: State) -> State:
        """After an assertion that stops the test when it fails, only the paths where
        it holds go on: the state of the nil check it amounts to."""
        name, is_nil = claim
        split = self._nil_split(name, "whole", state)
        if split is None:
            return state
        return split[0] if is_nil else split[1]

    def _gomega_claim(self, call: Node) -> tuple[str, bool] | None:
        """Expect(err).ToNot(HaveOccurred()), g.Expect(err).To(Succeed()),
        Ω(resp).ShouldNot(BeNil()): the name asserted on, and whether it is nil after."""
        func = unparen(fld(call, "function"))
        if func is None or func.type != "selector_expression":
            return None
        positive = _GOMEGA_VERBS.get(text(fld(func, "field")))
        args = named_children(fld(call, "arguments"))
        if positive is None or not args:
            return None
        matcher = unparen(args[0])
        while matcher is not None and self._gomega_function(matcher) == "Not":
            inner = named_children(fld(matcher, "arguments"))
            matcher = unparen(inner[0]) if len(inner) == 1 else None
            positive = not positive
        name = self._gomega_function(matcher) if matcher is not None else None
        if name not in _GOMEGA_NIL_MATCHERS or (name == "MatchError" and not positive):
            return None
        actual = self._gomega_actual(unparen(fld(func, "operand")))
        if actual is None or actual.type != "identifier":
            return None
        nil_matched = _GOMEGA_NIL_MATCHERS[name]
        return text(actual), nil_matched if positive else not nil_matched

    def _gomega_function(self, node: Node) -> str | None:
        """The name of the Gomega package function node calls: HaveOccurred() under a dot
        import, gomega.HaveOccurred() under a named one."""
        if node.type != "call_expression":
            return None
        func = unparen(fld(node, "function"))
        if func is None:
            return None
        if func.type == "identifier":
            name = text(func)
            return name if _GOMEGA in self.file.dot_imports and not (
                self.env.has_own(name)) else None
        if func.type == "selector_expression":
            operand = unparen(fld(func, "operand"))
            if operand is not None and operand.type == "identifier" and (
                    self.file.imports.get(text(operand)) == _GOMEGA):
                return text(fld(func, "field"))
        return None

    @staticmethod
    def _gomega_actual(node: Node | None) -> Node | None:
        """The value of Expect(v), Ω(v), g.Expect(v), ExpectWithOffset(1, v). A Gomega
        matcher confirms the chain, so the receiver of Expect may be any WithT/Gomega."""
        if node is None or node.type != "call_expression":
            return None
        func = unparen(fld(node, "function"))
        if func is not None and func.type == "selector_expression":
            func = fld(func, "field")
        index = _GOMEGA_ACTUALS.get(text(func)) if func is not None else None
        args = named_children(fld(node, "arguments"))
        return unparen(args[index]) if index is not None and index < len(args) else None

    def _terminates(self, call: Node) -> bool:
        func = unparen(fld(call, "function"))
        if func is None:
            return False
        if func.type == "identifier":
            return text(func) == "panic"
        if func.type == "selector_expression":
            return text(fld(func, "field")) in TERMINATORS
        return False

    def _expects_error(self, call: Node) -> bool:
        """require.Error(t, err), assert.ErrorIs(t, err, x), s.Require().Error(err): a
        testify assertion that the call failed."""
        found = assertion(self.file, call)
        return found is not None and found.name in ERROR_ASSERTIONS

    def _error_asserted(self, call: Node, state: State) -> None:
        """After an assertion that the error is set, a response or connection still
        unchecked is nil: a test that passes holds none (require stops the test when
        there is one; assert fails it)."""
        args = named_children(fld(call, "arguments"))
        names = {text(a) for a in args if a.type == "identifier"}
        for res in self.resources:
            current = state.status.get(res.id, frozenset())
            if res.err in names and UNCHECKED in current and res.id not in state.err_lost:
                state.status[res.id] = (current - LIVE) | {NIL}

    def _error_passed(self, call: Node, state: State) -> None:
        """checkErr(err), require.NoError(t, err): treat as the error check."""
        args = named_children(fld(call, "arguments"))
        names = {text(a) for a in args if a.type == "identifier"}
        for res in self.resources:
            if res.err in names and UNCHECKED in state.status.get(res.id, frozenset()):
                state.status[res.id] = (state.status[res.id] - {UNCHECKED}) | {OPEN}

    def return_statement(self, stmt: Node, state: State) -> State:
        returned: set[int] = set()
        values = [c for c in stmt.named_children if c.type != "comment"]
        exprs: list[Node] = []
        for v in values:
            exprs.extend(v.named_children if v.type == "expression_list" else [v])
        if self.returns is not None:
            from leaklint.golang import summary  # summaries walk functions with flows

            # Returning is what the summary describes, not a hand-over seen by later paths.
            handed = {r.id: r.handed_over for r in self.resources}
            # `return resp, apiError(resp)`: the error built beside the response may close
            # its body first (the values are evaluated before the function returns).
            beside = state.copy()
            for expr in exprs[1:]:
                beside = self.scan(expr, beside)
            returned_kind = self._returned_kind(exprs, beside if beside.reachable else state,
                                                stmt.start_byte)
            if returned_kind == summary.FRESH and exprs and self._read_failed(stmt, exprs[0]):
                # The transport has already dropped the connection behind a body whose
                # read failed: the caller gets a response with nothing left to close.
                returned_kind = summary.CLOSED
            if returned_kind is not None:
                self.returns.append(returned_kind)
            if returned_kind == summary.FRESH and self._with_error(exprs):
                self.fresh_with_error = True
        for expr in exprs:
            state = self.scan(expr, state)
        if self.returns is not None:
            for r in self.resources:
                r.handed_over = handed.get(r.id, r.handed_over)
        if not exprs:  # a bare return hands over the named results
            for name in self.result_names:
                returned.update(res for res, _ in state.binds.get(name, frozenset()))
        self.exit(state, stmt, "return", tuple(returned))
        return State(reachable=False)

    def _with_error(self, exprs: list[Node]) -> bool:
        """The return hands back an error that may be set alongside the response: one
        it builds or asks for (`checkResponse(resp)`, `fmt.Errorf(...)`), or, for a
        pass-through `return c.Do(req)`, whatever the wrapped function gives."""
        from leaklint.golang import summary

        if len(exprs) == 1 and unparen(exprs[0]) is not None and (
                unparen(exprs[0]).type == "call_expression"):
            callee = self.r.callee(unparen(exprs[0]), self.env, self.file)
            return summary.fresh_with_error(self.r, callee)
        last = unparen(exprs[-1]) if len(exprs) >= 2 else None
        return last is not None and last.type == "call_expression"

    def _returned_kind(self, exprs: list[Node], state: State, at: int) -> str | None:
        """What the first returned value is to the caller: fresh (open), closed (its
        body closed here), kept (not obtained here), None for nil."""
        from leaklint.golang import summary

        if not exprs:
            # A bare return hands back the first named result: what `return name` would
            # there (a return ahead of the call that fills the result hands back nil).
            return self._name_kind(self.result_names[0], state, at) if (
                self.result_names) else summary.FRESH
        first = unparen(exprs[0])
        if first is None or first.type == "nil":
            return None
        if first.type == "call_expression":
            callee = self.r.callee(first, self.env, self.file)
            if self._in_process_app(first):
                return summary.BODILESS  # nothing behind it, but nil on an error
            if self.r.in_memory(callee) or self._parsed_from_memory(first, callee):
                return summary.KEPT  # a recorder's response: no connection behind it
            return summary.result(self.r, callee) if callee.info is not None else summary.FRESH
        if first.type == "unary_expression":
            first = unparen(fld(first, "operand"))
        if first is not None and first.type == "composite_literal":
            # A new value built around a resource obtained here carries it out.
            return summary.FRESH if self._holds_resource(first, state) else summary.KEPT
        if first is None or first.type != "identifier":
            return summary.KEPT
        return self._name_kind(text(first), state, first.start_byte)

    def _name_kind(self, name: str, state: State, at: int | None = None) -> str | None:
        """What returning the variable name gives the caller (see _returned_kind)."""
        from leaklint.golang import summary

        if self._closed_by_literal(name):
            return summary.CLOSED  # t.Cleanup(func() { c.Close() }) / defer func() {...}()
        binding = state.binds.get(name, frozenset())
        if binding:
            return self._bound_kind(binding, state)
        origin = self._assigned_call(name, at)
        if origin is None:
            return summary.KEPT  # a parameter, a field, a package variable
        callee = self.r.callee(origin, self.env, self.file)
        if self.r.in_memory(callee) or self._parsed_from_memory(origin, callee):
            return summary.KEPT
        if _memo_getter(origin) and (callee.info is None or fld(
                callee.info.node, "body") is None):
            return summary.KEPT  # the cache's own connection, handed on
        if callee.info is None:
            # An unknown call (a func-typed field, `r.Do(req, tc)`) followed, in the same
            # block, by a statement that closes what it gave (`copyResponse(last)`,
            # which swaps in a buffered body): every path that gets here passed it.
            if at is not None and self._closed_after(origin, name, at):
                return summary.CLOSED
            return summary.FRESH
        kind = summary.result(self.r, callee)
        if kind == summary.KEPT and self._holds_resource(fld(origin, "arguments"), state):
            return summary.FRESH  # conn := Client(rawConn): the wrapper owns rawConn now
        return kind

    def _read_failed(self, stmt: Node, first: Node) -> bool:
        """stmt stands in the `if err != nil` branch of a read of first's whole body
        (`data, err := io.ReadAll(resp.Body)`, `io.Copy(io.Discard, resp.Body)`): the
        read failed, and net/http closes the connection behind a body whose Read fails."""
        first = unparen(first)
        if first is None or first.type != "identifier":
            return False
        name = text(first)
        node = stmt
        while node.parent is not None and node != self.func:
            parent = node.parent
            if parent.type == "if_statement" and node == fld(parent, "consequence"):
                err = _not_nil_operand(fld(parent, "condition"))
                if err is not None and self._reads_whole_body(
                        _last_assignment(parent, err), name):
                    return True
            if parent.type == "func_literal":
                return False
            node = parent
        return False

    def _reads_whole_body(self, assignment: Node | None, name: str) -> bool:
        """assignment's value is a read of name.Body to its end."""
        values = named_children(fld(assignment, "right")) if assignment is not None else []
        call = unparen(values[0]) if len(values) == 1 else None
        if call is None or call.type != "call_expression":
            return False
        callee = self.r.callee(call, self.env, self.file)
        if callee.kind != "std" or (callee.pkg, callee.name) not in _WHOLE_READS:
            return False
        args = [unparen(a) for a in named_children(fld(call, "arguments"))]
        if callee.name == "Copy" and (len(args) != 2 or text(args[0]) not in (
                "io.Discard", "ioutil.Discard")):
            return False  # a failed Copy may be the writer's failure, the body unread
        return bool(args) and text(args[-1]) == f"{name}.Body"

    def _closed_after(self, origin: Node, name: str, before: int) -> bool:
        """A statement of the block that assigns name from origin, after that
        assignment and ahead of `before`, closes name (directly or through a helper
        that closes it); not inside a nested block or func literal."""
        stmt = block_statement(origin)
        block = stmt.parent
        if block is None:
            return False
        probe = Resource(-1, "response", name, None, origin, "")
        for later in block.named_children:
            if later.start_byte <= stmt.start_byte or later.start_byte >= before:
                continue
            if later.type not in ("expression_statement", "short_var_declaration",
                                  "assignment_statement", "defer_statement"):
                continue
            for n in identifiers(later, name):
                if not _is_key(n) and not inside(n, "func_literal", later) and (
                        self.classify(n, "whole", probe)[0] in ("close", "helper")):
                    return True
        return False

    def _holds_resource(self, node: Node | None, state: State) -> bool:
        """node mentions a name bound to a resource obtained in this function."""
        return node is not None and any(
            n.type == "identifier" and state.binds.get(text(n)) for n in walk(node))

    def _closed_by_literal(self, name: str) -> bool:
        """A func literal of the function closes name (a registered cleanup or a
        deferred literal): whatever the name holds when it runs is closed there."""
        body = fld(self.func, "body")
        closers = {f"{name}.Close", f"{name}.Body.Close"}
        return body is not None and any(
            text(fld(call, "function")) in closers and inside(call, "func_literal", self.func)
            for call in self.file.within("call_expression", body))

    def _bound_kind(self, binding: Binding, state: State) -> str | None:
        from leaklint.golang import summary

        ids = [res for res, via in binding if via == "whole"]
        if not ids:
            return summary.FRESH
        statuses = frozenset().union(*(state.status.get(r, frozenset()) for r in ids))
        if statuses & LIVE:
            live = [r for r in ids if state.status.get(r, frozenset()) & LIVE]
            if all(self.resources[r].bodiless for r in live):
                return summary.BODILESS  # an in-process answer, a HEAD response
            return summary.FRESH
        if statuses <= {NIL}:
            return None
        handed = [self.resources[r] for r in ids if self.resources[r].handed_over
                  and not self._closed_by_defer(self.resources[r])]
        if handed and all(res.stored_only for res in handed):
            return summary.KEPT  # stored in the object too: a shared one (a memo)
        if handed:
            return summary.FRESH  # given to code that may keep it open
        return summary.CLOSED

    def _closed_by_defer(self, res: Resource) -> bool:
        """A deferred close runs when the function returns, after whatever it handed
        the value to (an error value wrapping the response): the caller gets it closed."""
        return any(inside(close, "defer_statement", self.func) for close in res.closes)

    def _assigned_call(self, name: str, before: int | None = None) -> Node | None:
        """The call whose first result the function assigns to name, if any; with
        before, the last assignment to name ahead of that point decides (`conn, ok :=
        c.conns[k]` there is no call, whatever is dialled into conn further down)."""
        body = fld(self.func, "body")
        if body is None:
            return None
        found: list[tuple[int, Node | None]] = []
        for kind in ("short_var_declaration", "assignment_statement"):
            for node in self.file.within(kind, body):
                if before is not None and node.start_byte >= before:
                    continue
                lhs = named_children(fld(node, "left"))
                rhs = named_children(fld(node, "right"))
                if not any(text(t) == name for t in lhs):
                    continue
                value = unparen(rhs[0]) if lhs and len(rhs) == 1 and text(
                    lhs[0]) == name else None
                call = value if value is not None and value.type == "call_expression" else (
                    None)
                if before is None and call is not None:
                    return call
                found.append((node.start_byte, call))
        if before is None or not found:
            return None
        return max(found, key=lambda item: item[0])[1]

    def if_statement(self, stmt: Node, state: State) -> State:
        declared: dict[str, Binding | None] = {}
        init = fld(stmt, "initializer")
        if init is not None:
            state = self.statement(init, state, declared)
        cond = fld(stmt, "condition")
        then_state, else_state = self.condition(cond, state)
        then_out = self.block(fld(stmt, "consequence"), then_state) if fld(
            stmt, "consequence") is not None else then_state
        alt = fld(stmt, "alternative")
        if alt is None:
            else_out = else_state
        elif alt.type == "if_statement":
            else_out = self.if_statement(alt, else_state)
        else:
            else_out = self.block(alt, else_state)
        return self._restore(merge(then_out, else_out), declared)

    def for_statement(self, stmt: Node, state: State, label: str | None) -> State:
        declared: dict[str, Binding | None] = {}
        clause = next((c for c in stmt.named_children
                       if c.type in ("for_clause", "range_clause")), None)
        cond = None
        infinite = True
        if clause is not None and clause.type == "for_clause":
            init = fld(clause, "initializer")
            if init is not None:
                state = self.statement(init, state, declared)
            cond = fld(clause, "condition")
            infinite = cond is None
        elif clause is not None:
            state = self.scan(fld(clause, "right"), state)
            infinite = False
        else:
            conds = [c for c in stmt.named_children if c.type not in ("block", "comment")]
            if conds:
                cond = conds[0]
                infinite = False
        if cond is not None:
            body_entry, exit_state = self.condition(cond, state)
        else:
            body_entry, exit_state = state.copy(), (DEAD if infinite else state.copy())
        frame = Frame("loop", label, first_resource=len(self.resources))
        self.frames.append(frame)
        body = fld(stmt, "body")
        end = self.block(body, body_entry.copy()) if body is not None else body_entry
        self.frames.pop()
        closing = body.children[-1] if body is not None and body.children else stmt
        for cont_state, cont_node in frame.continues:
            self.leak_loop_resources(cont_state, frame.first_resource, cont_node, "continue",
                                     stmt, self._nil_when_repeating(cond, cont_state,
                                                                    frame.first_resource))
        if end.reachable:
            self.leak_loop_resources(end, frame.first_resource, closing,
                                     "end of loop iteration", stmt,
                                     self._nil_when_repeating(cond, end, frame.first_resource))
        loop_back = merge(end, *[s for s, _ in frame.continues])
        after = merge(exit_state, *frame.breaks) if infinite else merge(
            exit_state, loop_back, *frame.breaks)
        return self._restore(after, declared)

    def switch_statement(self, stmt: Node, state: State, label: str | None) -> State:
        declared: dict[str, Binding | None] = {}
        init = fld(stmt, "initializer")
        if init is not None:
            state = self.statement(init, state, declared)
        value = fld(stmt, "value")
        if value is not None:
            state = self.scan(value, state)
        frame = Frame("switch", label)
        self.frames.append(frame)
        outs: list[State] = []
        remaining = state
        has_default = False
        tagless = stmt.type == "expression_switch_statement" and value is None
        carried: State | None = None  # what a `fallthrough` hands the next case
        for case in stmt.named_children:
            if case.type not in ("expression_case", "default_case", "type_case",
                                 "communication_case"):
                continue
            entry = remaining.copy()
            if case.type == "default_case":
                has_default = True
            elif case.type == "expression_case" and tagless:
                values = named_children(fld(case, "value"))
                matched: list[State] = []
                for cond in values:
                    t, remaining = self.condition(cond, remaining)
                    matched.append(t)
                entry = merge(*matched) if matched else entry
            elif case.type == "expression_case":
                entry = self.scan(fld(case, "value"), entry)
                values = named_children(fld(case, "value"))
                if values and all(_bodiless_code(v) for v in values):
                    entry = self._bodiless_case(value, entry)
            elif case.type == "communication_case":
                comm = fld(case, "communication")
                if comm is not None:
                    entry = self.statement(comm, entry, {})
            if carried is not None:
                entry = merge(entry, carried)
            out = self.case_body(case, entry)
            last = statements(case)[-1:] if case.named_children else []
            if last and last[0].type == "fallthrough_statement":
                carried, out = out, DEAD
            else:
                carried = None
            outs.append(out)
        if carried is not None:
            outs.append(carried)  # a fallthrough out of the last case: not legal Go
        self.frames.pop()
        if not has_default and stmt.type != "select_statement":
            outs.append(remaining)
        if stmt.type == "select_statement" and not outs:
            outs.append(DEAD)  # select {} blocks forever
        return self._restore(merge(*outs, *frame.breaks), declared)

    def case_body(self, case: Node, state: State) -> State:
        declared: dict[str, Binding | None] = {}
        for stmt in statements(case):
            if stmt.type in ("expression_list",) or stmt == fld(case, "value"):
                continue
            if stmt == fld(case, "communication"):
                continue
            if not state.reachable:
                break
            state = self.statement(stmt, state, declared)
        return self._restore(state, declared)

    # ---- conditions ---------------------------------------------------------------

    def condition(self, cond: Node | None, state: State) -> tuple[State, State]:
        cond = unparen(cond)
        if cond is None:
            return state, state.copy()
        if cond.type == "unary_expression" and text(fld(cond, "operator")) == "!":
            t, f = self.condition(fld(cond, "operand"), state)
            return f, t
        if cond.type == "binary_expression":
            op = text(fld(cond, "operator"))
            if op == "&&":
                t1, f1 = self.condition(fld(cond, "left"), state)
                t2, f2 = self.condition(fld(cond, "right"), t1)
                return t2, merge(f1, f2)
            if op == "||":
                t1, f1 = self.condition(fld(cond, "left"), state)
                t2, f2 = self.condition(fld(cond, "right"), f1)
                return merge(t1, t2), f2
            if op in ("==", "!="):
                split = self.nil_check(cond, op, state)
                if split is not None:
                    return split
                converted = self._converted_error(cond)
                if converted is not None:
                    split = self._error_split(cond, converted, state)
                    return split if op == "!=" else (split[1], split[0])
                sentinel = self._sentinel_test(cond)
                if sentinel is not None:
                    split = self._error_split(cond, sentinel, state)
                    return split if op == "==" else (split[1], split[0])
                split = self._bodiless_status_split(cond, op, state)
                if split is not None:
                    return split
        if cond.type == "identifier" and any(
                text(cond) in names for names in state.flagged.values()):
            return state, _flag_false(text(cond), state.copy())
        split = self._assertion_split(cond, state)
        if split is not None:
            return split
        witnessed = self._error_witnessed(cond)
        if witnessed is not None:
            return self._error_split(cond, witnessed, state)
        state = self.scan(cond, state)
        self._mentions_error(cond, state)
        return state, state.copy()

    def _bodiless_status_split(self, cond: Node, op: str, state: State
                               ) -> tuple[State, State] | None:
        """`resp.StatusCode == http.StatusNotModified` (or 204 No Content): on that branch
        the response has no body (net/http hands back NoBody and reuses the connection),
        so nothing is left to close there."""
        left, right = unparen(fld(cond, "left")), unparen(fld(cond, "right"))
        for status, code in ((left, right), (right, left)):
            if code is None or not _bodiless_code(code):
                continue
            ids = self._status_of(status, state)
            if not ids:
                return None
            state = self.scan(cond, state)
            equal, other = state, state.copy()
            for res in ids:
                equal.set(res, DONE)
            return (equal, other) if op == "==" else (other, equal)
        return None

    def _bodiless_case(self, value: Node | None, state: State) -> State:
        """`switch resp.StatusCode { case http.StatusNotModified: ... }`: in that case
        the response has no body."""
        for res in self._status_of(unparen(value), state):
            state.set(res, DONE)
        return state

    def _status_of(self, expr: Node | None, state: State) -> list[int]:
        """The responses whose status expr reads (`resp.StatusCode`, resp bound here)."""
        if expr is None or expr.type != "selector_expression" or text(
                fld(expr, "field")) != "StatusCode":
            return []
        holder = unparen(fld(expr, "operand"))
        if holder is None or holder.type != "identifier":
            return []
        return [res for res, via in state.binds.get(text(holder), frozenset())
                if via == "whole" and self.resources[res].kind == "response"]

    def _assertion_split(self, cond: Node, state: State) -> tuple[State, State] | None:
        """`if assert.NoError(t, err) {...}`: the assertion's result is the nil check
        of its subject (assert.Error and ErrorIs only hold true for a set error)."""
        subject = self._assert_subject(cond)
        if subject is None:
            return None
        node, nil_when_true = subject
        for arg in named_children(fld(cond, "arguments")):
            if arg != node:  # the subject is compared, not used
                state = self.scan(arg, state)
        split = self._nil_split(text(node), "whole", state)
        if split is None:
            state = self.scan(node, state)
            return state, state.copy()
        is_nil, not_nil = split
        if nil_when_true is None:  # true: the error is set; false: unknown
            return not_nil, merge(is_nil, not_nil)
        return (is_nil, not_nil) if nil_when_true else (not_nil, is_nil)

    def _assert_subject(self, call: Node) -> tuple[Node, bool | None] | None:
        """The subject of a testify/assert call used as a condition (assert.NoError(t,
        err), s.Assert().Nil(resp)) and whether it is nil when the call returns true
        (None: set when true, unknown when false). require's return nothing."""
        found = assertion(self.file, call)
        if found is None or found.stops:
            return None
        nil_when_true = _ASSERT_NIL_WHEN_TRUE.get(found.name)
        if nil_when_true is None and found.name not in ERROR_ASSERTIONS:
            return None
        subject = unparen(found.args[0]) if found.args else None
        if subject is None or subject.type != "identifier":
            return None
        return subject, nil_when_true

    def _error_witnessed(self, cond: Node) -> str | None:
        """The error a condition can only hold true for when it is set: errors.Is(err, x),
        errors.As(err, &t), or the ok of `t, ok := err.(*T)` / `ok := errors.As(...)`."""
        if cond.type == "identifier":
            return self.witnesses.get(text(cond))
        if cond.type == "call_expression":
            return self._error_test_subject(cond)
        return None

    def _converted_error(self, cond: Node) -> str | None:
        """`x != nil` (or `x == nil`) with x converted from an error by a function that
        returns nil for a nil error: the error it came from."""
        left, right = unparen(fld(cond, "left")), unparen(fld(cond, "right"))
        if left is None or right is None:
            return None
        if left.type == "nil":
            left, right = right, left
        if right.type != "nil" or left.type != "identifier":
            return None
        return self.converted.get(text(left))

    def _nil_preserving(self, call: Node) -> bool:
        """A function of the module whose body starts `if p == nil { return nil }` for
        the parameter the error is handed in (`network.Adapter(err)`)."""
        callee = self.r.callee(call, self.env, self.file)
        info = callee.info
        body = fld(info.node, "body") if info is not None else None
        first = next(iter(statements(body)), None) if body is not None else None
        if first is None or first.type != "if_statement" or not info.params:
            return False
        name = info.params[0][0]
        condition = unparen(fld(first, "condition"))
        inner = statements(fld(first, "consequence"))
        if condition is None or condition.type != "binary_expression" or text(
                fld(condition, "operator")) != "==" or not inner or (
                inner[0].type != "return_statement"):
            return False
        sides = {text(unparen(fld(condition, "left"))), text(unparen(fld(condition, "right")))}
        values = named_children(inner[0].named_children[0]) if inner[0].named_children else []
        return sides == {name, "nil"} and len(values) >= 1 and all(
            unparen(v) is not None and unparen(v).type == "nil" for v in values)

    def _sentinel_test(self, cond: Node) -> str | None:
        """`err == ErrNoCachedConn`, `err != io.EOF`: the error compared with a sentinel
        error value (named Err*, or io.EOF), which is never nil: equal means set."""
        errors = {res.err for res in self.resources if res.err}
        left, right = unparen(fld(cond, "left")), unparen(fld(cond, "right"))
        for subject, other in ((left, right), (right, left)):
            if subject is None or other is None or subject.type != "identifier" or (
                    text(subject) not in errors):
                continue
            if other.type == "selector_expression":
                name = text(fld(other, "field"))
            elif other.type == "identifier":
                name = text(other)
            else:
                continue
            if name == "EOF" or (name[:3] in ("Err", "err") and name[3:4].isupper()):
                return text(subject)
        return None

    def _error_test_subject(self, call: Node) -> str | None:
        func = unparen(fld(call, "function"))
        args = named_children(fld(call, "arguments"))
        if func is None or not args:
            return None
        if func.type == "selector_expression" and text(fld(func, "field")) in (
                "Is", "As") and self.file.imports.get(text(fld(func, "operand"))) == "errors":
            first = unparen(args[0])
            return text(first) if first is not None and first.type == "identifier" else None
        return self._error_handler_subject(args)

    def _error_handler_subject(self, args: list[Node]) -> str | None:
        """`if response.HandleError(c, err, 500) { return }`, `if os.IsNotExist(err)`:
        a predicate handed the error alone (no result it came with) holds for a set
        error; none answers true for a nil one."""
        errors = {res.err for res in self.resources if res.err}
        bound = {res.var for res in self.resources if res.var}
        subject = None
        for arg in args:
            arg = unparen(arg)
            if arg is None:
                continue
            if arg.type == "identifier" and text(arg) in errors:
                if subject is not None and subject != text(arg):
                    return None
                subject = text(arg)
            elif any(n.type == "identifier" and text(n) in bound for n in walk(arg)):
                return None
        return subject

    def _error_split(self, cond: Node, err: str, state: State) -> tuple[State, State]:
        """True: the error is set, so the result it came with is nil. False: unknown."""
        state = self.scan(cond, state)
        true, false = state.copy(), state
        for res in self.resources:
            current = state.status.get(res.id, frozenset())
            if res.err != err or res.id in state.err_lost or not current & LIVE:
                continue
            true.status[res.id] = (current - LIVE) | {NIL}
            if UNCHECKED in current:
                false.status[res.id] = (current - {UNCHECKED}) | {OPEN, NIL}
        return true, false

    def _note_witness(self, lhs: list[Node], rhs: list[Node]) -> None:
        """Remember `t, ok := err.(*T)` and `ok := errors.As(err, &t)`: ok true means err
        is set (assignment() forgets it when either name is assigned again)."""
        value = unparen(rhs[0]) if len(rhs) == 1 else None
        if value is None:
            return
        if len(lhs) == 2 and value.type == "type_assertion_expression":
            operand = unparen(fld(value, "operand"))
            if operand is not None and operand.type == "identifier" and (
                    lhs[1].type == "identifier"):
                self.witnesses[text(lhs[1])] = text(operand)
        elif len(lhs) == 1 and value.type == "call_expression" and (
                lhs[0].type == "identifier"):
            subject = self._error_test_subject(value)
            if subject is not None:
                self.witnesses[text(lhs[0])] = subject
                if self._nil_preserving(value):
                    self.converted[text(lhs[0])] = subject

    def _mentions_error(self, cond: Node, state: State) -> None:
        """(err != nil) != tt.wantErr, errors.Is(err, x): the error is looked at; which
        way it went is unknown, so the resource may be nil or open afterwards."""
        names = {text(n) for n in walk(cond) if n.type == "identifier"}
        for res in self.resources:
            current = state.status.get(res.id, frozenset())
            if res.err in names and UNCHECKED in current and res.id not in state.err_lost:
                state.status[res.id] = (current - {UNCHECKED}) | {OPEN, NIL}

    def nil_check(self, cond: Node, op: str, state: State) -> tuple[State, State] | None:
        left, right = unparen(fld(cond, "left")), unparen(fld(cond, "right"))
        if left is None or right is None:
            return None
        if right.type != "nil":
            left, right = right, left
        if right.type != "nil":
            return None
        want_via = "whole"
        if left.type == "selector_expression" and text(fld(left, "field")) == "Body":
            # if resp.Body != nil { defer resp.Body.Close() }: no body, nothing to close.
            left = unparen(fld(left, "operand"))
            want_via = "body-of"
        if left is None or left.type != "identifier":
            return None
        split = self._nil_split(text(left), want_via, state)
        if split is None:
            return None
        is_nil, not_nil = split
        return (is_nil, not_nil) if op == "==" else (not_nil, is_nil)

    def _nil_split(self, name: str, want_via: str, state: State
                   ) -> tuple[State, State] | None:
        """The states where name is nil and where it is not, when name holds a resource
        (want_via "body-of": its body) or is the error of one; None otherwise."""
        is_nil, not_nil = state.copy(), state.copy()
        touched = False
        for res, via in state.binds.get(name, frozenset()):
            if via != "whole":
                continue
            if want_via == "body-of" and self.resources[res].kind != "response":
                continue
            touched = True
            current = state.status.get(res, frozenset())
            is_nil.status[res] = frozenset({NIL}) if current & LIVE else current
            not_nil.status[res] = (current - {UNCHECKED}) | ({OPEN} if current & LIVE else set())
        for res in self.resources:
            current = state.status.get(res.id, frozenset())
            if want_via != "whole":
                break
            if res.err == name and res.id not in state.err_lost and current & (LIVE | {NIL}):
                touched = True
                # err != nil: the response is nil; err == nil: it is open. The error
                # still holds this acquisition's result, so a re-check (after a retry
                # loop, say) splits the paths again.
                not_nil.status[res.id] = (current - LIVE) | {NIL}
                if current & LIVE:
                    is_nil.status[res.id] = (current - {UNCHECKED, NIL}) | {OPEN}
                else:
                    is_nil.status[res.id] = current - {NIL} or frozenset({DONE})
        if not touched:
            return None
        return is_nil, not_nil

    # ---- occurrences of resources inside expressions --------------------------------

    def scan(self, node: Node | None, state: State) -> State:
        """Apply every occurrence of a bound resource inside node to state."""
        if node is None or not state.reachable or not state.binds:
            return state
        for occ in self._occurrences(node, state):
            self.apply(occ, state)
        for lit in _func_literals(node):
            self.closure(lit, state)
        for lit in self._local_funcs_called(node):
            self.closure(lit, state)
        return state

    def _local_funcs_called(self, node: Node) -> list[Node]:
        """The func literals behind `process()` calls in node, where `process :=
        func() {...}` is declared once in this function: what the literal does to the
        resources it captures happens at the call (a deferred close inside included)."""
        if self._local_funcs is None:
            self._local_funcs = {}
            seen: set[str] = set()
            body = fld(self.func, "body")
            for decl in self.file.within("short_var_declaration", body) if body else ():
                lhs = named_children(fld(decl, "left"))
                rhs = named_children(fld(decl, "right"))
                for name_node, value in zip(lhs, rhs, strict=False):
                    name = text(name_node)
                    if name in seen:
                        self._local_funcs.pop(name, None)  # declared twice: which one?
                    elif unparen(value) is not None and unparen(value).type == "func_literal":
                        self._local_funcs[name] = unparen(value)
                    seen.add(name)
        if not self._local_funcs:
            return []
        out = []
        for call in self.file.within("call_expression", node):
            function = fld(call, "function")
            if function is not None and function.type == "identifier" and (
                    text(function) in self._local_funcs) and not inside(
                    call, "func_literal", node):
                out.append(self._local_funcs[text(function)])
        return out

    def _occurrences(self, node: Node, state: State) -> list[Node]:
        out = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "func_literal":
                continue
            if n.type == "identifier" and text(n) in state.binds and not _is_key(n, self.up):
                out.append(n)
                continue
            stack.extend(self._children(n))
        return out

    def _children(self, node: Node) -> list[Node]:
        """Named children, last first (for a stack), their parent recorded."""
        children = node.named_children
        for child in children:
            self._parents[child.id] = node
        children.reverse()
        return children

    def closure(self, lit: Node, state: State) -> None:
        """A func literal capturing a resource: a close or hand-over inside counts now."""
        params = {text(n) for decl in named_children(fld(lit, "parameters"))
                  for n in decl.children_by_field_name("name")}
        body = fld(lit, "body")
        if body is None or _discarded(lit):
            return
        names = {n for n in state.binds if n not in params}
        if not names:
            return
        stack = [body]
        while stack:
            n = stack.pop()
            if n.type == "identifier" and text(n) in names and not _is_key(n, self.up) and (
                    not _assigned_to(n, self.up)):
                self.apply(n, state)
                continue
            stack.extend(self._children(n))

    def apply(self, ident: Node, state: State) -> None:
        binding = state.binds.get(text(ident), frozenset())
        for res_id, via in binding:
            res = self.resources[res_id]
            effect, where = self.classify(ident, via, res)
            current = state.status.get(res_id, frozenset())
            if effect == "compare":
                continue
            # The walk up to a nil guard goes last: on every path after the error check
            # (most occurrences) it would cost the depth of the occurrence each time.
            premature = effect in ("use", "close", "drain", "helper", "keep") and not (
                res.err and _passes_name(where, res.err))
            if premature and UNCHECKED in current and res.err is not None and (
                    res.premature is None) and not _copied(ident, self.up) and not (
                    _short_circuited(ident, res.err, self.up)) and not _nil_guarded(
                    ident, self.up) and not self._nil_safe_argument(ident, where):
                res.premature = where  # reported once; the err check still applies
            if effect == "close":
                res.closes.append(where)
                state.set(res_id, DONE)
            elif effect == "helper":  # a function that closes it (and may drain it first)
                res.drained = True
                res.helped = True
                state.set(res_id, DONE)
            elif effect in ("handover", "keep", "store"):
                res.handed_over = True
                res.stored_only = res.stored_only and effect == "store"
                res.drained = True
                state.set(res_id, DONE)
            elif effect == "drain":
                res.drained = True

    def _nil_safe_argument(self, ident: Node, call: Node) -> bool:
        """debugResponse(resp) where the same-module function looks at its parameter only
        under `if res != nil`: handing it a nil response is safe."""
        from leaklint.golang import summary

        args = self.up(ident)
        if call.type != "call_expression" or args is None or (
                args.type != "argument_list" or self.up(args) != call):
            return False
        callee = self.r.callee(call, self.env, self.file)
        if _NIL_ASSERTION.fullmatch(callee.name or ""):
            return True  # `t.AssertNil(conn)` (gtest), `qt.IsNil(x)`: compares with nil
        if callee.info is None:
            return False
        return summary.nil_safe(callee, args.named_children.index(ident))

    def classify(self, ident: Node, via: str, res: Resource) -> tuple[str, Node]:
        """What an occurrence does: close, helper (a function that closes it), keep (a
        function that keeps it open), handover, drain, compare or use."""
        node = ident
        parent = self.up(node)
        if via == "whole" and res.kind == "response":
            if parent is not None and parent.type == "selector_expression" and fld(
                    parent, "operand") == node:
                member = text(fld(parent, "field"))
                call = self.up(parent)
                if member == "Write" and call is not None and call.type == (
                        "call_expression") and fld(call, "function") == parent:
                    return "helper", call  # Response.Write sends the body, then closes it
                if member != "Body":
                    return "use", parent
                node, via = parent, "body"
                parent = self.up(node)
            else:
                return self.whole_value(node, res, body=False)
        # node is now a body (or a connection) value
        if parent is not None and parent.type == "selector_expression" and fld(
                parent, "operand") == node:
            member = text(fld(parent, "field"))
            call = self.up(parent)
            is_call = call is not None and call.type == "call_expression" and fld(
                call, "function") == parent
            if member == "Close" and is_call:
                return "close", call
            if member == "Close" and call is not None and call.type == "argument_list" and (
                    call.parent is not None):
                # t.Cleanup(resp.Body.Close), testutil.CleanupAndRequireSuccess(t,
                # conn.Close): the method value is handed over to be called later.
                return "helper", call.parent
            if member in ("Read", "WriteTo") and is_call:
                return "drain", call
            return "use", parent
        return self.whole_value(node, res, body=via == "body" or res.kind == "conn")

    def whole_value(self, node: Node, res: Resource, body: bool) -> tuple[str, Node]:
        child, parent = node, self.up(node)
        while parent is not None and parent.type in ("parenthesized_expression",
                                                      "unary_expression",
                                                      "type_assertion_expression"):
            child, parent = parent, self.up(parent)
        if parent is None:
            return "use", node
        kind = parent.type
        if kind == "argument_list":
            call = self.up(parent)
            if call is None or call.type != "call_expression":
                return "use", node
            index = [c for c in parent.named_children].index(child)
            if index == 0 and self._wraps(call):
                return self.whole_value(call, res, body)  # tls.Client(conn, cfg) owns conn
            return self.argument(call, index, res, body), call
        if kind in ("literal_element", "keyed_element", "literal_value", "send_statement"):
            return "handover", node
        grand = self.up(parent) if kind == "expression_list" else None
        if grand is not None and grand.type == "return_statement":
            return "handover", node
        if kind == "expression_list" and _stored_in_field(parent, child):
            return "store", node
        if kind == "return_statement":
            return "handover", node
        if kind == "binary_expression":
            return "compare", node
        if kind == "call_expression" and fld(parent, "function") == child:
            return "use", node
        return "use", node

    def _literal_consumes(self, literal: Node, index: int) -> bool:
        names = [text(n) for decl in named_children(fld(literal, "parameters"))
                 for n in decl.children_by_field_name("name")]
        body = fld(literal, "body")
        if index >= len(names) or body is None or names[index] == "_":
            return False
        probe = Resource(-1, "conn", names[index], None, literal, "")
        for n in identifiers(body, names[index]):
            if not _is_key(n) and self.classify(n, "whole", probe)[0] in (
                    "close", "handover", "helper", "keep", "store"):
                return True
        return False

    def _wraps(self, call: Node) -> bool:
        callee = self.r.callee(call, self.env, self.file)
        return callee.kind == "std" and (callee.pkg, callee.name) in OWNERSHIP_WRAPPERS

    def argument(self, call: Node, index: int, res: Resource, body: bool) -> str:
        from leaklint.golang import summary  # summaries run this walk on the callee

        callee = self.r.callee(call, self.env, self.file)
        if self.r.closes_body(callee) or _dumps_body(callee, call, index):
            return "helper"
        literal = unparen(fld(call, "function"))
        if literal is not None and literal.type == "func_literal":
            # defer func(body io.ReadCloser) { ... }(resp.Body): look inside.
            return "helper" if self._literal_consumes(literal, index) else "use"
        if callee.kind == "builtin":
            return "handover" if callee.name == "append" else "use"
        args = named_children(fld(call, "arguments"))
        if index < len(args) and stored_in_field_container(call, args[index]):
            return "store"  # d.conns.LoadOrStore(addr, conn): the container owns it
        if callee.kind == "std":
            if (callee.pkg, callee.name) in OWNERSHIP_TAKERS and index == 0 and (
                    res.kind == "conn"):
                return "handover"
            if body and (callee.pkg, callee.name) not in NON_DRAINING:
                return "drain"
            return "use"
        if callee.info is not None and callee.index is not None:
            kind = res.kind if not body else "body"
            if summary.consumes(self.r, callee, index, kind, closes_only=True):
                return "helper"
            if not self.closes_only and summary.consumes(self.r, callee, index, kind):
                # It keeps the value (stores it, or gives it to code outside the module)
                # without closing it: a hand-over, so a function returning the value
                # afterwards still returns it open.
                return "keep"
            return "drain" if body else "use"
        if self.closes_only:
            return "use"  # asking whether a helper closes: an unknown callee does not
        return "handover"  # outside the package and not the standard library: its job now


def _track_flags(lhs: list[Node], rhs: list[Node], state: State) -> None:
    """`found = true` ties the flag to every live resource; any other assignment to a
    name unties it."""
    for i, target in enumerate(lhs):
        if target.type != "identifier":
            continue
        name = text(target)
        value = unparen(rhs[i]) if len(rhs) == len(lhs) else None
        if value is not None and value.type == "true":
            for res, status in state.status.items():
                if status & LIVE:
                    state.flagged[res] = state.flagged.get(res, frozenset()) | {name}
            continue
        for res, names in list(state.flagged.items()):
            if name in names:
                state.flagged[res] = names - {name}


def _flag_false(name: str, state: State) -> State:
    """The paths where the flag is false: no resource tied to it is live there."""
    for res, names in state.flagged.items():
        if name in names:
            rest = state.status.get(res, frozenset()) - LIVE
            state.status[res] = rest or frozenset({NIL})
    return state


def _nested_scope(stmt: Node) -> bool:
    """stmt sits in a block or statement header that opens a scope of its own, not in
    a function's outermost block (where parameters and named results live)."""
    parent = stmt.parent
    if parent is None:
        return False
    if parent.type == "block":
        return parent.parent is not None and parent.parent.type not in (
            "function_declaration", "method_declaration", "func_literal")
    return True  # an if/for/switch header, a case clause


def _wraps_body(value: Node | None, name: str, aliases: set[str] = frozenset()) -> bool:
    """A call given name.Body (directly, nested, or through a local holding it), other
    than io.NopCloser, whose Close does nothing to what it wraps; or a struct literal
    built around it (`&ReadCloserType{Reader: rbody, Closer: cbody}`)."""
    value = unparen(value)
    if value is not None and value.type == "unary_expression":
        value = unparen(fld(value, "operand"))
    if value is None or value.type not in ("call_expression", "composite_literal"):
        return False
    if value.type == "call_expression" and text(fld(value, "function")).endswith(
            "NopCloser"):
        return False
    wanted = f"{name}.Body"
    inner = fld(value, "arguments" if value.type == "call_expression" else "body") or value
    return any((n.type == "selector_expression" and text(n) == wanted) or (
        n.type == "identifier" and text(n) in aliases) for n in walk(inner))


def _converted(value: Node | None) -> Node | None:
    """The value a conversion or type assertion holds: `(io.Reader)(x)` and
    `x.(io.Closer)` give x; anything else itself."""
    value = unparen(value)
    while value is not None:
        if value.type == "type_assertion_expression":
            value = unparen(fld(value, "operand"))
        elif value.type == "call_expression" and unparen(fld(value, "function")) is not None and (
                fld(value, "function").type == "parenthesized_expression"):
            args = named_children(fld(value, "arguments"))
            value = unparen(args[0]) if len(args) == 1 else None
        else:
            return value
    return None


def _rewraps(value: Node | None, name: str) -> bool:
    """`cbody = drainOnClose(cbody, fn)`: a call (not io.NopCloser) wrapping the name's
    own value, whose Close reaches it."""
    value = unparen(value)
    if value is None or value.type != "call_expression" or text(
            fld(value, "function")).endswith("NopCloser"):
        return False
    args = named_children(fld(value, "arguments"))
    first = _converted(args[0]) if args else None
    return first is not None and first.type == "identifier" and text(first) == name


def _declaring_block(stmt: Node, name: str) -> Node | None:
    """The block whose own statement before stmt declares name (`resp, err := ...` that
    a later `resp, err = ...` assigns again); None when no enclosing block does."""
    current = stmt.parent
    while current is not None and current.type not in ("function_declaration",
                                                       "method_declaration", "func_literal"):
        if current.type == "block" and _shadowed_within(stmt, current.parent, name):
            return current
        current = current.parent
    return None


def _shadowed_within(node: Node, scope: Node, name: str) -> bool:
    """A block between node and scope declares its own name before node (`if injected {
    resp := rec.Result(); defer resp.Body.Close() }`): node reads that variable."""
    current = node.parent
    while current is not None and current != scope:
        if current.type == "func_literal" and _declares(current, name):
            return True
        if current.type == "block":
            for stmt in statements(current):
                if stmt.start_byte >= node.start_byte:
                    break
                if stmt.type == "short_var_declaration" and any(
                        text(n) == name for n in named_children(fld(stmt, "left"))):
                    return True
                if stmt.type == "var_declaration" and any(
                        text(n) == name for spec in var_specs(stmt)
                        for n in spec.children_by_field_name("name")):
                    return True
        current = current.parent
    return False


def _declares(literal: Node, name: str) -> bool:
    """The func literal has a parameter or a `:=` / var of that name of its own (not
    counting literals nested in it)."""
    params = fld(literal, "parameters")
    if params is not None and any(text(n) == name for decl in named_children(params)
                                  for n in decl.children_by_field_name("name")):
        return True
    stack = [fld(literal, "body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        stack.extend(c for c in node.named_children if c.type != "func_literal")
        if node.type == "short_var_declaration" and any(
                text(n) == name for n in named_children(fld(node, "left"))):
            return True
        if node.type == "var_spec" and any(
                text(n) == name for n in node.children_by_field_name("name")):
            return True
    return False


def _dumps_body(callee: Callee, call: Node, index: int) -> bool:
    """httputil.DumpResponse(resp, true) reads the body to the end, closes it, and puts
    an in-memory copy in its place: the response holds no connection after it."""
    args = named_children(fld(call, "arguments"))
    return index == 0 and callee.kind == "std" and (callee.pkg, callee.name) == (
        "net/http/httputil", "DumpResponse") and len(args) == 2 and text(args[1]) == "true"


def _is_head(method: Node) -> bool:
    return text(unparen(method) or method) in ('"HEAD"', "http.MethodHead")


def _nil_request(call: Node) -> bool:
    """Do(nil) and RoundTrip(nil): with no request there is no response, only an error
    (or a panic)."""
    func = unparen(fld(call, "function"))
    args = named_children(fld(call, "arguments"))
    return func is not None and func.type == "selector_expression" and text(
        fld(func, "field")) in ("Do", "RoundTrip") and len(args) == 1 and (
        unparen(args[0]) is not None and unparen(args[0]).type == "nil")


def _stored_in_field(rhs: Node, value: Node) -> bool:
    """`s.conn = value` / `m[k] = value`: the right-hand side lands in a field or element."""
    stmt = rhs.parent
    if stmt is None or stmt.type != "assignment_statement":
        return False
    target = assigned_target(value)
    return target is not None and target.type in ("selector_expression", "index_expression")


def _assigned_to(ident: Node, up: Callable[[Node], Node | None]) -> bool:
    """`cc = nil` in a captured literal (a test hook's stub): the name is written, not
    read; the value it held is not used there."""
    holder = up(ident)
    stmt = up(holder) if holder is not None and holder.type == "expression_list" else None
    return stmt is not None and stmt.type == "assignment_statement" and fld(
        stmt, "left") == holder and text(fld(stmt, "operator")) == "="


def _discarded(lit: Node) -> bool:
    """`_ = func() { ... }`: a literal assigned to the blank identifier never runs."""
    parent = lit.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None or parent.type != "expression_list":
        return False
    stmt = parent.parent
    if stmt is None or stmt.type != "assignment_statement" or fld(stmt, "right") != parent:
        return False
    targets = named_children(fld(stmt, "left"))
    return bool(targets) and all(text(t) == "_" for t in targets)


def _nil_guarded(ident: Node, up: Callable[[Node], Node | None] = lambda n: n.parent) -> bool:
    """The occurrence sits under `if x != nil` (or `x.Body != nil`, joined by &&) in its
    own function: a deferred literal that looks before touching runs safely even when
    it was registered before the error check."""
    name = text(ident)
    wanted = {name, name + ".Body"}
    child, parent = ident, up(ident)
    while parent is not None and parent.type not in ("func_literal", "function_declaration",
                                                     "method_declaration"):
        if parent.type == "if_statement" and fld(parent, "consequence") == child:
            cond = fld(parent, "condition")
            if cond is not None and b"||" not in (cond.text or b"") and any(
                    _not_nil_test(n, wanted) for n in walk(cond)):
                return True
        if parent.type == "binary_expression" and text(fld(parent, "operator")) == "&&" and (
                fld(parent, "right") == child):
            # `resp != nil && resp.Body != nil`: evaluated only once resp is not nil.
            left = fld(parent, "left")
            if left is not None and b"||" not in (left.text or b"") and any(
                    _not_nil_test(n, {name}) for n in walk(left)):
                return True
        child, parent = parent, up(parent)
    return False



def _copied(ident: Node, up: Callable[[Node], Node | None]) -> bool:
    """`saved = conn`: the whole value copied into a variable dereferences nothing, so a
    nil copy cannot crash (the copy is followed as an alias of its own)."""
    parent = up(ident)
    stmt = up(parent) if parent is not None and parent.type == "expression_list" else None
    if stmt is None or stmt.type not in ("assignment_statement", "short_var_declaration"):
        return False
    if fld(stmt, "right") != parent or (
            stmt.type == "assignment_statement" and text(fld(stmt, "operator")) != "="):
        return False
    target = assigned_target(ident)
    return target is not None and target.type == "identifier"


def _short_circuited(ident: Node, err: str, up: Callable[[Node], Node | None]) -> bool:
    """`err == nil && resp.StatusCode == 200` (or `err != nil || ...`, `resp != nil &&
    ...`): the occurrence is evaluated only once its left operand found the call
    succeeded."""
    name = text(ident)
    child, parent = ident, up(ident)
    while parent is not None and parent.type not in ("func_literal", "function_declaration",
                                                     "method_declaration", "block"):
        if parent.type == "binary_expression" and fld(parent, "right") == child:
            op = text(fld(parent, "operator"))
            if op in ("&&", "||") and any(_success_test(n, op, err, name)
                                          for n in operands(fld(parent, "left"), op)):
                return True
        child, parent = parent, up(parent)
    return False


def _success_test(node: Node, op: str, err: str, name: str) -> bool:
    """Under `&&`, `err == nil` or `name != nil`; under `||`, `err != nil` or `name ==
    nil` (the right side runs only when it is false)."""
    if node.type != "binary_expression":
        return False
    left, right = unparen(fld(node, "left")), unparen(fld(node, "right"))
    if left is None or right is None:
        return False
    if left.type == "nil":
        left, right = right, left
    eq = text(fld(node, "operator"))
    if right.type != "nil" or eq not in ("==", "!="):
        return False
    success, failure = ("==", "!=") if op == "&&" else ("!=", "==")
    return (text(left) == err and eq == success) or (text(left) == name and eq == failure)


def _not_nil_test(node: Node, names: set[str]) -> bool:
    """`x != nil` (either way round) with x spelled as one of names."""
    if node.type != "binary_expression" or text(fld(node, "operator")) != "!=":
        return False
    left, right = unparen(fld(node, "left")), unparen(fld(node, "right"))
    if left is None or right is None:
        return False
    if left.type == "nil":
        left, right = right, left
    return right.type == "nil" and text(left) in names


def _passes_name(call: Node, name: str) -> bool:
    """wantBody(res, err): the callee gets the error with the value and checks it."""
    if call.type != "call_expression":
        return False
    return any(a.type == "identifier" and text(a) == name
               for a in named_children(fld(call, "arguments")))


def _is_key(ident: Node, up: Callable[[Node], Node | None] = lambda n: n.parent) -> bool:
    parent = up(ident)
    if parent is None:
        return False
    if parent.type == "literal_element":
        grand = up(parent)
        return grand is not None and grand.type == "keyed_element" and fld(grand, "key") == parent
    return parent.type == "keyed_element" and fld(parent, "key") == ident


def _func_literals(node: Node) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "func_literal":
            out.append(n)
            continue
        stack.extend(n.named_children)
    return out


_MEMORY_READERS = frozenset({("strings", "NewReader"), ("bytes", "NewReader"),
                             ("bytes", "NewBuffer"), ("bytes", "NewBufferString")})
_MEMORY_TYPES = frozenset({"bytes.Buffer", "strings.Reader", "bytes.Reader"})


def parsed_from_memory(resolver: Resolver, env: Env, file: GoFile, func: Node, call: Node,
                       callee: Callee) -> bool:
    """http.ReadResponse(bufio.NewReader(strings.NewReader(s)), req): the response is
    parsed from memory (directly, through locals assigned before the call, or from a
    local `var buf bytes.Buffer` or a buffer field given as `&buf`, `&conn.out`)."""
    if callee.kind != "std" or (callee.pkg, callee.name) != ("net/http", "ReadResponse"):
        return False
    args = named_children(fld(call, "arguments"))
    value = unparen(args[0]) if args else None
    for _ in range(6):
        if value is None:
            return False
        if value.type == "unary_expression" and text(fld(value, "operator")) == "&":
            operand = unparen(fld(value, "operand"))
            if operand is not None and operand.type == "selector_expression":
                return _memory_typed(resolver, env, file, operand)  # `&conn.out`
            return operand is not None and operand.type == "identifier" and (
                _declared_as(file, func, text(operand)) in _MEMORY_TYPES)
        if value.type == "identifier":
            assigned = unparen(assigned_before(file, func, text(value), call.start_byte))
            if assigned is None:
                return _memory_typed(resolver, env, file, value)
            value = assigned
            continue
        if value.type == "selector_expression":
            return _memory_typed(resolver, env, file, value)  # `c.IO.Out`, a *bytes.Buffer
        if value.type != "call_expression":
            return False
        inner = resolver.callee(value, env, file)
        if inner.kind != "std":
            return False
        if (inner.pkg, inner.name) in _MEMORY_READERS:
            return True
        if (inner.pkg, inner.name) not in (("bufio", "NewReader"), ("bufio", "NewReaderSize")):
            return False
        inner_args = named_children(fld(value, "arguments"))
        value = unparen(inner_args[0]) if inner_args else None
    return False


def _memory_typed(resolver: Resolver, env: Env, file: GoFile, value: Node) -> bool:
    """The value's type, as the resolver knows it, is an in-memory reader or buffer."""
    found = resolver.type_of(value, env, file)
    return found is not None and f"{found.pkg}.{found.name}" in _MEMORY_TYPES


def _declared_as(file: GoFile, func: Node, name: str) -> str:
    """The type a `var name T` of the function spells (without a value), or ""."""
    body = fld(func, "body")
    for spec in file.within("var_spec", body) if body is not None else ():
        if fld(spec, "value") is None and any(
                text(n) == name for n in spec.children_by_field_name("name")):
            return text(fld(spec, "type"))
    return ""
