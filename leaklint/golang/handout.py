"""A client handed out together with a deadline context (LL402).

A constructor that builds a client and returns it beside a context it derived with
`context.WithTimeout` (`return ctx, client, cancel, nil`) hands its callers the pair
they are meant to send with: every request of that client runs under the deadline.
So does a helper whose result (the client, or an API client wrapping it) every
caller of the package returns beside such a context. The client is followed through
the values built from it (`api, err := gen.NewClient(url, gen.WithHTTPClient(hc))`).
"""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.context import enclosing_function
from leaklint.golang.deadlines import context_bounded, each_caller
from leaklint.golang.index import GoFile
from leaklint.golang.parse import field, named_children, own_returns, text, walk
from leaklint.golang.resolve import Resolver

_ROUNDS = 4  # values built from values built from the client, and so on
_MAX_CALLER_DEPTH = 2


def with_deadline_context(resolver: Resolver, file: GoFile, value: Node) -> bool:
    """The client value leaves its function only beside a deadline context, there or
    in every caller of the package that receives it."""
    func = enclosing_function(value)
    if func is None or func.type not in ("function_declaration", "method_declaration"):
        return False
    return _paired(resolver, file, func, value, 0)


def _paired(resolver: Resolver, file: GoFile, func: Node, seed: Node, depth: int) -> bool:
    body = field(func, "body")
    if body is None:
        return False
    names = _carriers(body, seed)
    returns = [r for r in own_returns(body) if _mentions(r, seed, names)]
    if not returns:
        return False
    position = _context_result(func)
    if position is not None:
        for ret in returns:
            values = named_children(named_children(ret)[0]) if ret.named_child_count else []
            if len(values) <= position or not context_bounded(resolver, file,
                                                              values[position]):
                return False
        return True
    if depth >= _MAX_CALLER_DEPTH:
        return False
    return _every_caller_paired(resolver, func, depth)


def _every_caller_paired(resolver: Resolver, func: Node, depth: int) -> bool:
    """Every call of func in the package (production code judged by production
    callers) returns its result beside a deadline context."""
    name = text(field(func, "name"))
    if not name or not resolver.index.load_mentioning(name.encode() + b"("):
        return False

    def paired(where: Resolver, file: GoFile, call: Node) -> bool:
        owner = enclosing_function(call)
        return owner is not None and owner.type in (
            "function_declaration", "method_declaration") and _paired(
            where, file, owner, call, depth + 1)

    seen = each_caller(resolver, func, paired)
    return seen is not None and seen > 0


def _carriers(body: Node, seed: Node) -> set[str]:
    """Names given the seed, or a value built from it, in the function."""
    names: set[str] = set()
    assignments = [n for n in walk(body) if n.type in (
        "short_var_declaration", "assignment_statement", "var_spec")]
    for _ in range(_ROUNDS):
        grown = False
        for node in assignments:
            if node.type == "var_spec":
                left, right = node.children_by_field_name("name"), [field(node, "value")]
            else:
                left, right = named_children(field(node, "left")), [field(node, "right")]
            if not any(r is not None and _mentions(r, seed, names) for r in right):
                continue
            for ident in left:
                spelled = text(ident)
                if ident.type == "identifier" and spelled != "_" and not (
                        spelled.lower().endswith("err")) and spelled not in names:
                    names.add(spelled)
                    grown = True
        if not grown:
            break
    return names


def _mentions(node: Node, seed: Node, names: set[str]) -> bool:
    if node.start_byte <= seed.start_byte and seed.end_byte <= node.end_byte:
        return True
    return any(n.type == "identifier" and text(n) in names for n in walk(node))


def _context_result(func: Node) -> int | None:
    """The position of a context.Context among the function's results."""
    result = field(func, "result")
    if result is None or result.type != "parameter_list":
        return None
    position = 0
    for decl in named_children(result):
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        count = max(1, len(decl.children_by_field_name("name")))
        spelled = text(field(decl, "type"))
        if spelled.endswith(".Context") and spelled.startswith("context"):
            return position
        position += count
    return None
