"""tree-sitter-go parsing: one parser per process, trees never shared across processes."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import tree_sitter_go
from tree_sitter import Language, Node, Parser, Tree


@functools.cache
def language() -> Language:
    return Language(tree_sitter_go.language())


@functools.cache
def _parser() -> Parser:
    return Parser(language())


# tree-sitter-go 0.25 predates Go 1.26's new(expr): `new(b.Len())` and `new("x")` are
# parse errors there. Such files are parsed again with the builtin respelled (same
# length, so every offset holds); the checks treat the respelling as `new`.
NEW_RESPELLED = "nEw"


_MAX_RESPELL_ROUNDS = 8


# What is not code in Go source: string and rune literals, line and block comments (a
# doc comment names its function; a string may spell any name). For text searches.
NOT_CODE = re.compile(rb"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`[^`]*`|//[^\n]*|/\*.*?\*/""",
                      re.DOTALL)

def parse(source: bytes) -> Tree:
    tree = _parser().parse(source)
    if not tree.root_node.has_error:
        return tree
    # Go's lexer ends the last line at end of file; the grammar wants the newline after
    # a closing `}` of a type declaration. Appended at the end, it moves no offset. A
    # file still broken keeps its own tree, so that errors point inside it.
    padded = source + b"\n" if source and not source.endswith(b"\n") else source
    if padded is not source:
        retry = _parser().parse(padded)
        if not retry.root_node.has_error:
            return retry
    if b"new(" in padded:
        respelled = _respelled(padded)
        if respelled is not None:
            return respelled
    return tree


def _respelled(source: bytes) -> Tree | None:
    """The tree of source with Go 1.26's `new(expr)` respelled, when that parses."""
    # Every `new(` respelled first; where the respelled file still fails, the respelling
    # nearest before each error goes back to `new(` (its argument was a type,
    # `new([]string)`), and the file is parsed again.
    candidate = bytearray(source.replace(b"new(", NEW_RESPELLED.encode() + b"("))
    respelled = {m.start() for m in re.finditer(rb"\bnew\(", source)}
    for _ in range(_MAX_RESPELL_ROUNDS):
        retry = _parser().parse(bytes(candidate))
        if not retry.root_node.has_error:
            return retry
        restore = set()
        for error_start in _error_starts(retry.root_node):
            before = [p for p in respelled if p <= error_start]
            if before:
                restore.add(max(before))
        if not restore:
            break
        for position in restore:
            candidate[position:position + 3] = b"new"
            respelled.discard(position)
    return None


def _error_starts(root: Node) -> list[int]:
    out: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.type == "ERROR" or node.is_missing:
            out.append(node.start_byte)
            continue
        stack.extend(node.children)
    return out


def walk(node: Node) -> Iterator[Node]:
    """Pre-order walk of named descendants (and the node itself), iteratively."""
    cursor = node.walk()
    reached_root = False
    while not reached_root:
        current = cursor.node
        if current is not None and current.is_named:
            yield current
        if cursor.goto_first_child():
            continue
        if cursor.goto_next_sibling():
            continue
        while True:
            if not cursor.goto_parent() or cursor.node == node:
                reached_root = True
                break
            if cursor.goto_next_sibling():
                break


def inside(node: Node, kind: str, until: Node) -> bool:
    """Whether an ancestor of node, below `until`, is of this kind (a loop, a func
    literal...)."""
    parent = node.parent
    while parent is not None and parent != until:
        if parent.type == kind:
            return True
        parent = parent.parent
    return False


