"""LL000: the file has a syntax error; the first is reported, the rest still analysed."""

from __future__ import annotations

from leaklint.golang.context import GoCheckContext
from leaklint.golang.parse import first_error

RULES = frozenset({"LL000"})


def run(ctx: GoCheckContext) -> None:
    node = first_error(ctx.file.root)
    if node is None:
        return
    if node.is_missing:
        reason = f"missing {node.type!r}"
    else:
        snippet = (node.text or b"")[:20].decode("utf-8", "replace").split("\n")[0]
        reason = f"unexpected {snippet!r}" if snippet else "syntax error"
    ctx.report.report("LL000", ctx.point_span(node), reason=reason)
