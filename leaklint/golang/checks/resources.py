"""LL101 (bodies), LL102 (connections), LL103 (undrained bodies) and LL201 (use before
the error check), all from one path-aware walk of each function."""

from __future__ import annotations

from leaklint.golang.context import GoCheckContext
from leaklint.golang.flow import FunctionFlow, Resource

RULES = frozenset({"LL101", "LL102", "LL103", "LL201"})
_EXIT_TEXT = {
    "return": "leaks at this return",
    "end of function": "leaks at the end of the function",
    "continue": "leaks at this continue",
    "end of loop iteration": "leaks at the end of each loop iteration",
    "overwritten": "leaks when the variable is overwritten here",
    "result discarded": "the result is discarded",
}


def run(ctx: GoCheckContext) -> None:
    for func in ctx.functions:
        flow = FunctionFlow(ctx.resolver, ctx.file, func, ctx.env(func))
        for res in flow.run().resources:
            _report(ctx, res)


def _report(ctx: GoCheckContext, res: Resource) -> None:
    scope = ctx.scope(res.call)
    if res.premature is not None:
        ctx.report.report("LL201", ctx.span(res.premature), scope=scope,
                          related=(ctx.related(res.call, "acquired here"),),
                          var=res.var or "the result", callee=res.callee)
    if res.leaks:
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
        related = tuple(ctx.related(node, _EXIT_TEXT[label]) for node, label in exits[:50])
        ctx.report.report(rule, ctx.span(res.call), scope=scope, related=related,
                          callee=res.callee, where=where)
    elif res.kind == "response" and res.closes and not res.drained and not res.handed_over:
        ctx.report.report("LL103", ctx.span(res.closes[0]), scope=scope,
                          var=res.var or "the response")