def first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node in source order, found without recursion."""
    if not root.has_error:
        return None
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        for child in node.children:
            if child.has_error or child.is_missing or child.is_error:
                node = child
                break
        else:
            return node


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def field(node: Node, name: str) -> Node | None:
    return node.child_by_field_name(name)


def named_children(node: Node | None) -> list[Node]:
    return [] if node is None else node.named_children


def statements(block: Node | None) -> list[Node]:
    """Statements of a block or case clause (tree-sitter-go wraps them in statement_list)."""
    if block is None:
        return []
    out: list[Node] = []
    for child in block.named_children:
        if child.type == "statement_list":
            out.extend(c for c in child.named_children if c.type != "comment")
        elif child.type != "comment":
            out.append(child)
    return out


def block_statement(node: Node) -> Node:
    """The statement, standing in a block (or a case's statement list), that holds
    node: node itself when it is one."""
    while node.parent is not None and node.parent.type not in ("block", "statement_list"):
        node = node.parent
    return node


def unparen(node: Node | None) -> Node | None:
    while node is not None and node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        node = inner[0] if inner else None
    return node


def operands(expr: Node | None, op: str) -> list[Node]:
    """The conjuncts (op `&&`) or disjuncts (op `||`) of expr, through parentheses."""
    expr = unparen(expr)
    if expr is None:
        return []
    if expr.type == "binary_expression" and text(field(expr, "operator")) == op:
        return operands(field(expr, "left"), op) + operands(field(expr, "right"), op)
    return [expr]


def method_operand(call: Node | None, method: str) -> Node | None:
    """x in `x.method(...)` (through parentheses), or None when call is not that."""
    function = unparen(field(call, "function")) if call is not None else None
    if function is None or function.type != "selector_expression" or text(
            field(function, "field")) != method:
        return None
    return unparen(field(function, "operand"))


def identifiers(node: Node, name: str) -> list[Node]:
    """Identifier nodes spelled `name` under node, in source order, without recursion."""
    wanted = name.encode()
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            if current.text == wanted:
                out.append(current)
            continue
        stack.extend(reversed(current.named_children))
    return out


def assigned_target(value: Node, fallback_first: bool = False) -> Node | None:
    """The left-hand side a right-hand value lands in: `a, b := x, y` gives a for x.
    With fallback_first, a single multi-value right side (`c, err := f()`) gives the
    first target."""
    rhs = value.parent
    if rhs is None or rhs.type != "expression_list":
        return None
    holder = rhs.parent
    if holder is None:
        return None
    if holder.type == "var_spec":
        values = named_children(holder.child_by_field_name("value"))
        targets = holder.children_by_field_name("name")
    elif holder.type in ("short_var_declaration", "assignment_statement"):
        if holder.child_by_field_name("right") != rhs:
            return None
        values = named_children(rhs)
        targets = named_children(holder.child_by_field_name("left"))
    else:
        return None
    if value not in values:
        return None
    i = values.index(value)
    if i < len(targets):
        return targets[i]
    return targets[0] if fallback_first and targets else None


def assignment_sides(node: Node) -> tuple[list[Node], list[Node]]:
    """The names or targets and the values of `x, y := a, b`, `x = a` or `var x = a`."""
    if node.type == "var_spec":
        return node.children_by_field_name("name"), named_children(field(node, "value"))
    return named_children(field(node, "left")), named_children(field(node, "right"))


def schemeless_url_literal(node: Node | None) -> bool:
    """A string literal URL with no scheme (`"localhost"`, `""`): net/http refuses it
    ("unsupported protocol scheme") before dialling."""
    node = unparen(node)
    return node is not None and node.type in (
        "interpreted_string_literal", "raw_string_literal") and b"://" not in node.text


def fields_set_after(file, func: Node, name: str, built: Node | None,
                     before: int) -> dict[str, Node]:
    """The value of the last `name.F = v` for each field F between name's value (built)
    and a point: a client given its RoundTripper after it was built sends through v, a
    Transport given a dial function afterwards dials with v."""
    body = field(func, "body")
    if body is None:
        return {}
    after = built.end_byte if built is not None else body.start_byte
    last: dict[str, tuple[int, Node]] = {}
    for node in file.within("assignment_statement", body):
        if not after <= node.start_byte or node.end_byte > before:
            continue
        lhs = named_children(field(node, "left"))
        rhs = named_children(field(node, "right"))
        if len(lhs) != 1 or len(rhs) != 1:
            continue
        target = unparen(lhs[0])
        if target is None or target.type != "selector_expression" or text(
                field(target, "operand")) != name:
            continue
        key = text(field(target, "field"))
        if key not in last or node.start_byte > last[key][0]:
            last[key] = (node.start_byte, rhs[0])
    return {key: value for key, (_, value) in last.items()}


def assigned_before(file, func: Node, name: str, before: int) -> Node | None:
    """The value last given to name by a single-value assignment in func before a point
    (file: the GoFile whose indexed `within` finds the assignments)."""
    body = field(func, "body")
    if body is None:
        return None
    found: Node | None = None
    for kind in ("short_var_declaration", "assignment_statement", "var_spec"):
        for node in file.within(kind, body):
            if node.end_byte > before:
                continue
            lhs, rhs = assignment_sides(node)
            if len(lhs) >= 1 and text(lhs[0]) == name and rhs and (
                    found is None or node.start_byte > found.start_byte):
                found = rhs[0]
    return found


def assignments_to(body: Node | None, name: str, declarations: bool = False) -> list[Node]:
    """The `name = ...` statements in body (nested literals included), and with
    declarations the `name := ...` ones too."""
    kinds = ("assignment_statement", "short_var_declaration") if declarations else (
        "assignment_statement",)
    return [node for node in walk(body) if node.type in kinds and any(
        text(t) == name for t in named_children(field(node, "left")))] if body else []


def returned_values(ret: Node) -> list[Node]:
    """The expressions a return statement hands back, in order (none for a bare return)."""
    values = [c for c in ret.named_children if c.type != "comment"]
    if values and values[0].type == "expression_list":
        return named_children(values[0])
    return values


def own_returns(node: Node) -> list[Node]:
    """The return statements of a function body, not those of func literals inside it."""
    out: list[Node] = []
    for child in node.named_children:
        if child.type == "func_literal":
            continue
        if child.type == "return_statement":
            out.append(child)
        else:
            out.extend(own_returns(child))
    return out


def receiver_name(method: Node) -> str:
    """The name a method gives its receiver (\"\" when it gives none)."""
    for decl in named_children(field(method, "receiver")):
        names = decl.children_by_field_name("name")
        if names:
            return text(names[0])
    return ""
