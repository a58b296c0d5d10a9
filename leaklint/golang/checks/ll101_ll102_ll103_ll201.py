"""LL101 (bodies), LL102 (connections), LL103 (undrained bodies) and LL201 (use before
the error check), all from one path-aware walk of each function."""

from __future__ import annotations

import bisect

from tree_sitter import Node

from leaklint.golang import mocks
from leaklint.golang.context import GoCheckContext, named_function
from leaklint.golang.fixes import close_response, defer_after_check
from leaklint.golang.flow import FunctionFlow, Resource
from leaklint.golang.parse import field
from leaklint.golang.resolve import Env
from leaklint.golang.types import CONN_TYPES, RESPONSE

RULES = frozenset({"LL101", "LL102", "LL103", "LL201"})
_EXIT_TEXT = {
    "return": "leaks at this return",
    "end of function": "leaks at the end of the function",
    "continue": "leaks at this continue",
    "end of loop iteration": "leaks at the end of each loop iteration",
    "overwritten": "leaks when the variable is overwritten here",
    "body replaced": "leaks when its Body is replaced here",
    "result discarded": "the result is discarded",
}


# Names of standard and well-known calls that hand out a response or a connection.
_ACQUIRING_NAMES = {"Get", "Head", "Post", "PostForm", "Do", "RoundTrip", "ReadResponse",
                    "Dial", "DialTimeout", "DialTCP", "DialUDP", "DialUnix", "DialIP",
                    "DialWithDialer", "DialContext", "NewClient"}


def run(ctx: GoCheckContext) -> None:
    calls, body_reads = _candidates(ctx, _acquiring_names(ctx))
    if not calls and not body_reads:
        return
    starts = sorted(calls + body_reads)
    for func in ctx.functions:
        if not _may_acquire(ctx, func, starts):
            continue  # cheap: no call in it can hand out anything to close
        env = ctx.env(func)
        if not _acquires(ctx, func, env, body_reads):
            continue  # no call in it hands out anything: the walk would find nothing
        flow = FunctionFlow(ctx.resolver, ctx.file, func, env)
        for res in flow.run().resources:
            _report(ctx, res)


def _acquiring_names(ctx: GoCheckContext) -> set[str]:
    index = ctx.resolver.index
    cached = index.summaries.get("ll101:names")
    if isinstance(cached, set):
        return cached
    names = set(_ACQUIRING_NAMES)
    names |= {q.rsplit(".", 1)[-1] for q in ctx.resolver.models.response_functions}
    for key, info in dict.items(index.funcs):
        first = index.unalias(info.results[0], parse=False) if info.results else None
        if first == RESPONSE or first in CONN_TYPES:
            names.add(key.rsplit(".", 1)[-1])
    names |= {key.rsplit(".", 1)[-1] for key in index.pending_acquiring}
    index.summaries["ll101:names"] = names
    return names


def _may_acquire(ctx: GoCheckContext, func: Node, starts: list[int]) -> bool:
    """Does the function contain a call that can hand out something to close?"""
    body = field(func, "body")
    if body is None:
        return False
    i = bisect.bisect_left(starts, body.start_byte)
    return i < len(starts) and starts[i] < body.end_byte


def _candidates(ctx: GoCheckContext, names: set[str]) -> tuple[list[int], list[int]]:
    """Start bytes of the calls that may acquire, and of .Body reads (an untyped
    receiver whose result's Body is read is a response too: see flow), each sorted."""
    r = ctx.resolver
    calls = [start for start, name, path in ctx.file.call_names()
             if name in names or r.in_module(path)]
    body_reads: list[int] = []
    if b".Body" in ctx.file.data:
        body_reads = [sel.start_byte for sel in ctx.file.nodes("selector_expression")
                      if (sel.child_by_field_name("field") or sel).text == b"Body"]
    return calls, body_reads


# Where the walk looks for an acquisition: a call alone on the right of an assignment
# or a var spec, or a call statement (see FunctionFlow.assignment and friends).
_BIRTH_LISTS = ("assignment_statement", "short_var_declaration", "var_spec")


def _birth_position(call: Node) -> bool:
    node = call
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type == "expression_statement":
        return True
    return parent.type == "expression_list" and parent.named_child_count == 1 and (
        parent.parent is not None and parent.parent.type in _BIRTH_LISTS)


def _acquires(ctx: GoCheckContext, func: Node, env: Env, body_reads: list[int]) -> bool:
    """Whether the walk of the function can find anything to track, asked cheaply: a
    call where the walk looks for one hands out a response or a connection (typed or
    modelled), with the same environment. A function that reads some .Body is always
    walked (the walk takes an untyped call whose result's Body is read for a
    response). Calls in func literals inside count too: too much, never too little."""
    body = field(func, "body")
    if body is None:
        return False
    i = bisect.bisect_left(body_reads, body.start_byte)
    if i < len(body_reads) and body_reads[i] < body.end_byte:
        return True
    r = ctx.resolver
    for call in ctx.file.within("call_expression", body):
        if _birth_position(call) and r.acquired_kind(r.callee(call, env, ctx.file),
                                                     call) is not None:
            return True
    return False


def _report(ctx: GoCheckContext, res: Resource) -> None:
    scope = ctx.scope(res.call)
    if res.premature is not None:
        assert ctx.file.source is not None
        ctx.report.report("LL201", ctx.span(res.premature), scope=scope,
                          related=(ctx.related(res.call, "acquired here"),),
                          fix=defer_after_check(ctx.file.source, res.premature, res.err),
                          var=res.var or "the result", callee=res.callee)
    canned = res.kind == "response" and ctx.file.path.name.endswith("_test.go") and (
        mocks.from_round_trip(res.call)) and mocks.canned_round_trips(
        ctx.file, named_function(res.call))
    if res.leaks and not res.bodiless and not canned:
        rule = "LL101" if res.kind == "response" else "LL102"
        exits = []
        seen = set()
        for node, label in res.leaks:
            key = (node.start_point, label)
            if key not in seen:
                seen.add(key)
                exits.append((node, label))
        first_node, first_label = exits[0]
        line = first_node.start_point[0] + 1
        where = (" (the result is discarded)" if first_label == "result discarded"
                 else f" (it leaks at line {line})")
        if res.var == "the response" and first_label != "result discarded":
            where = f" (the result is discarded; it leaks at line {line})"
        related = tuple(ctx.related(node, _EXIT_TEXT[label]) for node, label in exits[:50])
        fix = None
        if rule == "LL101" and res.never_released() and (
                res.premature is None or res.err in (None, "_")) and (
                res.var not in ("", "the response") and ctx.report.wants("LL101")):
            assert ctx.file.source is not None
            fix = close_response(ctx.file.source, res.call, res.var, res.err)
        ctx.report.report(rule, ctx.span(res.call), scope=scope, related=related,
                          callee=res.callee, where=where, fix=fix)
    elif res.kind == "response" and res.closes and not res.drained and not (
            res.handed_over or res.bodiless or res.callee.endswith("Head")):  # no body
        ctx.report.report("LL103", ctx.span(res.closes[0]), scope=scope,
                          var=res.var or "the response")
