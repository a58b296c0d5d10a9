"""Where the object a call returns goes, and whether its owner releases it."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from leaklint.python import api
from leaklint.python.flow import Ownership, consumed


@dataclass
class Fate:
    """kind: 'closed' (with / closer / reader), 'handed' (returned, stored, passed on),
    'discarded' (expression statement or non-releasing member access), 'local' (bound
    to a local name: see var and statement), 'other' (unknown: not reported)."""

    kind: str
    var: str | None = None
    statement: cst.CSTNode | None = None


_ENTERS = frozenset({"__enter__", "__aenter__"})


def fate(analysis, call: cst.Call, fn, closers: frozenset[str],
         readers: frozenset[str]) -> Fate:
    node: cst.CSTNode = call
    parent = analysis.parent(node)
    while True:
        while isinstance(parent, cst.Await):
            node, parent = parent, analysis.parent(parent)
        # `x.__aenter__()` / `x.__enter__()` returns the response itself: follow it.
        entered = analysis.parent(parent) if isinstance(parent, cst.Attribute) \
            and parent.value is node and parent.attr.value in _ENTERS else None
        if not (isinstance(entered, cst.Call) and entered.func is parent):
            break
        node, parent = entered, analysis.parent(entered)
    if isinstance(parent, cst.WithItem):
        return Fate("closed")
    if isinstance(parent, cst.Attribute) and parent.value is node:
        member = parent.attr.value
        if member in api.RESPONSE_ITERATORS:
            return Fate("closed" if consumed(analysis.facts, parent) else "discarded")
        return Fate("closed" if member in closers or member in readers else "discarded")
    if isinstance(parent, cst.Expr):
        return Fate("discarded")
    if isinstance(parent, cst.Arg) and _borrowed(analysis, parent):
        return Fate("discarded")
    if isinstance(parent, (cst.Arg, cst.Return, cst.Yield, cst.Element, cst.DictElement)):
        return Fate("handed")
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
        if fn is None:
            return Fate("handed")  # a module global: lives as long as the program
        targets = parent.targets if isinstance(parent, cst.Assign) else [parent]
        if len(targets) == 1 and isinstance(targets[0].target, cst.Name):
            name = targets[0].target.value
            if name in analysis.facts.globals_of.get(fn, ()):
                return Fate("handed")
            return Fate("local", name, parent)
        return Fate("handed")  # self.x = ..., d[k] = ..., a, b = ...
    return Fate("other")


def _borrowed(analysis, arg: cst.Arg) -> bool:
    """An argument of a function that reads it and leaves it open (api.BORROWERS)."""
    call = analysis.parent(arg)
    return isinstance(call, cst.Call) and bool(analysis.facts.names(call.func) & api.BORROWERS)


def leaks(analysis, fn, result: Fate, closers, readers) -> Ownership | None:
    """Run the ownership flow for a local binding; the Ownership when it leaks."""
    flow = Ownership(result.var or "", result.statement, closers, readers,  # type: ignore[arg-type]
                     analysis.facts, fn)
    flow.run(fn.body.body)
    if flow.leaks or flow.leaks_at_end or flow.overwritten:
        return flow
    return None


def where(analysis, flow: Ownership) -> str:
    if flow.leaks:
        return f" (leaks at the return on line {analysis.line(flow.leaks[0])})"
    if flow.overwritten:
        # The bound call's line: its position is known without a code generation.
        line = analysis.line(_bound_value(flow.overwritten[0]))
        return f" (lost when it is bound again on line {line})"
    return ""


def related(analysis, fn, flow: Ownership):
    from leaklint.model import Related

    out = [Related(analysis.span(r), "leaks at this return") for r in flow.leaks]
    out += [Related(analysis.span(_bound_value(r)), "the open one is lost when this binds "
                    "it again") for r in flow.overwritten]
    if flow.leaks_at_end:
        end = analysis.facts.positions[fn].end
        span = analysis.file.lines.span_from_chars(end.line, 0, end.line, 0)
        out.append(Related(span, "leaks at the end of the function"))
    return tuple(out)


# `conn.sock = s` hands the connection a socket; `conn._create_connection = f` hands it
# the function that makes one.
INJECTED = frozenset({"sock", "_create_connection"})


def _bound_value(statement: cst.CSTNode) -> cst.CSTNode:
    """Where a binding is shown: the call it binds when there is one (its position is
    known without a code generation of the whole file), else the statement."""
    value = getattr(statement, "value", None)
    while isinstance(value, cst.Await):
        value = value.expression
    return value if isinstance(value, cst.Call) else statement


def injects_socket(analysis, fn, var: str | None) -> bool:
    """`conn.sock = ...` / `conn._create_connection = ...`: an http.client connection
    whose socket (or socket factory) the caller supplies makes no socket of its own (so
    neither its timeout nor its closing is about a socket of its own)."""
    if fn is None or var is None:
        return False
    return any(_injected_into(analysis, name) for name in analysis.facts.uses(fn, var))


def injects_socket_into_attribute(analysis, fn, attr: str) -> bool:
    """The same for a connection held in `self.<attr>`: `self.conn.sock = ...`."""
    if fn is None:
        return False
    for name in analysis.facts.uses(fn, "self"):
        holder = analysis.parent(name)
        if isinstance(holder, cst.Attribute) and holder.value is name \
                and holder.attr.value == attr and _injected_into(analysis, holder):
            return True
    return False


def _injected_into(analysis, node: cst.CSTNode) -> bool:
    parent = analysis.parent(node)
    return isinstance(parent, cst.Attribute) and parent.value is node \
        and parent.attr.value in INJECTED \
        and isinstance(analysis.parent(parent), cst.AssignTarget)


# http.client opens its socket on the first of these; before that there is nothing to close.
_CONNECTING = frozenset({"request", "connect", "putrequest", "endheaders", "send"})


# Builtins that only look at an object (not getattr: it hands out its methods).
_INSPECTING = frozenset({"isinstance", "id", "repr", "str", "type", "print", "hash", "bool"})


def _looked_at(analysis, parent: cst.CSTNode) -> bool:
    """Compared (`s == other`, `s is None`) or given to a builtin that only inspects it
    (`isinstance(s, ...)`, `repr(s)`): nothing there can send a request through it."""
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
        return True
    if isinstance(parent, cst.Arg) and parent.keyword is None:
        call = analysis.parent(parent)
        return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) \
            and call.func.value in _INSPECTING
    return False


def connects(analysis, fn, var: str | None,
             methods: frozenset[str] = _CONNECTING) -> bool:
    """Does the function make this client open a socket of its own? Not when it never
    calls one of `methods` on it (a Session used only for prepare_request or
    merge_environment_settings sends nothing) and never passes it on, nor when it hands
    an http.client connection a caller-owned socket."""
    if fn is None or var is None:
        return True
    if injects_socket(analysis, fn, var):
        return False
    for name in analysis.facts.uses(fn, var):
        parent = analysis.parent(name)
        if isinstance(parent, cst.AssignTarget) or _looked_at(analysis, parent):
            continue
        if not isinstance(parent, cst.Attribute) or parent.value is not name:
            return True  # passed somewhere: it may be used to connect there
        if parent.attr.value in methods:
            return True
    return False
